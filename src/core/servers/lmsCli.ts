import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LmsRunner } from './inspect.js';
import { loadExeca } from '../execa.js';

/** Where LM Studio installs `lms`: the home pointer file, then ~/.cache/lm-studio, then ~/.lmstudio; else PATH. */
export function findLmsExecutable(setting: string, home = os.homedir()): string {
  if (setting) return setting;
  const exe = process.platform === 'win32' ? 'lms.exe' : 'lms';
  const candidates: string[] = [];
  try {
    const pointer = fs.readFileSync(path.join(home, '.lmstudio-home-pointer'), 'utf8').trim();
    if (pointer) candidates.push(path.join(pointer, 'bin', exe));
  } catch {
    /* no pointer file */
  }
  candidates.push(path.join(home, '.cache', 'lm-studio', 'bin', exe), path.join(home, '.lmstudio', 'bin', exe));
  return candidates.find((c) => fs.existsSync(c)) ?? 'lms';
}

/** Runs lms with an argument array (never a shell), a timeout and cancellation; stdout only (logs go to stderr). */
export function lmsRunner(executable: string): LmsRunner {
  return async (args, timeoutMs, signal) => {
    const r = await (await loadExeca())(executable, [...args], { timeout: timeoutMs, cancelSignal: signal, reject: false, stdin: 'ignore', forceKillAfterDelay: 2000 });
    return { stdout: String(r.stdout), exitCode: r.exitCode ?? 1 };
  };
}
