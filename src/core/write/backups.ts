import fs from 'node:fs';
import path from 'node:path';
import { giveTo, ownerOf, writeFully, type Owner } from '../fsutil.js';

/** Beside the config, so the CLI and the extension share it: `<config dir>/local-ai-lab/`. */
export function stateDir(configPath: string): string {
  return path.join(path.dirname(configPath), 'local-ai-lab');
}

export function backupDir(configPath: string): string {
  return path.join(stateDir(configPath), 'backups');
}

/** Every write keeps a backup; the newest this many survive pruning. */
export const KEEP_BACKUPS = 20;

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '');

/**
 * Makes `<config dir>/local-ai-lab/` and `sub` under it, owned by whoever owns the config: a root run
 * (`sudo local-ai-lab fix`) must not leave folders the config's owner cannot open.
 */
export function ensureStateDir(configPath: string, sub?: string, owner: Owner | undefined = ownerOf(configPath)): string {
  const dirs = [stateDir(configPath), ...(sub ? [path.join(stateDir(configPath), sub)] : [])];
  for (const d of dirs) {
    fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    giveTo(d, owner);
  }
  return dirs[dirs.length - 1]!;
}

/**
 * Writes `bytes` as a new backup of `configPath`. Names sort by time (millisecond stamp, then a counter
 * within the millisecond) and are created exclusively, so twelve backups in one second — from one
 * process or several — are twelve files.
 */
export function writeBackup(configPath: string, bytes: Uint8Array, now = new Date(), reason?: string): string {
  const owner = ownerOf(configPath);
  const dir = ensureStateDir(configPath, 'backups', owner);
  const base = `${path.basename(configPath)}.${stamp(now)}`;
  for (let seq = 1; ; seq++) {
    const file = path.join(dir, `${base}-${String(seq).padStart(4, '0')}.bak`);
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    try {
      // All of it on disk, or no backup at all: a 0-byte backup on a full disk would be offered first by Restore Backup….
      writeFully(fd, bytes);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      giveTo(file, owner);
      // Why it was taken (a fix, a profile, a sweep's arm, a restore), so Restore Backup… can tell entries apart.
      if (reason) {
        fs.writeFileSync(reasonFile(file), reason.replace(/\s+/g, ' ').slice(0, 200), { mode: 0o600 });
        giveTo(reasonFile(file), owner);
      }
      return file;
    } catch (err) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
      fs.rmSync(file, { force: true });
      throw err;
    }
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether `name` is one of `configName`'s backups — exactly, so `openclaw.json.work`'s are not `openclaw.json`'s. */
export function isBackupOf(name: string, configName: string): boolean {
  return new RegExp(`^${escape(configName)}\\.\\d{8}T\\d{6}\\.\\d{3}Z-\\d+\\.bak$`).test(name);
}

/** The config's backups, oldest first. */
export function listBackups(configPath: string): string[] {
  const dir = backupDir(configPath);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((f) => isBackupOf(f, path.basename(configPath)))
    .sort()
    .map((f) => path.join(dir, f));
}

export function pruneBackups(configPath: string, keep = KEEP_BACKUPS): void {
  const all = listBackups(configPath);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) {
    fs.rmSync(old, { force: true });
    fs.rmSync(reasonFile(old), { force: true });
  }
}

/** The file beside a backup that says why it was taken. */
export function reasonFile(backup: string): string {
  return `${backup}.why`;
}

/** Why a backup was taken, when that was recorded (backups from before this have no reason). */
export function backupReason(backup: string): string | undefined {
  try {
    return fs.readFileSync(reasonFile(backup), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A backup as Restore Backup… lists it: its ISO time, and what it was taken before (a backup older than the
 * recorded reasons says "unknown", so rows can still be told apart by their time).
 */
export function backupRow(backup: string): { label: string; description: string } {
  const why = backupReason(backup);
  return { label: backupWhen(backup) ?? path.basename(backup), description: `before ${why ?? 'unknown'}` };
}

/** A backup's time as everything else prints times: ISO, to the second, UTC ("2026-12-05 23:43:04Z"). */
export function backupWhen(backup: string): string | undefined {
  return backupTime(backup)?.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** When a backup was taken, from its name (`<config>.<YYYYMMDDTHHMMSS.mmmZ>-<n>.bak`). */
export function backupTime(file: string): Date | undefined {
  const m = /\.(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z-\d+\.bak$/.exec(file);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`) : undefined;
}
