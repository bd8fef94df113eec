import type { MigrationOptions } from '../core/migrate/run.js';
import type { RunOptions } from '../core/openclaw/cli.js';
import { parseUserProfiles, type ProfileDef } from '../core/profiles/types.js';
import { readProxies, type ProxyDecl } from '../core/lab/layer/proxy.js';
import { millis, seconds, toMillis, type Millis, type Seconds } from '../core/units.js';

/**
 * The editor's settings as typed values, and the options core calls take from them. No `vscode` here
 * (settings.ts reads the values), so what a setting becomes is unit-tested.
 */
export interface Settings {
  readonly configPath: string;
  readonly openclawExecutable: string;
  readonly validate: boolean;
  /** `openclaw.validateTimeoutSeconds`: each `openclaw config validate`, in the editor and in Make Config Valid. */
  readonly validateTimeout: Seconds;
  /** `runtimes.probe`: ask the model servers what they have loaded. */
  readonly inspectServers: boolean;
  /** `runtimes.timeoutMs`: each request to a model server. */
  readonly inspectTimeout: Millis;
  /** `runtimes.refreshSeconds`: inspect the servers again this often while focused; 0 never. */
  readonly refreshInterval: Seconds;
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
  /** Record the wire in lab sessions (machine scope). */
  readonly labWire: boolean;
  /** The sampler's interval in ms with the wire (0: off). */
  readonly labSampleMs: number;
  readonly labWireBodies: boolean;
  readonly labAllowPromptFilesAnywhere: boolean;
  /** Declared compression proxies (machine scope: a workspace cannot make the lab start a program). */
  readonly labProxies: readonly ProxyDecl[];
  /** Why `lab.proxies` was not read, naming the entry and field; empty when it was. */
  readonly labProxiesError: string;
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

/**
 * Every setting coerced with a default: never trust `get<T>` (a user can write anything in settings.json).
 * `get` reads a key under `localAiLab.`; the defaults and bounds are package.json's.
 */
export function settingsFrom(get: (key: string) => unknown): Settings {
  const machine = (key: string) => str(get(key), '').trim();
  const disabled = get('rules.disabled');
  const { profiles, errors } = parseUserProfiles(get('profiles'));
  return {
    configPath: machine('openclaw.configPath'),
    openclawExecutable: machine('openclaw.executable') || 'openclaw',
    validate: bool(get('openclaw.validate'), true),
    validateTimeout: seconds(num(get('openclaw.validateTimeoutSeconds'), 30, 5, 600)),
    inspectServers: bool(get('runtimes.probe'), true),
    inspectTimeout: millis(num(get('runtimes.timeoutMs'), 1500, 200, 10000)),
    refreshInterval: seconds(num(get('runtimes.refreshSeconds'), 30, 0, 86400)),
    lmsExecutable: machine('lms.executable'),
    disabledRules: Array.isArray(disabled) ? disabled.filter((x): x is string => typeof x === 'string') : [],
    turnTokens: num(get('hover.turnTokens'), 2000, 1),
    recordTokens: num(get('hover.recordTokens'), 400, 1),
    compression: num(get('hover.compression'), 0.6, 0, 0.95),
    // Machine scope: a workspace's value is never applied, so only the user can opt in.
    labAllowHosted: get('lab.allowHostedEndpoints') === true,
    labWire: get('lab.wire') !== false,
    // Machine scope: only the user can opt in to keeping bodies.
    labWireBodies: get('lab.wireBodies') === true,
    labSampleMs: (() => {
      const v = num(get('lab.sampleMs'), 1000, 0, 60_000);
      return v === 0 ? 0 : Math.max(100, v);
    })(),
    labAllowPromptFilesAnywhere: get('lab.allowPromptFilesAnywhere') === true,
    ...proxiesFrom(get('lab.proxies')),
    profiles,
    profileErrors: errors,
  };
}

function proxiesFrom(value: unknown): { labProxies: ProxyDecl[]; labProxiesError: string } {
  try {
    return { labProxies: readProxies(value, 'localAiLab.lab.proxies'), labProxiesError: '' };
  } catch (err) {
    return { labProxies: [], labProxiesError: (err as Error).message };
  }
}

/** What `openclaw config validate` runs with in the editor. */
export function validatorOptions(s: Settings): Pick<RunOptions, 'timeoutMs'> {
  return { timeoutMs: toMillis(s.validateTimeout) };
}

/** What Make Config Valid hands OpenClaw's validate → repair → validate (planMigration) from the settings. */
export function repairOptions(s: Settings): Pick<MigrationOptions, 'executable' | 'timeoutMs'> {
  return { executable: s.openclawExecutable, ...validatorOptions(s) };
}

/**
 * Where `localAiLab.profiles` must be written to take effect. In a remote window (code-server, SSH, WSL, a
 * container) VS Code applies the Remote settings for it: a list in the local User settings is ignored without a
 * word. `userSettingsText` is the User settings file when it can be read; the hint is given when that file has
 * the setting and this window has none.
 */
export function profilesPlacement(o: { remoteName?: string; effective: unknown; userSettingsText?: string }): { settingsCommand: string; where?: string; ignored?: string } {
  if (!o.remoteName) return { settingsCommand: 'workbench.action.openSettingsJson' };
  const where = `In this remote window (${o.remoteName}) localAiLab.profiles is read from the Remote settings, not the User settings.`;
  const none = o.effective === undefined || (Array.isArray(o.effective) && o.effective.length === 0);
  const inUser = !!o.userSettingsText && /"localAiLab\.profiles"\s*:/.test(o.userSettingsText);
  return {
    settingsCommand: 'workbench.action.openRemoteSettingsFile',
    where,
    ...(none && inUser ? { ignored: `Your localAiLab.profiles in the User settings is ignored here: in this remote window (${o.remoteName}) it is read from the Remote settings. Move the list there.` } : {}),
  };
}
