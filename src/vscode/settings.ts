import * as vscode from 'vscode';
import { parseUserProfiles, type ProfileDef } from '../core/profiles/types.js';

/** Every setting, coerced with a default: never trust `get<T>` (a user can write anything in settings.json). */
export interface Settings {
  readonly configPath: string;
  readonly openclawExecutable: string;
  readonly validate: boolean;
  readonly validateTimeoutMs: number;
  readonly probe: boolean;
  readonly probeTimeoutMs: number;
  readonly refreshSeconds: number;
  readonly lmsExecutable: string;
  readonly disabledRules: readonly string[];
  readonly turnTokens: number;
  readonly recordTokens: number;
  readonly compression: number;
  /** Valid user profiles; `profileErrors` names every invalid field. */
  readonly profiles: readonly ProfileDef[];
  readonly profileErrors: readonly string[];
  /** Machine-scoped opt-ins: the lab against a hosted API; promptFile outside the workload's folder and the workspace. */
  readonly labAllowHosted: boolean;
  readonly labAllowPromptFilesAnywhere: boolean;
}

function str(v: unknown, d: string): string {
  return typeof v === 'string' ? v : d;
}
function num(v: unknown, d: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : d;
}
function bool(v: unknown, d: boolean): boolean {
  return typeof v === 'boolean' ? v : d;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('localAiLab');
  // Machine-scoped (package.json): VS Code never applies them from workspace settings, and in a remote
  // window it takes them from the remote machine's settings, so a workspace cannot redirect them.
  const machine = (key: string) => str(c.get(key), '').trim();
  const disabled = c.get<unknown>('rules.disabled');
  return {
    configPath: machine('openclaw.configPath'),
    openclawExecutable: machine('openclaw.executable') || 'openclaw',
    validate: bool(c.get('openclaw.validate'), true),
    validateTimeoutMs: num(c.get('openclaw.validateTimeoutSeconds'), 30, 5, 600) * 1000,
    probe: bool(c.get('runtimes.probe'), true),
    probeTimeoutMs: num(c.get('runtimes.timeoutMs'), 1500, 200, 10000),
    refreshSeconds: num(c.get('runtimes.refreshSeconds'), 30, 0, 86400),
    lmsExecutable: machine('lms.executable'),
    disabledRules: Array.isArray(disabled) ? disabled.filter((x): x is string => typeof x === 'string') : [],
    turnTokens: num(c.get('hover.turnTokens'), 2000, 1),
    recordTokens: num(c.get('hover.recordTokens'), 400, 1),
    compression: num(c.get('hover.compression'), 0.6, 0, 0.95),
    // Machine scope: a workspace's value is never applied, so only the user can opt in.
    labAllowHosted: c.get('lab.allowHostedEndpoints') === true,
    labAllowPromptFilesAnywhere: c.get('lab.allowPromptFilesAnywhere') === true,
    ...(() => {
      const r = parseUserProfiles(c.get<unknown>('profiles'));
      return { profiles: r.profiles, profileErrors: r.errors };
    })(),
  };
}
