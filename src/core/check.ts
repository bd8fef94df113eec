import { withMeasured, type ProofEvidence } from './evidence.js';
import type { Finding } from './findings.js';
import { machineFacts } from './machine.js';
import type { ConfigDocument } from './openclaw/document.js';
import { resolveIncludes, type EffectiveConfig } from './openclaw/includes.js';
import { buildModel, type Provider } from './openclaw/model.js';
import { NEWEST_KNOWN, type OpenClawVersion } from './openclaw/version.js';
import type { MachineFacts, Observation, VersionSource } from './observation.js';
import { withProfileInForce, type ProfilesInForce } from './profiles/inForce.js';
import type { ProfileDef } from './profiles/types.js';
import { includeReader, includeRootsFrom } from './read.js';
import { ruleById, runRules } from './rules/registry.js';
import { utcClock } from './rules/reachability.js';
import type { Rule } from './rules/util.js';
import type { ServerState } from './servers/types.js';
import type { LabTimings } from './lab/timings.js';

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
  /** Proofs from `lab prove` (the lab folder's evidence.jsonl): a finding measured on this config says so. */
  readonly evidence?: readonly ProofEvidence[];
  /** What the newest lab sessions of this config measured (readLabTimings): timeout-near-limit judges it. */
  readonly measured?: LabTimings;
}

/** What is there, before any rule looks at it. */
export interface Observed {
  /** Marked with the profile in force, which the rules respect. */
  readonly observation: Observation;
  readonly profiles: ProfilesInForce;
}

export interface CheckResult extends Observed {
  readonly findings: Finding[];
}

export interface JudgeOptions {
  readonly disabledRules?: readonly string[];
  /** The rules to run, default every rule: `fix --rule` and migrate need one, and looking at all of them costs. */
  readonly rules?: readonly Rule[];
}

function effectiveConfig(doc: ConfigDocument, includeRoots: readonly string[] | undefined): EffectiveConfig {
  const roots = includeRoots ?? includeRootsFrom(process.env);
  return resolveIncludes(doc, includeReader(doc.file, roots), roots);
}

/** Step one: the Observation — the config after `$include`s, the version, the servers, the machine, the profile in force. */
export function observe(input: CheckInput): Observed {
  const config = effectiveConfig(input.doc, input.includeRoots);
  const observation: Observation = {
    config,
    model: buildModel(config.root),
    version: input.version ?? NEWEST_KNOWN,
    versionSource: input.version ? (input.versionSource ?? 'given') : 'assumed',
    runtimes: input.servers ?? new Map(),
    machine: input.machine ?? machineFacts(),
    ...(input.configChangedAt !== undefined ? { configChangedAt: input.configChangedAt } : {}),
    ...(input.measured ? { measured: input.measured } : {}),
  };
  const profiles = withProfileInForce(observation, input.userProfiles ?? [], input.lastApplied);
  return { observation: profiles.obs, profiles };
}

/** Step two: the rules' findings on an observation, in file order, marked "as of" where a server stopped answering. */
export function judge(observation: Observation, opts: JudgeOptions = {}): Finding[] {
  return markStale(runRules(observation, opts.disabledRules, opts.rules), observation.runtimes);
}

/** Both steps, for callers that want everything at once. */
export function check(input: CheckInput): CheckResult {
  const observed = observe(input);
  return { ...observed, findings: withMeasured(judge(observed.observation, input), input.evidence, input.doc.text) };
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
  return buildModel(effectiveConfig(doc, includeRoots).root).providers;
}
