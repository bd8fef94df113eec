import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class ChangedOnDisk extends Error {
  constructor(file: string) {
    super(`${file} changed on disk since it was read; nothing was written. Check it again, then retry.`);
  }
}

/**
 * Replace `file` with `bytes` by writing a temporary file beside it and renaming it over, so a reader
 * never sees half a file. Keeps the file mode. Writes through a symlink to its target. Refuses when
 * the current content's hash differs from `expectedHash` (the file changed since it was read).
 */
export function writeAtomic(file: string, bytes: Uint8Array, expectedHash?: string): void {
  const target = fs.existsSync(file) ? fs.realpathSync(file) : file;
  let mode = 0o600;
  if (fs.existsSync(target)) {
    const current = fs.readFileSync(target);
    if (expectedHash !== undefined && sha256(current) !== expectedHash) throw new ChangedOnDisk(file);
    mode = fs.statSync(target).mode & 0o7777;
  } else if (expectedHash !== undefined) {
    throw new ChangedOnDisk(file);
  }
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export function readIfExists(file: string): Uint8Array | undefined {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}
