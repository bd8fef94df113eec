import fs from 'node:fs';
import path from 'node:path';
import type * as z from 'zod/mini';
import { readRecordText, recordDir, writeRecordFile } from './safe.js';

/**
 * A folder of JSON records under the lab folder (`sweeps/`, `probes/`), one file per id: written whole with a
 * rename (a reader never sees half a record), read back through the record's schema, listed with the unreadable
 * ones skipped. An id is a file name and nothing else, so no record is read or written outside its folder.
 */
export function isRecordId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(id) && !id.includes('..');
}

export interface RecordFolder<T extends { id: string }> {
  file(root: string, id: string): string;
  write(root: string, record: T): string;
  read(root: string, id: string): T;
  /** Oldest first (ids begin with their UTC time). */
  list(root: string): T[];
}

export function recordFolder<T extends { id: string }>(folder: string, what: string, schema: z.ZodMiniType<T>): RecordFolder<T> {
  const file = (root: string, id: string) => {
    if (!isRecordId(id)) throw new Error(`not a ${what} id: "${id}"`);
    return path.join(root, folder, `${id}.json`);
  };
  const read = (root: string, id: string): T => {
    const f = file(root, id);
    const text = readRecordText(f, root);
    if (text === undefined) throw new Error(`${f} does not exist`);
    const r = schema.safeParse(JSON.parse(text));
    if (!r.success) throw new Error(`${f}: not a ${what} record`);
    return r.data;
  };
  return {
    file,
    read,
    write(root, record) {
      const f = file(root, record.id);
      recordDir(root, path.dirname(f));
      const tmp = `${f}.${process.pid}.tmp`;
      fs.rmSync(tmp, { force: true });
      writeRecordFile(tmp, JSON.stringify(record, null, 2) + '\n');
      fs.renameSync(tmp, f);
      return f;
    },
    list(root) {
      let names: string[];
      try {
        names = fs.readdirSync(path.join(root, folder)).filter((f) => f.endsWith('.json'));
      } catch {
        return [];
      }
      return names.sort().flatMap((f) => {
        try {
          return [read(root, f.slice(0, -5))];
        } catch {
          return []; // an unreadable record is skipped
        }
      });
    },
  };
}
