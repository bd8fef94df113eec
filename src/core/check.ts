import type { Finding } from './findings.js';
import { machineFacts } from './machine.js';
import type { ConfigDocument } from './openclaw/document.js';
import { resolveIncludes } from './openclaw/includes.js';
import { buildModel, type Provider } from './openclaw/model.js';
import { NEWEST_KNOWN, type OpenClawVersion } from './openclaw/version.js';
import type { MachineFacts, Observation, VersionSource } from './observation.js';
import { withProfileInForce, type ProfilesInForce } from './profiles/inForce.js';
import type { ProfileDef } from './profiles/types.js';
import { includeReader, includeRootsFrom } from './read.js';
import { ruleById, runRules } from './rules/registry.js';
import { utcClock } from './rules/reachability.js';
import type { ServerState } from './servers/types.js';

/**
 * The one check pipeline. Every entry point — the editor's refresh, code actions and hovers, the CLI's
 * check/fix/profile/lab, migrate — hands it what it read and gets the same answer back; nothing outside
 * core composes an Observation by hand (copies of that composition drifted apart and became bugs).
 */
export interface CheckInput {
  /** The config as parsed from disk or from an open editor. */
  readonly doc: ConfigDocument;
  readonly version?: OpenClawVersion;
  readonly versionSource?: VersionSource;
  /** What each provider's server has loaded (empty: not probed). */
  readonly servers?: ReadonlyMap<string, ServerState>;
  /** The user's own profiles (settings in the editor, `--profiles FILE` on the command line). */
  readonly userProfiles?: readonly ProfileDef[];
  /** The profile last applied to this config (profile.json beside it). */
  readonly lastApplied?: string;
  readonly disabledRules?: readonly string[];
  readonly machine?: MachineFacts;
  /** When the config last changed on disk (for runtime-unreachable's severity). */
  readonly configChangedAt?: number;
  /** Extra `$include` roots; default `OPENCLAW_INCLUDE_ROOTS`. */
  readonly includeRoots?: readonly string[];
}

export interface CheckResult {
  /** Marked with the profile in force, which the rules respect. */
  readonly observation: Observation;
  readonly profiles: ProfilesInForce;
  readonly findings: Finding[];
}

function observe(input: CheckInput): Observation {
  const roots = input.includeRoots ?? includeRootsFrom(process.env);
  const config = resolveIncludes(input.doc, includeReader(input.doc.file, roots), roots);
  return {
    config,
    model: buildModel(config.root),
    version: input.version ?? NEWEST_KNOWN,
    versionSource: input.version ? (input.versionSource ?? 'given') : 'assumed',
    runtimes: input.servers ?? new Map(),
    machine: input.machine ?? machineFacts(),
    ...(input.configChangedAt !== undefined ? { configChangedAt: input.configChangedAt } : {}),
  };
}

export function check(input: CheckInput): CheckResult {
  const profiles = withProfileInForce(observe(input), input.userProfiles ?? [], input.lastApplied);
  return { observation: profiles.obs, profiles, findings: markStale(runRules(profiles.obs, input.disabledRules), profiles.obs.runtimes) };
}

/** A finding from a server that stopped answering stays, and says as of when. */
function markStale(findings: Finding[], servers: ReadonlyMap<string, ServerState>): Finding[] {
  const stale = [...servers].filter(([, s]) => s.stale && s.okAt !== undefined);
  if (!stale.length) return findings;
  return findings.map((f) => {
    if (ruleById(f.rule)?.reads !== 'servers') return f;
    const provider = f.path[0] === 'models' && f.path[1] === 'providers' ? String(f.path[2]) : undefined;
    const s = provider !== undefined ? servers.get(provider) : stale.length === 1 ? stale[0]![1] : undefined;
    if (!s?.stale || s.okAt === undefined) return f;
    return { ...f, message: `${f.message} (as of ${utcClock(s.okAt)} UTC: the server is not answering now)` };
  });
}

/** The providers a document names (after `$include`s), to know which servers to probe before checking. */
export function providersOf(doc: ConfigDocument, includeRoots?: readonly string[]): readonly Provider[] {
  const roots = includeRoots ?? includeRootsFrom(process.env);
  return buildModel(resolveIncludes(doc, includeReader(doc.file, roots), roots).root).providers;
}
