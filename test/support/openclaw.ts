import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * An `openclaw` executable for tests: a tiny wrapper that runs the real OpenClaw from the tool cache
 * (scripts/tools.mjs) under Node 24. Undefined when `npm test` did not provide one.
 */
export function openclawExecutable(): string | undefined {
  const node = process.env.LAL_NODE24_BIN;
  const entry = process.env.LAL_OPENCLAW_ENTRY;
  if (!node || !entry || !fs.existsSync(entry)) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-oc-'));
  const exe = path.join(dir, 'openclaw');
  fs.writeFileSync(exe, `#!/bin/sh\nexec "${path.join(node, 'node')}" "${entry}" "$@"\n`, { mode: 0o755 });
  return exe;
}

/** A throwaway OpenClaw home so the validator never touches the user's state. */
export function isolatedEnv(): Record<string, string> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-home-'));
  return { HOME: home, OPENCLAW_STATE_DIR: path.join(home, '.openclaw'), OPENCLAW_NO_AUTO_UPDATE: '1', OPENCLAW_OFFLINE: '1', OPENCLAW_DISABLE_BONJOUR: '1' };
}

/** The older release (2026.5.28), for plans that target the pre-2026.8 schema. */
export function openclawOldExecutable(): string | undefined {
  const node = process.env.LAL_NODE24_BIN;
  const entry = process.env.LAL_OPENCLAW_OLD_ENTRY;
  if (!node || !entry || !fs.existsSync(entry)) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-oc-old-'));
  const exe = path.join(dir, 'openclaw');
  fs.writeFileSync(exe, `#!/bin/sh\nexec "${path.join(node, 'node')}" "${entry}" "$@"\n`, { mode: 0o755 });
  return exe;
}
