import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from './fsutil.js';
import { decodeText, parseDocument, type ConfigDocument } from './openclaw/document.js';
import { ConfigUnreadable } from './errors.js';

/**
 * The one reader for config files, with OpenClaw's own limits: regular files only (a FIFO would block
 * forever, a device never ends), at most 16 MB for a config (OpenClaw has no cap on its main file and validates
 * one of 2.9 MB; a 20 MB file once ran `check` out of memory) and 2 MB for an `$include` (OpenClaw's cap).
 */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
/** OpenClaw's own cap, for `$include` files only (MAX_INCLUDE_FILE_BYTES in 2026.9.6); its main config has none. */
export const MAX_INCLUDE_BYTES = 2 * 1024 * 1024;

export { ConfigUnreadable };

export interface ReadConfig {
  readonly doc: ConfigDocument;
  /** sha256 of the bytes read, for refusing writes when the file changed underneath. */
  readonly hash: string;
  readonly bytes: Uint8Array;
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function tooBig(file: string, size: number): ConfigUnreadable {
  return new ConfigUnreadable(`${file} is ${(size / 1024 / 1024).toFixed(1)} MB; Local AI Lab reads a config of at most ${MAX_CONFIG_BYTES / 1024 / 1024} MB (a bound on memory, not OpenClaw's: it caps only $include files, at 2 MB), so it is not read. Check the path.`);
}

function includeTooBig(file: string, size: number): ConfigUnreadable {
  return new ConfigUnreadable(`${file} is ${(size / 1024 / 1024).toFixed(1)} MB; OpenClaw reads an $include file of at most 2 MB`);
}

function unreadable(file: string, err: unknown): ConfigUnreadable {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new ConfigUnreadable(`${file} does not exist`);
  if (code === 'EACCES' || code === 'EPERM') return new ConfigUnreadable(`${file} cannot be read: permission denied`);
  if (code === 'ELOOP') return new ConfigUnreadable(`${file} is a symbolic link loop`);
  return new ConfigUnreadable(`${file} cannot be read (${code ?? (err as Error).message})`);
}

/**
 * Reads a config file's bytes, bounded. Opened non-blocking and checked with fstat on the open descriptor,
 * so a FIFO swapped in after a stat can neither block nor be read. `undefined` when it does not exist.
 */
export interface BoundedOptions {
  readonly refuseSymlink?: boolean;
  /** A size cap other than a config's (lab records, prompt files); the refusal then does not speak of configs. */
  readonly maxBytes?: number;
  /** The real path must stay inside this folder: a record that links out of the lab folder is not read. */
  readonly within?: string;
}

function realOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

export function readBoundedSync(file: string, opts: BoundedOptions = {}): Uint8Array | undefined {
  if (opts.within) {
    const where = realOr(file);
    const root = realOr(opts.within);
    if (where !== root && !where.startsWith(root + path.sep)) throw new ConfigUnreadable(`${file} leads outside ${opts.within} (a symbolic link); it is not read`);
  }
  if (opts.refuseSymlink) {
    let lst: fs.Stats;
    try {
      lst = fs.lstatSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw unreadable(file, err);
    }
    if (lst.isSymbolicLink()) throw new ConfigUnreadable(`${file} is a symbolic link; OpenClaw does not follow links in $include`);
  }
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new ConfigUnreadable(`${file} is a folder, not a config file`);
    throw unreadable(file, err);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ConfigUnreadable(`${file} is ${kindOf(st)}, not ${opts.maxBytes ? 'a regular file' : 'a config file'}`);
    if (opts.maxBytes === MAX_INCLUDE_BYTES && st.size > opts.maxBytes) throw includeTooBig(file, st.size);
    if (opts.maxBytes !== undefined && st.size > opts.maxBytes) throw new ConfigUnreadable(`${file} is ${(st.size / 1024 / 1024).toFixed(1)} MB, more than the ${(opts.maxBytes / 1024 / 1024).toFixed(0)} MB it may be; it is not read`);
    if (opts.maxBytes === undefined && st.size > MAX_CONFIG_BYTES) throw tooBig(file, st.size);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = fs.readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    fs.closeSync(fd);
  }
}

/** The async twin for the extension host: never blocks the event loop on a slow disk. */
export async function readBounded(file: string): Promise<Uint8Array | undefined> {
  let h: fs.promises.FileHandle;
  try {
    h = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new ConfigUnreadable(`${file} is a folder, not a config file`);
    throw unreadable(file, err);
  }
  try {
    const st = await h.stat();
    if (!st.isFile()) throw new ConfigUnreadable(`${file} is ${kindOf(st)}, not a config file`);
    if (st.size > MAX_CONFIG_BYTES) throw tooBig(file, st.size);
    const buf = Buffer.alloc(st.size);
    const { bytesRead } = await h.read(buf, 0, st.size, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await h.close();
  }
}

function parsed(file: string, bytes: Uint8Array): ReadConfig {
  const { text, encoding } = decodeText(bytes);
  // Hashed when a write asks: a `check` never does, and hashing is its first use of node:crypto (~5 ms to load).
  let hash: string | undefined;
  return {
    doc: parseDocument(file, text, encoding),
    get hash() {
      return (hash ??= sha256(bytes));
    },
    bytes,
  };
}

/** Reads and parses the config; a missing or unreadable file is a ConfigUnreadable with a message to show. */
export function readConfig(file: string): ReadConfig {
  const bytes = readBoundedSync(file);
  if (!bytes) throw new ConfigUnreadable(`${file} does not exist`);
  return parsed(file, bytes);
}

export async function readConfigAsync(file: string): Promise<ReadConfig | undefined> {
  const bytes = await readBounded(file);
  return bytes ? parsed(file, bytes) : undefined;
}

/** `OPENCLAW_INCLUDE_ROOTS` (`:`-separated), as OpenClaw reads it. */
export function includeRootsFrom(env: NodeJS.ProcessEnv): string[] {
  return (env.OPENCLAW_INCLUDE_ROOTS ?? '').split(path.delimiter).filter(Boolean).map((r) => path.resolve(r));
}

/**
 * How `$include` targets are read: bounded, no symbolic links, and the real path must stay inside the
 * config's folder or an allowed root (a linked parent folder cannot lead outside). A problem is a message.
 */
export function includeReader(configFile: string, roots: readonly string[]): (file: string) => Uint8Array | string | undefined {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const allowed = [path.dirname(configFile), ...roots].map(real);
  return (file) => {
    try {
      const bytes = readBoundedSync(file, { refuseSymlink: true, maxBytes: MAX_INCLUDE_BYTES });
      if (!bytes) return undefined;
      const where = real(file);
      if (!allowed.some((r) => where === r || where.startsWith(r + path.sep))) return `include ${file} resolves outside the config folder (OPENCLAW_INCLUDE_ROOTS can allow it)`;
      return bytes;
    } catch (err) {
      return (err as Error).message;
    }
  };
}
