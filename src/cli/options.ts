/**
 * The options many commands take, defined once: their specs and their help. Only data and type imports here:
 * the command table (and so `--version` and `help`) loads this; what reads the values is in args.ts.
 */
import type { ParseArgsConfig } from 'node:util';

/** parseArgs' option specs and one of them (node:util exports only the config that holds them). */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
export type OptionSpec = OptionSpecs[string];

/** What parseArgs (strict, no defaults) gives for these specs: a list for a `multiple` one (a repeatable flag). */
export type OptionValues<O extends OptionSpecs> = {
  -readonly [K in keyof O]?: O[K] extends { multiple: true } ? string[] : O[K]['type'] extends 'string' ? string : O[K]['type'] extends 'boolean' ? boolean : string | boolean;
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
  'sample-ms': { type: 'string' },
  'wire-bodies': { type: 'boolean' },
  proxies: { type: 'string' },
  proxy: { type: 'string' },
  timeline: { type: 'boolean' },
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
  'sample-ms': { value: 'MS', about: "with the wire: sample the servers' loaded models, their processes and memory every MS ms (100–60000, default 1000; 0: off)" },
  'wire-bodies': { about: 'with the wire: keep each request and response body, secrets redacted, in runs/<id>/bodies/ (owner-only)' },
  proxies: { value: 'FILE', about: 'the compression proxies you declare: a JSON list of { "name", "command": [argv with {port} and {upstream}], "health": "/livez", "env" }' },
  proxy: { value: 'NAME', about: 'put the declared proxy NAME (started fresh for the session) between OpenClaw and the model server, and record what it changes' },
  timeline: { about: 'print every request the wire saw, the samples and the anomalies, per dispatch' },
  agent: { value: 'ID', about: 'the OpenClaw agent (default: main)' },
  timeout: { value: 'SECONDS', about: 'the longest one turn may take (1–7200, default 600)' },
};
