/**
 * Reading the `qatron.progress` plugin's file while pytest writes it: the records appended since
 * the last read, polled on a timer for live progress.
 */
import { open } from 'node:fs/promises';
import { parseProgressLines, type ProgressRecord } from './results.js';

/** Reads the records appended to a progress file since the last read. */
export class ProgressReader {
  private offset = 0;
  private partial = '';
  private readonly records: ProgressRecord[] = [];

  constructor(private readonly path: string) {}

  /** The records completed since the previous call. */
  async read(): Promise<ProgressRecord[]> {
    let handle;
    try {
      handle = await open(this.path, 'r');
    } catch {
      return [];
    }
    try {
      const chunks: Buffer[] = [];
      const buffer = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
        if (bytesRead === 0) break;
        chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
        this.offset += bytesRead;
      }
      const lines = (this.partial + Buffer.concat(chunks).toString('utf8')).split('\n');
      this.partial = lines.pop()!;
      const records = parseProgressLines(lines);
      this.records.push(...records);
      return records;
    } finally {
      await handle.close();
    }
  }

  /** Every record read so far, plus what remains in the file. */
  async all(): Promise<ProgressRecord[]> {
    await this.read();
    return [...this.records, ...parseProgressLines([this.partial])];
  }
}

/** Reads the progress file every `intervalMs` and reports when tests finished. */
export function startPolling(reader: ProgressReader, intervalMs: number, report: (records: ProgressRecord[]) => void): { stop: () => Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => {
      const records = await reader.read().catch(() => []);
      if (records.length > 0) report(records);
    });
  }, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
