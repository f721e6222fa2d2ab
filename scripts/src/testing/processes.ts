import { readdirSync, readFileSync } from 'node:fs';

/** A process as /proc shows it. */
export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly cmdline: string;
}

function read(pid: string, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Live processes (zombies left out: dead, only waiting for a parent that may never reap them). */
function liveProcesses(): (ProcessInfo & { environ: string })[] {
  const found: (ProcessInfo & { environ: string })[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const stat = read(pid, 'stat');
    // "pid (comm) state ppid …"; comm may hold spaces and parentheses.
    const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (!fields || fields[0] === 'Z') continue;
    found.push({ pid: Number(pid), ppid: Number(fields[1]), cmdline: (read(pid, 'cmdline') ?? '').replaceAll('\0', ' ').trim(), environ: read(pid, 'environ') ?? '' });
  }
  return found;
}

/**
 * Every live process of the `npm start` stack with this QATRON_HOME: those whose environment or
 * command line names it (the children inherit the supervisor's environment), and their
 * descendants (PostgreSQL's backends rewrite their environment area for their titles).
 */
export function stackProcesses(home: string): ProcessInfo[] {
  const all = liveProcesses();
  const marker = `\0QATRON_HOME=${home}\0`;
  const ours = new Set(all.filter((p) => `\0${p.environ}`.includes(marker) || p.cmdline.includes(`${home}/`)).map((p) => p.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!ours.has(p.pid) && ours.has(p.ppid)) {
        ours.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => ours.has(p.pid)).map(({ pid, ppid, cmdline }) => ({ pid, ppid, cmdline }));
}
