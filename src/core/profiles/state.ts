import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { giveTo, ownerOf, sha256 } from '../fsutil.js';
import { readBoundedSync } from '../read.js';
import { ensureStateDir, stateDir } from '../write/backups.js';

const StateSchema = z.looseObject({ profile: z.string(), appliedAt: z.string(), configSha256: z.string() });
export type ProfileState = z.infer<typeof StateSchema>;

/** The profile last applied to this config (`local-ai-lab/profile.json` beside it). */
export function readProfileState(configPath: string): ProfileState | undefined {
  try {
    // Bounded like every read: a FIFO planted here must not block the extension host.
    const bytes = readBoundedSync(path.join(stateDir(configPath), 'profile.json'));
    if (!bytes) return undefined;
    const r = StateSchema.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export function writeProfileState(configPath: string, profile: string, configBytes: Uint8Array): void {
  const owner = ownerOf(configPath);
  const dir = ensureStateDir(configPath, undefined, owner);
  const state: ProfileState = { profile, appliedAt: new Date().toISOString(), configSha256: sha256(configBytes) };
  const file = path.join(dir, 'profile.json');
  fs.writeFileSync(file, JSON.stringify(state, null, 2) + '\n');
  giveTo(file, owner);
}
