import fs from 'node:fs';

/**
 * node:crypto, loaded on first use: loading it sets up OpenSSL (~5 ms), and `check` and `help` never hash or draw a
 * random name. What else needs crypto (a streamed hash in the wire recorder, sha1 keys, a base64 nonce) imports it.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const crypto = (): typeof import('node:crypto') => require('node:crypto');

export function sha256(bytes: Uint8Array | string): string {
  return crypto().createHash('sha256').update(bytes).digest('hex');
}

/** `bytes` random bytes as hex, for temporary and session names. */
export function randomHex(bytes: number): string {
  return crypto().randomBytes(bytes).toString('hex');
}

/** Whether a process with this pid runs (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who owns a file, for files we create beside it. */
export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

export function ownerOf(file: string): Owner | undefined {
  try {
    const s = fs.statSync(file);
    return { uid: s.uid, gid: s.gid };
  } catch {
    return undefined;
  }
}

/** Gives `file` to `owner` when we are root and it is someone else's: what a root run makes, the owner must be able to read. */
export function giveTo(file: string, owner: Owner | undefined): void {
  if (!owner || process.getuid?.() !== 0) return;
  try {
    const s = fs.lstatSync(file);
    if (s.uid !== owner.uid || s.gid !== owner.gid) fs.lchownSync(file, owner.uid, owner.gid);
  } catch {
    // Best effort: a file system without owners (FAT, some mounts) keeps root's.
  }
}

/**
 * Writes all of `bytes` at `fd`. One write(2) on a nearly full disk may take only part of it (a short
 * write): that is no success, and a config renamed from such a temp would be truncated.
 */
export function writeFully(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    const n = fs.writeSync(fd, bytes, off, bytes.length - off);
    if (n <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    off += n;
  }
}
