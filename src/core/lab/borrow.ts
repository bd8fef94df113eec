import fs from 'node:fs';
import path from 'node:path';
import type { ServerAction } from '../findings.js';
import os from 'node:os';
import { giveTo, ownerOf, processAlive, sha256 } from '../fsutil.js';
import { readBoundedSync } from '../read.js';
import { runAction } from '../servers/actions.js';
import type { ServerState } from '../servers/types.js';
import { ensureStateDir, reasonFile, stateDir } from '../write/backups.js';
import { execute } from '../write/executor.js';
import { applyPlan, type ApplyReport } from '../profiles/apply.js';
import type { ProfilePlan } from '../profiles/plan.js';
import type { CheckedFile } from '../sources.js';
import { inspectFor, look, type LabEnv } from './look.js';

/**
 * The lab borrows the config and the servers: it applies a profile, a sweep variant or a proposed fix, runs
 * something, and puts back what was in force before — after success, failure and cancel alike — saying exactly
 * what could not be put back. Every write goes through the one write executor.
 */

/** What was in force before the lab borrowed it: the config's bytes, the recorded profile, what the servers held. */
export interface Snapshot {
  readonly file: string;
  readonly bytes: Uint8Array;
  /** `local-ai-lab/profile.json` beside the config, as text; undefined when there was none. */
  readonly profileState?: string;
  /** Per provider id: the LM Studio instances loaded (other servers cannot be driven). */
  readonly loaded: ReadonlyMap<string, { baseUrl: string; models: readonly { identifier: string; modelKey: string; context?: number }[] }>;
}

const profileStateFile = (configPath: string) => path.join(stateDir(configPath), 'profile.json');

export function takeSnapshot(file: string, bytes: Uint8Array, runtimes: ReadonlyMap<string, ServerState>): Snapshot {
  let profileState: string | undefined;
  try {
    const b = readBoundedSync(profileStateFile(file));
    profileState = b ? Buffer.from(b).toString('utf8') : undefined;
  } catch {
    profileState = undefined;
  }
  const loaded = new Map<string, { baseUrl: string; models: { identifier: string; modelKey: string; context?: number }[] }>();
  for (const [id, s] of runtimes) {
    if (s.kind !== 'lmstudio' || s.status !== 'ok') continue;
    loaded.set(id, { baseUrl: s.baseUrl, models: s.loaded.map((m) => ({ identifier: m.identifier, modelKey: m.modelKey, context: m.loadedContextLength })) });
  }
  return { file, bytes, profileState, loaded };
}

/**
 * The LM Studio actions that put back what was loaded before: an instance whose context changed is
 * unloaded and loaded again at its old context; one that went is loaded again; an instance of a model the
 * sweep loaded (`touched`) that was not there before is unloaded. Models the operator loaded meanwhile
 * (not touched) are left alone.
 */
export function restoreActions(before: Snapshot['loaded'], now: ReadonlyMap<string, ServerState>, touched: ReadonlySet<string>): ServerAction[] {
  const unloads: ServerAction[] = [];
  const loads: ServerAction[] = [];
  for (const [id, was] of before) {
    const state = now.get(id);
    if (!state || state.status !== 'ok') continue;
    for (const m of was.models) {
      const cur = state.loaded.find((x) => x.identifier === m.identifier);
      if (cur && (m.context === undefined || cur.loadedContextLength === m.context)) continue;
      if (m.context === undefined) continue;
      if (cur) unloads.push({ kind: 'unload', runtime: 'lmstudio', baseUrl: was.baseUrl, identifier: cur.identifier });
      loads.push({ kind: 'load', runtime: 'lmstudio', baseUrl: was.baseUrl, modelKey: m.modelKey, identifier: m.identifier, contextLength: m.context });
    }
    for (const cur of state.loaded) {
      if (was.models.some((m) => m.identifier === cur.identifier) || !touched.has(cur.modelKey)) continue;
      unloads.push({ kind: 'unload', runtime: 'lmstudio', baseUrl: was.baseUrl, identifier: cur.identifier });
    }
  }
  return [...unloads, ...loads];
}

export interface RestoreReport {
  readonly ok: boolean;
  readonly configRestored: boolean;
  /** The config was saved by someone else during the sweep: theirs is kept, and this says where ours is. */
  readonly keptNewer?: string;
  readonly steps: readonly string[];
  readonly error?: string;
}

export interface RestoreOptions {
  /** Who borrowed the state, for the messages ("the sweep", "the lab"). */
  readonly what?: string;
  /** sha256 of the config as the sweep last wrote it; a different file means someone else saved it. */
  readonly lastWrittenHash?: string;
  readonly reprobe?: () => Promise<ReadonlyMap<string, ServerState>>;
  /** Injected for tests; defaults to LM Studio's REST API. */
  readonly runAction?: (a: ServerAction, signal?: AbortSignal) => Promise<string>;
  readonly lmStudioToken?: string;
  /** Model keys the sweep's plans loaded. */
  readonly touched?: ReadonlySet<string>;
}

/** Puts the snapshot back through the write executor (backup, atomic write, loads; refuses over a foreign save). */
export async function restoreSnapshot(snap: Snapshot, opts: RestoreOptions = {}): Promise<RestoreReport> {
  const steps: string[] = [];
  const what = opts.what ?? 'the sweep';
  const current = readBoundedSync(snap.file);
  if (!current) return { ok: false, configRestored: false, steps, error: `${snap.file} cannot be read; the config from before ${what} is ${sha256(snap.bytes).slice(0, 12)}… (see local-ai-lab/backups)` };
  const currentHash = sha256(current);
  const same = currentHash === sha256(snap.bytes);
  if (!same && opts.lastWrittenHash && currentHash !== opts.lastWrittenHash) {
    return { ok: false, configRestored: false, keptNewer: snap.file, steps: [`${snap.file} was saved during ${what}: kept as it is`], error: `${snap.file} changed during ${what} (not by it), so it was not restored; restore the version from before with Restore Backup…` };
  }
  let actions: ServerAction[] = [];
  if (opts.reprobe && snap.loaded.size) {
    try {
      actions = restoreActions(snap.loaded, await opts.reprobe(), opts.touched ?? new Set());
    } catch (err) {
      steps.push(`could not read the servers to restore their loads: ${(err as Error).message}`);
    }
  }
  let ok = true;
  let error: string | undefined;
  if (!same || actions.length) {
    const r = await execute({ title: `restore after ${what}`, writes: same ? [] : [{ file: snap.file, expectedHash: currentHash, bytes: snap.bytes }], actions, runAction: opts.runAction ?? ((a) => runAction(a, { timeoutMs: 10 * 60_000, lmStudioToken: opts.lmStudioToken })) });
    steps.push(...r.steps);
    ok = r.ok;
    error = r.error;
  }
  // Our own state file: put back exactly what was there (or nothing).
  const stateFile = profileStateFile(snap.file);
  if (ok) {
    if (snap.profileState === undefined) fs.rmSync(stateFile, { force: true });
    else {
      fs.mkdirSync(path.dirname(stateFile), { recursive: true, mode: 0o700 });
      fs.writeFileSync(stateFile, snap.profileState);
    }
  }
  return { ok, configRestored: ok && !same, steps, ...(error ? { error } : {}) };
}

/*
 * The borrow marker: `local-ai-lab/borrowed.json` beside the config, written before the first change and removed
 * once the state from before is back. A lab killed outright (SIGKILL, a closed machine) leaves it, and the next
 * experiment on this config puts the state from before back first (recoverBorrow) and says so.
 */
const markerFile = (configPath: string) => path.join(stateDir(configPath), 'borrowed.json');

interface Marker {
  readonly pid: number;
  readonly host: string;
  readonly what: string;
  readonly since: string;
  readonly file: string;
  readonly bytes: string;
  readonly profileState?: string;
  readonly loaded: [string, { baseUrl: string; models: { identifier: string; modelKey: string; context?: number }[] }][];
  readonly touched: string[];
  readonly lastWrittenHash?: string;
}

function writeMarker(snap: Snapshot, what: string, touched: ReadonlySet<string>, lastWrittenHash: string | undefined): void {
  const owner = ownerOf(snap.file);
  ensureStateDir(snap.file, undefined, owner);
  const m: Marker = {
    pid: process.pid,
    host: os.hostname(),
    what,
    since: new Date().toISOString(),
    file: snap.file,
    bytes: Buffer.from(snap.bytes).toString('base64'),
    ...(snap.profileState !== undefined ? { profileState: snap.profileState } : {}),
    loaded: [...snap.loaded].map(([id, l]) => [id, { baseUrl: l.baseUrl, models: l.models.map((x) => ({ ...x })) }]),
    touched: [...touched],
    ...(lastWrittenHash ? { lastWrittenHash } : {}),
  };
  const file = markerFile(snap.file);
  const tmp = `${file}.${process.pid}.tmp`;
  // It holds the config's bytes, as a backup does: private to the config's owner.
  fs.writeFileSync(tmp, JSON.stringify(m) + '\n', { mode: 0o600 });
  giveTo(tmp, owner);
  fs.renameSync(tmp, file);
}

function removeMarker(configPath: string): void {
  fs.rmSync(markerFile(configPath), { force: true });
}

/**
 * Puts back the state from before a lab that was killed while it had borrowed this config (its marker remains and
 * its process is gone). Undefined when there is nothing to recover; otherwise what was done, to be said.
 */
export async function recoverBorrow(env: LabEnv): Promise<RestoreReport & { what: string; since: string } | undefined> {
  let m: Marker;
  try {
    const b = readBoundedSync(markerFile(env.configPath), { maxBytes: 64 * 1024 * 1024 });
    if (!b) return undefined;
    m = JSON.parse(Buffer.from(b).toString('utf8')) as Marker;
  } catch {
    return undefined;
  }
  if (m.host !== os.hostname() || processAlive(m.pid)) return undefined;
  const snap: Snapshot = { file: m.file, bytes: Buffer.from(m.bytes, 'base64'), ...(m.profileState !== undefined ? { profileState: m.profileState } : {}), loaded: new Map(m.loaded) };
  const r = await restoreSnapshot(snap, {
    what: `${m.what} (stopped at ${m.since} without restoring)`,
    lastWrittenHash: m.lastWrittenHash,
    touched: new Set(m.touched),
    lmStudioToken: env.lmStudioToken,
    runAction: env.runAction,
    reprobe: async () => (await look(env)).servers,
  });
  // Said once: after a restore, or when the config was saved by someone else since (theirs stays, the backups hold ours).
  if (r.ok || r.keptNewer) removeMarker(env.configPath);
  return { ...r, what: m.what, since: m.since };
}

/** A borrowed state: what was in force before, what the lab has changed since, and the way back. */
export class Borrow {
  private readonly touched = new Set<string>();
  /** The backups this borrow's applies took, in order: the first holds the config from before; the rest, lab states. */
  private readonly made: string[] = [];
  private lastWrittenHash: string | undefined;
  private restored: RestoreReport | undefined;

  private constructor(
    private readonly env: LabEnv,
    readonly before: Snapshot,
    /** The profile recorded as in force before (the session records it as profileBefore). */
    readonly profileBefore: string | null,
    private readonly what: string,
  ) {}

  /** Takes the snapshot from a look made just now (its bytes are what gets restored). */
  static take(env: LabEnv, from: CheckedFile, what: string): Borrow {
    return new Borrow(env, takeSnapshot(from.file, from.read.bytes, from.servers), from.input.lastApplied ?? null, what);
  }

  /** True once a plan was applied (something may need restoring). */
  get changed(): boolean {
    return this.lastWrittenHash !== undefined || this.touched.size > 0;
  }

  /**
   * Applies a plan made from `from` (the write refuses if the file changed since). A plan that changes nothing
   * is not written. Loads are remembered, so the restore unloads what the lab loaded and was not there before.
   */
  async apply(plan: ProfilePlan, from: CheckedFile, opts: { signal?: AbortSignal; onStep?: (message: string, index: number, total: number) => void } = {}): Promise<ApplyReport> {
    if (!plan.blocked && plan.before === plan.after && plan.actions.length === 0) return { ok: true, steps: [`${plan.profile.name} is already in force`], restored: false, loadedAfter: [], instructions: [] };
    for (const a of plan.actions) if (a.kind === 'load') this.touched.add(a.modelKey);
    // Before the change: a kill from here on leaves the way back on disk.
    writeMarker(this.before, this.what, this.touched, this.lastWrittenHash);
    const r = await applyPlan(plan, {
      expectedHash: from.read.hash,
      signal: opts.signal,
      onStep: opts.onStep,
      lmStudioToken: this.env.lmStudioToken,
      run: this.env.runAction,
      reprobe: () => inspectFor(this.env, from),
      // An interleaved proof writes the config twice a round: pruning then would push the user's backups out.
      prune: false,
      // Restore Backup… tells a sweep's five arms from a profile the user switched to.
      reason: `${this.what}'s arm ${plan.profile.name}`,
    });
    if (r.backup) this.made.push(r.backup);
    const after = readBoundedSync(this.before.file);
    if (after) this.lastWrittenHash = sha256(after);
    writeMarker(this.before, this.what, this.touched, this.lastWrittenHash);
    return r;
  }

  /** The lab keeps what it put in force (--keep-profile): nothing is to be recovered later. */
  keep(): void {
    removeMarker(this.before.file);
  }

  /** Puts back what was in force before; once (a second call returns the first report). */
  async restore(): Promise<RestoreReport> {
    if (!this.restored) {
      // The backups of the states the lab itself put in force hold nothing of the user's (the first one, the config
      // from before, stays): removed before the restore writes, so the restore's own pruning keeps the user's backups.
      for (const b of this.made.slice(1)) {
        fs.rmSync(b, { force: true });
        fs.rmSync(reasonFile(b), { force: true });
      }
    }
    this.restored ??= await restoreSnapshot(this.before, {
      what: this.what,
      lastWrittenHash: this.lastWrittenHash,
      touched: this.touched,
      lmStudioToken: this.env.lmStudioToken,
      runAction: this.env.runAction,
      reprobe: async () => (await look(this.env)).servers,
    });
    if (this.restored.ok) removeMarker(this.before.file);
    return this.restored;
  }
}
