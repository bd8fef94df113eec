/**
 * What many commands take, defined once: the option specs and their help, where the config is, the OpenClaw
 * release, the servers' state, the lab folder, counts and agent ids.
 */
import { readEvidence } from '../core/evidence.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { fixtureRuntimes, UsageError } from './support.js';
import { AGENT_ID } from '../core/lab/workloadSchema.js';
import { locateConfig } from '../core/openclaw/locate.js';
import { parseVersion, type OpenClawVersion } from '../core/openclaw/version.js';
import { checkConfigFile, type CheckedFile, type SourceOptions } from '../core/sources.js';

/** parseArgs' option specs and one of them (node:util exports only the config that holds them). */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
export type OptionSpec = OptionSpecs[string];

/** What parseArgs (strict, no defaults, no `multiple`) gives for these specs. */
export type OptionValues<O extends OptionSpecs> = {
  -readonly [K in keyof O]?: O[K]['type'] extends 'string' ? string : O[K]['type'] extends 'boolean' ? boolean : string | boolean;
};

/** Options more than one command takes: the same name always means the same thing. */
export const SHARED_OPTIONS = {
  config: { type: 'string' },
  openclaw: { type: 'string' },
  'openclaw-version': { type: 'string' },
  profiles: { type: 'string' },
  dir: { type: 'string' },
  json: { type: 'boolean' },
  loaded: { type: 'string' },
  downloaded: { type: 'string' },
  'no-probe': { type: 'boolean' },
  /** The lab runs against local servers only unless this is given (the CLI is machine-scoped by nature). */
  'allow-hosted': { type: 'boolean' },
  /** A workload's promptFile may lie outside its folder and the current directory. */
  'allow-any-prompt-file': { type: 'boolean' },
  n: { type: 'string', short: 'n' },
  'dry-run': { type: 'boolean' },
  profile: { type: 'string' },
  /** After a run under --profile, leave that profile in force (by default the one from before is restored). */
  'keep-profile': { type: 'boolean' },
  'no-wire': { type: 'boolean' },
  agent: { type: 'string' },
  timeout: { type: 'string' },
} as const satisfies OptionSpecs;

export type SharedOption = keyof typeof SHARED_OPTIONS;

/** These shared specs, for a command's entry in the table: `options: { ...shared('config', 'json'), rule: … }`. */
export function shared<K extends SharedOption>(...names: K[]): Pick<typeof SHARED_OPTIONS, K> {
  const out = {} as Pick<typeof SHARED_OPTIONS, K>;
  for (const k of names) out[k] = SHARED_OPTIONS[k];
  return out;
}

/** How an option reads in help: its value's placeholder (none for a flag) and one line. */
export interface OptionDoc {
  readonly value?: string;
  readonly about: string;
}

/** Help for the shared options; a command's entry may say more about one (`-n` counts different things). */
export const SHARED_DOCS: { readonly [K in SharedOption]: OptionDoc } = {
  config: { value: 'PATH', about: 'the openclaw.json (default: where OpenClaw looks: $OPENCLAW_CONFIG_PATH, ~/.openclaw, …)' },
  openclaw: { value: 'PATH', about: 'the openclaw executable (default: openclaw on PATH)' },
  'openclaw-version': { value: 'V', about: 'rules for this OpenClaw release (default: `openclaw --version`, else the newest known)' },
  profiles: { value: 'FILE', about: 'your own profiles: an array as in localAiLab.profiles, or a darkmux profiles.json' },
  dir: { value: 'DIR', about: 'the lab folder (default: ./.local-ai-lab)' },
  json: { about: 'print JSON (the shapes are in the README)' },
  loaded: { value: 'FILE', about: '`lms ps --json` output standing for the LM Studio server (replaces probing)' },
  downloaded: { value: 'FILE', about: '`lms ls --json` output standing for the LM Studio server' },
  'no-probe': { about: 'do not ask the model servers what they loaded' },
  'allow-hosted': { about: 'allow a provider that is not on this machine or the local network' },
  'allow-any-prompt-file': { about: "allow a workload's promptFile outside its folder and the current directory" },
  n: { value: 'N', about: "how many dispatches or sessions (the command's --help says which)" },
  'dry-run': { about: 'print what would change and write nothing' },
  profile: { value: 'P', about: 'apply profile P first; the state from before is put back at the end (also after Ctrl-C)' },
  'keep-profile': { about: 'leave the --profile in force afterwards' },
  'no-wire': { about: 'dispatch without the wire recorder (no runs/<id>/wire.jsonl, no figures from the wire)' },
  agent: { value: 'ID', about: 'the OpenClaw agent (default: main)' },
  timeout: { value: 'SECONDS', about: 'the longest one turn may take (1–7200, default 600)' },
};

/** The openclaw.json a command line means: --config, else where OpenClaw itself looks; none there is a usage error. */
export function configPath(o: { config?: string }): string {
  if (o.config) return path.resolve(o.config);
  const located = locateConfig({ env: process.env, homedir: os.homedir(), exists: (f) => fs.existsSync(f) });
  if (!located.exists) throw new UsageError(`no openclaw.json found (looked at ${located.searched.join(', ')}); pass --config PATH`);
  return located.path;
}

/** `--openclaw-version V`, when given. */
export function givenVersion(o: { 'openclaw-version'?: string }): OpenClawVersion | undefined {
  if (!o['openclaw-version']) return undefined;
  const v = parseVersion(o['openclaw-version']);
  if (!v) throw new UsageError(`--openclaw-version: "${o['openclaw-version']}" is not a version like 2026.9.6`);
  return v;
}

/** The options that say where the servers' state comes from. */
export interface ServerOptions {
  loaded?: string;
  downloaded?: string;
  'no-probe'?: boolean;
}

/** What the servers loaded: captured `lms` output, nothing (--no-probe), or a probe. */
export function serversFrom(o: ServerOptions): SourceOptions['servers'] {
  if (o.loaded || o.downloaded) return (providers) => fixtureRuntimes(providers, o.loaded, o.downloaded);
  if (o['no-probe']) return 'none';
  return { inspect: { timeoutMs: 1500, lmStudioToken: process.env.LM_API_TOKEN } };
}

/** The options the check pipeline reads. */
export interface CheckOptions extends ServerOptions {
  config?: string;
  'openclaw-version'?: string;
  openclaw?: string;
}

/** The one way the CLI checks a config: the core pipeline with this command line's sources. */
export function checkFromArgs(o: CheckOptions & { dir?: string }, extra: Partial<SourceOptions> = {}): Promise<CheckedFile> {
  // A finding `lab prove` measured on this config says so: the proofs of the lab folder (--dir, else ./.local-ai-lab).
  return checkConfigFile({ configPath: configPath(o), openclaw: o.openclaw, version: givenVersion(o), servers: serversFrom(o), evidence: readEvidence(labDir(o)), ...extra });
}

/** `--dir DIR`: the lab folder, `./.local-ai-lab` by default. */
export function labDir(o: { dir?: string }): string {
  return path.resolve(o.dir ?? '.local-ai-lab');
}

/**
 * An integer option from `min` to `max` (`fallback` when absent); anything else is a usage error naming the flag:
 * `integerOption('-n', o.n, { max: 1000, fallback: 6 })`.
 */
export function integerOption(flag: string, raw: string | undefined, r: { min?: number; max: number; fallback: number; what?: string }): number {
  if (raw === undefined) return r.fallback;
  const min = r.min ?? 1;
  const x = Number(raw);
  if (!Number.isInteger(x) || x < min || x > r.max) throw new UsageError(`${flag}: "${raw}" is not ${r.what ?? 'a count'} from ${min} to ${r.max}`);
  return x;
}

/** `--agent ID` (default main), checked with the pattern a workload's `agent` has. */
export function agentOption(raw: string | undefined): string {
  const agent = raw ?? 'main';
  if (!AGENT_ID.test(agent)) throw new UsageError(`--agent: "${agent}" is not an OpenClaw agent id`);
  return agent;
}
