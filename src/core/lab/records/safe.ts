import fs from 'node:fs';
import path from 'node:path';
import { readBoundedSync } from '../../read.js';

/**
 * A lab folder may come from elsewhere (a cloned repository, a shared drive): every record is read bounded
 * (regular files only, a size cap, nothing that leads out of the lab folder) and every record is written
 * without following a link, so a planted `outputs/001.txt → ~/.bashrc` is never written through.
 */

/** session.json, sweeps/*.json, probes/*.json, the lock. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
/** dispatches.jsonl and wire.jsonl (a 1,000-dispatch session's are well under a megabyte). */
export const MAX_LINES_BYTES = 64 * 1024 * 1024;

export class RecordUnsafe extends Error {}

/** A record's text, or undefined when it does not exist; throws when it is not a plain file inside `root`. */
export function readRecordText(file: string, root: string, maxBytes = MAX_RECORD_BYTES): string | undefined {
  const bytes = readBoundedSync(file, { maxBytes, within: root });
  return bytes ? Buffer.from(bytes).toString('utf8') : undefined;
}

function realOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Makes `dir` (a folder under the lab folder `root`) and checks it is a real folder whose real path stays
 * in `root`: a `runs/<id>` or `outputs` that is a link elsewhere is refused before anything is written.
 */
export function recordDir(root: string, dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const rel = path.relative(root, dir);
  let at = root;
  for (const seg of rel.split(path.sep).filter(Boolean)) {
    at = path.join(at, seg);
    if (fs.lstatSync(at).isSymbolicLink()) throw new RecordUnsafe(`${at} is a symbolic link; the lab writes no record through a link`);
  }
  const real = realOr(dir);
  const base = realOr(root);
  if (real !== base && !real.startsWith(base + path.sep)) throw new RecordUnsafe(`${dir} leads outside ${root}; the lab writes no record there`);
  return dir;
}

const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** Opens a record file for writing without following a link at its name (ELOOP is said as what it is). */
export function openRecord(file: string, flags: number, mode = 0o644): number {
  try {
    return fs.openSync(file, flags | NOFOLLOW, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new RecordUnsafe(`${file} is a symbolic link; the lab writes no record through a link`);
    throw err;
  }
}

/** Writes a whole record file (created or truncated), never through a link. */
export function writeRecordFile(file: string, text: string): void {
  const fd = openRecord(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC);
  try {
    fs.writeFileSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens a JSON-lines record for appending (and reading its last byte), never through a link. */
export function openLines(file: string): number {
  return openRecord(file, fs.constants.O_RDWR | fs.constants.O_APPEND | fs.constants.O_CREAT);
}
