import fs from 'node:fs';
import path from 'node:path';

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
 * Writes `bytes` as a new backup of `configPath`. Names sort by time (millisecond stamp, then a counter
 * within the millisecond) and are created exclusively, so twelve backups in one second — from one
 * process or several — are twelve files.
 */
export function writeBackup(configPath: string, bytes: Uint8Array, now = new Date(), reason?: string): string {
  const dir = backupDir(configPath);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const base = `${path.basename(configPath)}.${stamp(now)}`;
  for (let seq = 1; ; seq++) {
    const file = path.join(dir, `${base}-${String(seq).padStart(4, '0')}.bak`);
    try {
      fs.writeFileSync(file, bytes, { mode: 0o600, flag: 'wx' });
      // Why it was taken (a fix, a profile, a sweep's arm, a restore), so Restore Backup… can tell entries apart.
      if (reason) fs.writeFileSync(reasonFile(file), reason.replace(/\s+/g, ' ').slice(0, 200), { mode: 0o600 });
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
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
    .filter((f) => f.startsWith(`${path.basename(configPath)}.`) && f.endsWith('.bak'))
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

/** A backup's time as everything else prints times: ISO, to the second, UTC ("2026-12-05 23:43:04Z"). */
export function backupWhen(backup: string): string | undefined {
  return backupTime(backup)?.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** When a backup was taken, from its name (`<config>.<YYYYMMDDTHHMMSS.mmmZ>-<n>.bak`). */
export function backupTime(file: string): Date | undefined {
  const m = /\.(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z-\d+\.bak$/.exec(file);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`) : undefined;
}
