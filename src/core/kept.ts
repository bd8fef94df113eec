/**
 * Results kept on disk by a key that names everything they depend on (OpenClaw's validator verdicts, doctor's
 * repairs): one JSON file per key under a folder of the cache (`cacheDir()/<kind>`), renamed into place, the oldest
 * dropped past a bound. A file that does not parse as the expected shape is no result.
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as z from 'zod/mini';
import { cacheDir } from './cacheDir.js';

/** Results kept per folder; the oldest go first. */
const MAX_ENTRIES = 256;

/** The folder results of this kind are kept in. */
export const keptDir = (kind: 'validator' | 'doctor', env: NodeJS.ProcessEnv = process.env) => path.join(cacheDir(env), kind);

export function readKept<T>(dir: string, key: string, schema: z.ZodMiniType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, `${key}.json`), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps a result (a reader never sees half of one); a cache that cannot be written only costs time. */
export function keep(dir: string, key: string, value: unknown): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(dir, `.${key}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(value), { mode: 0o600 });
    fs.renameSync(tmp, path.join(dir, `${key}.json`));
    const kept = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    if (kept.length > MAX_ENTRIES) {
      const byAge = kept.map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs })).sort((a, b) => a.t - b.t);
      for (const { f } of byAge.slice(0, kept.length - MAX_ENTRIES)) fs.rmSync(path.join(dir, f), { force: true });
    }
  } catch {
    // Read-only home, full disk: the next time does the work again.
  }
}
