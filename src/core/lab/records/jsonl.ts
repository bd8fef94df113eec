import fs from 'node:fs';
import type * as z from 'zod/mini';
import { MAX_LINES_BYTES, readRecordText } from './safe.js';

/**
 * The lab's JSON-lines files (dispatches.jsonl, wire.jsonl): one object a line, appended and flushed as each ends,
 * so a killed lab keeps every whole line; a reader skips the torn last one (and any line its schema rejects).
 */

/** Whether the file ends in the middle of a line (non-empty, last byte not a newline). */
export function endsTorn(fd: number): boolean {
  const size = fs.fstatSync(fd).size;
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  fs.readSync(fd, last, 0, 1, size - 1);
  return last[0] !== 0x0a;
}

/**
 * Appends one record as a line and flushes it. A kill mid-write leaves a last line without its newline; it is
 * ended first, so this record starts a line of its own instead of being glued onto the torn one.
 */
export function appendLine(fd: number, record: unknown, torn = endsTorn(fd)): void {
  fs.writeSync(fd, (torn ? '\n' : '') + JSON.stringify(record) + '\n');
  fs.fdatasyncSync(fd);
}

/**
 * The records of a JSON-lines file under the lab folder `root` (none when it does not exist), and how many
 * lines could not be read. Bounded: a link out of the folder, a FIFO or a device is refused, not read.
 */
export function readLines<S extends z.ZodMiniType>(file: string, schema: S, root: string): { records: z.infer<S>[]; skipped: number } {
  return parseLines(readRecordText(file, root, MAX_LINES_BYTES) ?? '', schema);
}

export function parseLines<S extends z.ZodMiniType>(text: string, schema: S): { records: z.infer<S>[]; skipped: number } {
  const records: z.infer<S>[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = schema.safeParse(JSON.parse(line));
      if (r.success) records.push(r.data as z.infer<S>);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { records, skipped };
}
