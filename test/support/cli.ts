import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The fixtures folder, and the captured `lms` output the check-style CLI tests stand in for LM Studio with. */
export const FIX = path.resolve('test/fixtures');
export const LMS_ARGS = ['--loaded', `${FIX}/lms/ps.json`, '--downloaded', `${FIX}/lms/ls.json`];

/** Runs the built CLI synchronously with a minimal PATH (no OpenClaw unless a test puts one there). */
export const runCliSync = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [path.resolve('dist/cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, PATH: '/usr/bin:/bin', ...env } });

/** A fixture config copied into a fresh temp folder (tests write to the copy, never the fixture). */
export function tmpConfigCopy(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-cli-'));
  const file = path.join(dir, 'openclaw.json');
  fs.copyFileSync(path.join(FIX, 'configs', name), file);
  return file;
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs the built CLI (dist/cli.js) without blocking this process, so scripted servers in the test keep
 * answering while it runs.
 */
export function runCli(args: string[], o: { cwd?: string; env?: Record<string, string | undefined>; onSpawn?: (pid: number) => void } = {}): Promise<CliResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.resolve('dist/cli.js'), ...args], { cwd: o.cwd, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    o.onSpawn?.(p.pid!);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr, ms: Date.now() - t0 }));
  });
}
