import fs from 'node:fs';
import path from 'node:path';
import { sessionDir } from '../records/store.js';
import { openRecord, recordDir } from '../records/safe.js';
import { redactCredentials } from '../../servers/address.js';

/**
 * Request and response bodies, kept only when the user opts in (`--wire-bodies`, setting
 * `localAiLab.lab.wireBodies`): `runs/<id>/bodies/<seq>.request.json` and `<seq>.response.txt`, readable by the
 * owner only, with secrets redacted. By default the wire keeps sizes and hashes, never a body.
 */

/** Keys whose values are secrets wherever they appear in a JSON body. */
const SECRET_KEY = /^(api[_-]?key|apikey|authorization|password|passwd|secret|client[_-]?secret|access[_-]?token|refresh[_-]?token|token|x-api-key)$/i;
/** Secrets by their shape, in any text: provider keys, bearer tokens, a URL's user:password@. */
const SECRET_TEXT: readonly [RegExp, string][] = [
  [/\b(sk|pk|rk)-[A-Za-z0-9_-]{16,}/g, '[redacted]'],
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
];

export const REDACTED = '[redacted]';

function redactValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactValue);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, SECRET_KEY.test(k) ? REDACTED : redactValue(x)]));
  return typeof v === 'string' ? redactText(v) : v;
}

export function redactText(text: string): string {
  let out = redactCredentials(text);
  for (const [re, by] of SECRET_TEXT) out = out.replace(re, by);
  return out;
}

/** A body as it is kept: JSON with secret keys and secret-shaped strings redacted; any other text by shape. */
export function redactBody(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('utf8');
  try {
    return JSON.stringify(redactValue(JSON.parse(text)), null, 1);
  } catch {
    return redactText(text);
  }
}

export interface KeptBodies {
  readonly seq: number;
  readonly request: Uint8Array | null;
  readonly response: Uint8Array | null;
}

/** Writes the kept bodies of one batch (between dispatches), owner-only. */
export function writeBodies(root: string, id: string, batch: readonly KeptBodies[]): void {
  if (!batch.length) return;
  const dir = path.join(sessionDir(root, id), 'bodies');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  recordDir(root, dir);
  const name = (seq: number) => String(seq).padStart(6, '0');
  // New files only (O_EXCL), never through a link, owner-only.
  const write = (file: string, text: string) => {
    const fd = openRecord(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    try {
      fs.writeFileSync(fd, text);
    } finally {
      fs.closeSync(fd);
    }
  };
  for (const b of batch) {
    if (b.request) write(path.join(dir, `${name(b.seq)}.request.json`), redactBody(b.request));
    if (b.response) write(path.join(dir, `${name(b.seq)}.response.txt`), redactBody(b.response));
  }
}
