import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isolatedEnv } from './openclaw.js';

/** The built CLI in an isolated OpenClaw home, with no `openclaw` on PATH unless a test names one. */
export const runIsolatedCli = (args: string[]) => spawnSync(process.execPath, [path.resolve('dist/cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...isolatedEnv(), PATH: '/usr/bin:/bin' } });

/** A private copy of a corpus config, as `openclaw.json` in a fresh folder. */
export function corpusCopy(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-mig-'));
  const file = path.join(dir, 'openclaw.json');
  fs.copyFileSync(path.resolve('test/fixtures/corpus', name), file);
  return file;
}
