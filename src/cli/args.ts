/**
 * Reading the shared options' values: where the config is, the OpenClaw release, the servers' state, the lab folder,
 * counts and agent ids. Loaded only by the commands that read them (the table in commands.ts loads them on demand).
 */
import { readEvidence } from '../core/evidence.js';
import { readLabTimings } from '../core/lab/timings.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixtureRuntimes } from './support.js';
import { UsageError } from './usage.js';
import { AGENT_ID } from '../core/lab/workloadSchema.js';
import { locateConfig } from '../core/openclaw/locate.js';
import { parseVersion, type OpenClawVersion } from '../core/openclaw/version.js';
import { checkConfigFile, type CheckedFile, type SourceOptions } from '../core/sources.js';

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
  // timeout-near-limit: what the newest lab sessions of this config measured (a few sessions, bounded reads).
  const file = configPath(o);
  return checkConfigFile({ configPath: file, openclaw: o.openclaw, version: givenVersion(o), servers: serversFrom(o), evidence: readEvidence(labDir(o)), measured: readLabTimings(labDir(o), file), ...extra });
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

/** `--sample-ms MS`: 0 (the sampler off) or 100–60000; undefined leaves the default (1 s). */
export function sampleMsOption(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (raw.trim() === '0') return 0;
  return integerOption('--sample-ms', raw, { min: 100, max: 60_000, fallback: 1000, what: 'a number of milliseconds (0 turns the sampler off)' });
}

/** `--agent ID` (default main), checked with the pattern a workload's `agent` has. */
export function agentOption(raw: string | undefined): string {
  const agent = raw ?? 'main';
  if (!AGENT_ID.test(agent)) throw new UsageError(`--agent: "${agent}" is not an OpenClaw agent id`);
  return agent;
}
