import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateConfig, type RunOptions, type ValidationResult } from '../openclaw/cli.js';

/**
 * Validates `text` as the config with the installed OpenClaw: written beside the config (so `$include`s
 * resolve), validated, removed. Falls back to the temp folder when the config's folder is read-only.
 */
export function validatorFor(exe: string, configPath: string, opts: RunOptions): (text: string) => Promise<ValidationResult> {
  return async (text) => {
    let dir = path.dirname(configPath);
    try {
      fs.accessSync(dir, fs.constants.W_OK);
    } catch {
      dir = os.tmpdir();
    }
    const tmp = path.join(dir, `.${path.basename(configPath)}.lal-${randomBytes(4).toString('hex')}.json5`);
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    try {
      return await validateConfig(exe, tmp, opts);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  };
}
