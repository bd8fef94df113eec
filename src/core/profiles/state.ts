import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { sha256 } from '../fsutil.js';

/** Beside the config, so the CLI and the extension share it: `<config dir>/local-ai-lab/`. */
export function stateDir(configPath: string): string {
  return path.join(path.dirname(configPath), 'local-ai-lab');
}

export const KEEP_BACKUPS = 5;

/** Copies the config's bytes to `backups/<name>.<timestamp>.bak`, keeping the newest five. */
export function backupConfig(configPath: string, bytes: Uint8Array, now = new Date()): string {
  const dir = path.join(stateDir(configPath), 'backups');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let file = path.join(dir, `${path.basename(configPath)}.${stamp}.bak`);
  for (let i = 2; fs.existsSync(file); i++) file = path.join(dir, `${path.basename(configPath)}.${stamp}-${i}.bak`);
  fs.writeFileSync(file, bytes, { mode: 0o600 });
  const all = fs.readdirSync(dir).filter((f) => f.startsWith(`${path.basename(configPath)}.`) && f.endsWith('.bak')).sort();
  for (const old of all.slice(0, Math.max(0, all.length - KEEP_BACKUPS))) fs.rmSync(path.join(dir, old), { force: true });
  return file;
}

const StateSchema = z.looseObject({ profile: z.string(), appliedAt: z.string(), configSha256: z.string() });
export type ProfileState = z.infer<typeof StateSchema>;

export function readProfileState(configPath: string): ProfileState | undefined {
  try {
    const r = StateSchema.safeParse(JSON.parse(fs.readFileSync(path.join(stateDir(configPath), 'profile.json'), 'utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export function writeProfileState(configPath: string, profile: string, configBytes: Uint8Array): void {
  const dir = stateDir(configPath);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const state: ProfileState = { profile, appliedAt: new Date().toISOString(), configSha256: sha256(configBytes) };
  fs.writeFileSync(path.join(dir, 'profile.json'), JSON.stringify(state, null, 2) + '\n');
}
