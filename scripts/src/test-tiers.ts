/**
 * `npm test`'s tiers (README "Developing"): unit, board and integration first, in one vitest run
 * (their files run in parallel), then the two e2e lanes side by side, each its own vitest process.
 * One process will not do for the lanes: vitest runs the files of every project that disables file
 * parallelism in one sequential group after all the others, so two lanes in one run are one lane.
 * Every tier runs even when an earlier one failed, so one report shows every failure; the exit
 * code is the first failure's.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** File filters given on the command line narrow every tier (a tier left without files passes). */
const filters = process.argv.slice(2);
const VITEST = ['vitest', 'run', ...(filters.length ? ['--passWithNoTests', ...filters] : [])];

/** Runs vitest for `projects`; lines are prefixed with `label` when given (lanes that share the terminal). */
function vitest(projects: string[], label?: string): Promise<number> {
  const args = [...VITEST, ...projects.flatMap((p) => ['--project', p])];
  const child = spawn('npx', args, { stdio: label ? ['ignore', 'pipe', 'pipe'] : 'inherit', env: process.env });
  if (label) {
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${label}] ${line}\n`));
    }
  }
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

const results: Array<[string, number]> = [];
results.push(['unit, board, integration', await vitest(['unit', 'board', 'integration'])]);
const lanes = await Promise.all([vitest(['e2e'], 'e2e'), vitest(['e2e-2'], 'e2e-2')]);
results.push(['e2e', lanes[0]!], ['e2e-2', lanes[1]!]);
for (const [tier, code] of results) process.stdout.write(`${code === 0 ? 'passed' : `FAILED (exit ${code})`}: ${tier}\n`);
process.exit(results.find(([, code]) => code !== 0)?.[1] ?? 0);
