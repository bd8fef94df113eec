import fs from 'node:fs';
import { check, providersOf, type CheckInput, type CheckResult } from './check.js';
import { openclawVersion } from './openclaw/cli.js';
import type { Provider } from './openclaw/model.js';
import type { ProofEvidence } from './evidence.js';
import type { LabTimings } from './lab/timings.js';
import { NEWEST_KNOWN, type OpenClawVersion } from './openclaw/version.js';
import type { VersionSource } from './observation.js';
import { readProfileState } from './profiles/state.js';
import type { ProfileDef } from './profiles/types.js';
import { readConfig, type ReadConfig } from './read.js';
import { isLocalServer, serverRoot } from './servers/address.js';
import { inspectServer, type InspectOptions } from './servers/inspect.js';
import type { ServerState } from './servers/types.js';
import { millis } from './units.js';

export { ConfigUnreadable, readConfig, type ReadConfig } from './read.js';

/** Providers worth probing: on this machine or the LAN, with a usable URL. Grouped by server root. */
export function inspectTargets(providers: readonly Provider[]): Map<string, Provider[]> {
  const byRoot = new Map<string, Provider[]>();
  for (const p of providers) {
    if (!p.baseUrl || !isLocalServer(p.baseUrl)) continue;
    const root = serverRoot(p.baseUrl);
    if (!root) continue;
    byRoot.set(root, [...(byRoot.get(root) ?? []), p]);
  }
  return byRoot;
}

/** Probe each distinct local server once, in parallel; map results to provider ids. */
export async function inspectServers(providers: readonly Provider[], opts: InspectOptions): Promise<Map<string, ServerState>> {
  const targets = inspectTargets(providers);
  const out = new Map<string, ServerState>();
  await Promise.all(
    [...targets].map(async ([, ps]) => {
      const state = await inspectServer(ps[0]!.baseUrl!, opts);
      for (const p of ps) out.set(p.id, { ...state, baseUrl: p.baseUrl! });
    }),
  );
  return out;
}

/**
 * A new probe beside the last state: a server that answered gets `okAt`; one that stopped answering keeps
 * what it last reported, marked stale, so its findings stay visible (as of then) instead of vanishing until
 * it is back. Pure; the editor keeps the previous map between probes.
 */
export function withLastKnown(previous: ReadonlyMap<string, ServerState>, next: ReadonlyMap<string, ServerState>, now: number): Map<string, ServerState> {
  const out = new Map<string, ServerState>();
  for (const [id, s] of next) {
    if (s.status === 'ok') {
      out.set(id, { ...s, okAt: now });
      continue;
    }
    const before = previous.get(id);
    if (before && before.baseUrl === s.baseUrl && (before.status === 'ok' || before.stale) && before.okAt !== undefined) {
      out.set(id, { ...before, status: 'ok', stale: { status: s.status, detail: s.detail, since: before.stale?.since ?? now } });
    } else out.set(id, s);
  }
  return out;
}

export interface ResolvedVersion {
  readonly version: OpenClawVersion;
  /** False when neither given nor installed: the rules assumed the newest release known. */
  readonly known: boolean;
  readonly source: VersionSource;
}

/** A version given on the command line, else the installed OpenClaw's, else the newest known (assumed). */
export async function resolveVersion(given: OpenClawVersion | undefined, executable: string): Promise<ResolvedVersion> {
  if (given) return { version: given, known: true, source: 'given' };
  const installed = await openclawVersion(executable, { timeoutMs: millis(10_000) });
  if (installed) return { version: installed, known: true, source: 'installed' };
  return { version: NEWEST_KNOWN, known: false, source: 'assumed' };
}

export interface SourceOptions {
  readonly configPath: string;
  /** The `openclaw` executable (default `openclaw` on PATH). */
  readonly openclaw?: string;
  readonly version?: OpenClawVersion;
  /** How to learn what the servers loaded: inspect them, ask nobody, or a stand-in (captured `lms` output). */
  readonly servers: { readonly inspect: InspectOptions } | 'none' | ((providers: readonly Provider[]) => Map<string, ServerState>);
  readonly userProfiles?: readonly ProfileDef[];
  readonly disabledRules?: readonly string[];
  /**
   * Called once the config is read and its release known, before the servers are asked: work that needs only
   * those (OpenClaw's validator, in the CLI's `check`) runs beside the probes instead of after them.
   */
  readonly onRead?: (read: ReadConfig, version: ResolvedVersion) => void;
  /** Proofs from `lab prove` (readEvidence of the lab folder). */
  readonly evidence?: readonly ProofEvidence[];
  /** What the newest lab sessions of this config measured (readLabTimings of the lab folder). */
  readonly measured?: LabTimings;
}

export interface CheckedFile extends CheckResult {
  readonly file: string;
  readonly read: ReadConfig;
  readonly version: ResolvedVersion;
  readonly servers: ReadonlyMap<string, ServerState>;
  /** What went in, so a caller can check an edited text the same way (`recheck`). */
  readonly input: CheckInput;
}

function statMtime(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Reads the config, the OpenClaw version and the servers, and checks: the CLI's and the lab's way in. */
export async function checkConfigFile(opts: SourceOptions): Promise<CheckedFile> {
  // `openclaw --version` starts first and runs while the file is read and parsed (it never rejects: a config that
  // cannot be read is reported at once, and the child is left to end on its own).
  const asked = resolveVersion(opts.version, opts.openclaw ?? 'openclaw');
  const read = readConfig(opts.configPath);
  const version = await asked;
  opts.onRead?.(read, version);
  // The providers only when a server is to be asked: finding them follows every `$include` once more.
  const servers =
    opts.servers === 'none'
      ? new Map<string, ServerState>()
      : typeof opts.servers === 'function'
        ? opts.servers(providersOf(read.doc))
        : await inspectServers(providersOf(read.doc), opts.servers.inspect);
  const input: CheckInput = {
    doc: read.doc,
    version: version.version,
    versionSource: version.source,
    servers,
    userProfiles: opts.userProfiles,
    lastApplied: readProfileState(opts.configPath)?.profile,
    disabledRules: opts.disabledRules,
    configChangedAt: statMtime(opts.configPath),
    evidence: opts.evidence,
    measured: opts.measured,
  };
  return { ...check(input), file: opts.configPath, read, version, servers, input };
}

/** The same check with the user's profiles added (their import can depend on what the first look found). */
export function withUserProfiles(base: CheckedFile, userProfiles: readonly ProfileDef[]): CheckedFile {
  const input = { ...base.input, userProfiles };
  return { ...base, ...check(input), input };
}
