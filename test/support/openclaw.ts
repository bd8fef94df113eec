import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { millis } from '../../src/core/units.js';

/**
 * An `openclaw` executable for tests: a tiny wrapper that runs a real OpenClaw from the tool cache
 * (scripts/tools.mjs) under Node 24. Undefined when `npm test` did not provide that release.
 */
function wrapper(entryVariable: 'LAL_OPENCLAW_ENTRY' | 'LAL_OPENCLAW_OLD_ENTRY'): string | undefined {
  const node = process.env.LAL_NODE24_BIN;
  const entry = process.env[entryVariable];
  if (!node || !entry || !fs.existsSync(entry)) return undefined;
  return writeOpenclawWrapper(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-oc-')), node, entry);
}

/** Writes `dir/openclaw`, a shell script that runs OpenClaw's entry point under the given Node bin folder. */
export function writeOpenclawWrapper(dir: string, nodeBin: string, entry: string): string {
  const exe = path.join(dir, 'openclaw');
  fs.writeFileSync(exe, `#!/bin/sh\nexec "${path.join(nodeBin, 'node')}" "${entry}" "$@"\n`, { mode: 0o755 });
  return exe;
}

/** OpenClaw 2026.9.6. */
export const openclawExecutable = () => wrapper('LAL_OPENCLAW_ENTRY');
/** OpenClaw 2026.5.28, for plans that target the pre-2026.8 schema. */
export const openclawOldExecutable = () => wrapper('LAL_OPENCLAW_OLD_ENTRY');

/** A throwaway OpenClaw home so the validator never touches the user's state. */
export function isolatedEnv(): Record<string, string> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-home-'));
  return { HOME: home, OPENCLAW_STATE_DIR: path.join(home, '.openclaw'), OPENCLAW_NO_AUTO_UPDATE: '1', OPENCLAW_OFFLINE: '1', OPENCLAW_DISABLE_BONJOUR: '1' };
}

/** Validates `text` with the real OpenClaw, as a config file of its own in a private temp folder and home. */
export async function validateText(exe: string, text: string, env: Record<string, string | undefined> = { ...process.env, ...isolatedEnv() }) {
  const { validateConfig } = await import('../../src/core/openclaw/cli.js');
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-vt-')), 'openclaw.json');
  fs.writeFileSync(f, text);
  return validateConfig(exe, f, { timeoutMs: millis(60_000), env });
}
