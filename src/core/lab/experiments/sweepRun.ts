import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import type { ServerAction } from '../../findings.js';
import { sha256 } from '../../fsutil.js';
import { readBoundedSync } from '../../read.js';
import { runAction } from '../../servers/actions.js';
import type { ServerState } from '../../servers/types.js';
import { stateDir } from '../../write/backups.js';
import { execute } from '../../write/executor.js';
import { armFigures, judge, type KnobValue, type SweepPlan, type SweepRow, type Variant } from './sweep.js';
import { dispatcherFor, environmentSnapshot, newSession, openAiTarget, preflight, resolveTransport, summarizeSession } from '../session.js';
import { runSession, type RunOptions } from '../dispatch/runner.js';
import type { Observation } from '../../observation.js';
import type { Workload } from '../workloadSchema.js';
import { newSessionId, type DispatchRecord, type Session } from '../records/store.js';
import { isRecordId, recordFolder } from '../records/folder.js';

/**
 * Running a sweep: the base and each variant applied in turn and run n times, then the state that was in
 * force before put back — after success, failure and cancel alike. The I/O (applying a plan, running a
 * session) is injected, so the CLI and the editor share this order and tests can fail any step.
 */

/** What was in force before the sweep: the config's bytes, the recorded profile, what the servers held. */
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

/**
 * One arm of a sweep as a lab session, for the CLI and the editor alike: the endpoint checked in about two seconds,
 * the environment recorded, then the ordinary lab runner.
 */
export async function runArmSession(o: {
  readonly observation: Observation;
  readonly bytes: Uint8Array;
  readonly workload: Workload;
  readonly prompt: string;
  readonly n: number;
  readonly arm: Arm;
  readonly baseName: string;
  readonly sweepId: string;
  readonly root: string;
  readonly configPath: string;
  readonly openclawExecutable: string;
  readonly allowHosted: boolean;
  readonly signal: AbortSignal;
  readonly cwd: string;
  readonly onStart?: RunOptions['onStart'];
  readonly onDispatch?: RunOptions['onDispatch'];
}): Promise<{ session: Session; dispatches: DispatchRecord[] }> {
  const target = openAiTarget(o.observation, o.workload, { allowHosted: o.allowHosted });
  await preflight(target.baseUrl, o.signal);
  // The session's profile label names the arm (`BASE · VARIANT`), its note the sweep it belongs to.
  const label = o.arm.variant ? `${o.baseName} · ${o.arm.name}` : o.baseName;
  const env = environmentSnapshot(o.observation, o.bytes, label, target.baseUrl);
  const session = { ...newSession(newSessionId(o.workload.name), o.workload, o.prompt, o.n, env), note: `sweep ${o.sweepId}: ${o.arm.name}` };
  return runSession({
    root: o.root,
    session,
    dispatcher: dispatcherFor(o.workload, o.prompt, target, { sessionId: session.id, configPath: o.configPath, openclawExecutable: o.openclawExecutable, transport: await resolveTransport(o.workload, o.observation) }),
    signal: o.signal,
    cwd: o.cwd,
    onStart: o.onStart,
    onDispatch: o.onDispatch,
  });
}

/** One arm: the base (no variant) or a variant. */
export interface Arm {
  readonly name: string;
  readonly variant?: Variant;
}

export interface ArmResult {
  readonly arm: Arm;
  readonly session?: Session;
  readonly dispatches: readonly DispatchRecord[];
  /** Why the arm did not run (its plan failed to apply, the lab could not start). */
  readonly error?: string;
}

export interface SweepDeps {
  /** Applies the arm's plan; resolves with the error in words when it did not apply. */
  readonly apply: (arm: Arm, signal: AbortSignal) => Promise<{ ok: boolean; error?: string }>;
  /** Runs the lab session of an arm (n dispatches). */
  readonly run: (arm: Arm, signal: AbortSignal) => Promise<{ session: Session; dispatches: DispatchRecord[] }>;
  /** Puts back what was in force before; called exactly once, whatever happened. */
  readonly restore: () => Promise<RestoreReport>;
  readonly onArm?: (arm: Arm, index: number, total: number) => void;
}

export interface SweepOutcome {
  readonly status: 'complete' | 'cancelled' | 'failed';
  readonly arms: readonly ArmResult[];
  readonly restore: RestoreReport;
  readonly error?: string;
}

/**
 * Base first, then each variant. A variant whose plan does not apply is recorded and skipped; a base that
 * does not apply ends the sweep (nothing to compare with). The restore runs in `finally`.
 */
export async function runSweep(plan: SweepPlan, deps: SweepDeps, signal: AbortSignal): Promise<SweepOutcome> {
  const arms: Arm[] = [{ name: 'base' }, ...plan.variants.map((v) => ({ name: v.name, variant: v }))];
  const results: ArmResult[] = [];
  let status: SweepOutcome['status'] = 'complete';
  let error: string | undefined;
  try {
    for (const [i, arm] of arms.entries()) {
      if (signal.aborted) break;
      deps.onArm?.(arm, i, arms.length);
      const applied = await deps.apply(arm, signal);
      if (signal.aborted) break;
      if (!applied.ok) {
        results.push({ arm, dispatches: [], error: applied.error ?? 'the plan did not apply' });
        if (!arm.variant) {
          status = 'failed';
          error = `the base profile did not apply: ${applied.error ?? 'unknown error'}`;
          break;
        }
        continue;
      }
      const r = await deps.run(arm, signal);
      results.push({ arm, session: r.session, dispatches: r.dispatches });
      if (r.session.status === 'cancelled') break;
    }
  } catch (err) {
    status = 'failed';
    error = (err as Error).message;
  }
  // Every path comes here (the catch above takes any failure): success, failure and cancel restore alike.
  let restore: RestoreReport;
  try {
    restore = await deps.restore();
  } catch (err) {
    restore = { ok: false, configRestored: false, steps: [], error: (err as Error).message };
  }
  if (signal.aborted && status === 'complete') status = 'cancelled';
  return { status, arms: results, restore, ...(error ? { error } : {}) };
}

/** The table rows of an outcome: base first, then each variant judged against the base. */
export function sweepRows(plan: SweepPlan, outcome: Pick<SweepOutcome, 'arms'>): SweepRow[] {
  const base = outcome.arms.find((a) => !a.arm.variant);
  const slow = (d: readonly DispatchRecord[]) => {
    const s = summarizeSession(d);
    return s.split.split ? s.split.slow.length / s.n : null;
  };
  const rows: SweepRow[] = [];
  const baseD = base?.dispatches ?? [];
  rows.push({ name: 'base', knob: null, from: null, to: null, figures: armFigures(baseD, slow(baseD)), ...(base?.error ? { error: base.error } : {}) });
  for (const v of plan.variants) {
    const r = outcome.arms.find((a) => a.arm.variant === v);
    const d = r?.dispatches ?? [];
    rows.push({
      name: v.name,
      knob: v.knob,
      from: v.from,
      to: v.to,
      figures: armFigures(d, slow(d)),
      ...(r?.error ? { error: r.error } : !r ? { error: 'not run (the sweep stopped first)' } : { judgement: judge(baseD, d) }),
    });
  }
  return rows;
}

/** A sweep as recorded in `<lab>/sweeps/<id>.json`: which sessions belong together, base first. */
export const SweepRecordSchema = z.looseObject({
  schemaVersion: z.literal(1),
  id: z.string(),
  workload: z.string(),
  base: z.string(),
  openclawVersion: z.nullable(z.string()),
  n: z.int(),
  startedAt: z.string(),
  status: z.enum(['running', 'complete', 'cancelled', 'failed']),
  arms: z.array(
    z.looseObject({
      name: z.string(),
      knob: z.nullable(z.string()),
      from: z.nullable(z.union([z.string(), z.number()])),
      to: z.nullable(z.union([z.string(), z.number()])),
      session: z.nullable(z.string()),
      verdict: z.nullable(z.string()),
      error: z.optional(z.string()),
    }),
  ),
});
export type SweepRecord = z.infer<typeof SweepRecordSchema>;

const sweeps = recordFolder('sweeps', 'sweep', SweepRecordSchema);
export const isSweepId = isRecordId;
export const sweepFile = sweeps.file;
export const writeSweepRecord = (root: string, r: SweepRecord): void => void sweeps.write(root, r);
export const readSweepRecord = sweeps.read;
export const listSweeps = sweeps.list;

/** The record of a sweep from its plan and (so far) its arms. */
export function sweepRecord(id: string, workload: string, plan: SweepPlan, openclawVersion: string | null, n: number, startedAt: string, status: SweepRecord['status'], arms: readonly ArmResult[]): SweepRecord {
  const rows = sweepRows(plan, { arms });
  const verdictOf = (name: string) => rows.find((r) => r.name === name)?.judgement?.verdict ?? null;
  const sessionOf = (name: string) => arms.find((a) => a.arm.name === name)?.session?.id ?? null;
  const errorOf = (name: string) => arms.find((a) => a.arm.name === name)?.error;
  return {
    schemaVersion: 1,
    id,
    workload,
    base: plan.base.name,
    openclawVersion,
    n,
    startedAt,
    status,
    arms: [
      { name: 'base', knob: null, from: null, to: null, session: sessionOf('base'), verdict: null, ...(errorOf('base') ? { error: errorOf('base') } : {}) },
      ...plan.variants.map((v) => ({ name: v.name, knob: v.knob, from: v.from as KnobValue, to: v.to as KnobValue, session: sessionOf(v.name), verdict: status === 'running' ? null : verdictOf(v.name), ...(errorOf(v.name) ? { error: errorOf(v.name) } : {}) })),
    ],
  };
}
