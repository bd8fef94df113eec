import os from 'node:os';
import * as z from 'zod/mini';
import { armFigures, judge, planArm, type KnobValue, type SweepPlan, type SweepRow, type Variant } from './sweep.js';
import { proxyNamed } from '../layer/proxy.js';
import { acceptsFor, runLab, type LabRunOptions } from '../session.js';
import { summarizeSession } from '../summary.js';
import type { RunOptions } from '../dispatch/runner.js';
import { newSessionId, ownerMayRun, type DispatchRecord, type Session } from '../records/store.js';
import { recordFolder } from '../records/folder.js';
import type { RestoreReport } from '../borrow.js';
import type { CheckedFile } from '../../sources.js';
import { formatVersion } from '../../openclaw/version.js';
import { runExperiment, type ArmOutcome, type ArmSpec, type ExperimentOptions, type ExperimentReporter } from './driver.js';

/**
 * The isolation sweep as an experiment: the base and each variant are arms of the one driver (experiments/driver.ts),
 * each run n times as a lab session; the record written as each arm ends; the state from before restored by the driver.
 */
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

export interface SweepOutcome {
  readonly status: 'complete' | 'cancelled' | 'failed';
  readonly arms: readonly ArmResult[];
  readonly restore: RestoreReport;
  readonly error?: string;
  /** What ended it (the editor offers Make Config Valid for a config OpenClaw rejects). Not recorded. */
  readonly cause?: unknown;
}

type SweepArm = Arm & ArmSpec;
type ArmRun = { session: Session; dispatches: DispatchRecord[] };

/**
 * The base first (it must apply: without it there is nothing to compare), then each variant (skipped when it does not
 * apply). A transport sweep (every variant a proxy, the profile the same) is interleaved instead — base, each proxy,
 * base, each proxy, … one dispatch each, `rounds` times — so a drift of the machine falls on every arm alike; only
 * the first arm applies the base.
 */
export function sweepArms(plan: SweepPlan, rounds = 1): (SweepArm & { round?: number })[] {
  if (isTransportSweep(plan)) {
    const arms: (SweepArm & { round: number })[] = [];
    for (let k = 0; k < rounds; k++) {
      arms.push(k === 0 ? { name: 'base', round: k, required: true, plan: (now) => planArm(plan.base, now.observation) } : { name: 'base', round: k, required: true });
      for (const v of plan.variants) arms.push({ name: v.name, variant: v, round: k });
    }
    return arms;
  }
  return [
    { name: 'base', required: true, plan: (now) => planArm(plan.base, now.observation) },
    ...plan.variants.map((v) => ({ name: v.name, variant: v, plan: (now: CheckedFile) => planArm(v.target, now.observation, v.unset) })),
  ];
}

export const isTransportSweep = (plan: SweepPlan): boolean => plan.variants.length > 0 && plan.variants.every((v) => v.knob === 'transport');

/** The driver's outcomes as the sweep's table and record read them (an interleaved arm's last round holds its session). */
export function armResults(outcomes: readonly ArmOutcome<SweepArm, ArmRun>[]): ArmResult[] {
  const last = new Map<string, ArmOutcome<SweepArm, ArmRun>>();
  for (const o of outcomes) if (o.result || !last.has(o.arm.name) || !last.get(o.arm.name)!.result) last.set(o.arm.name, o);
  return [...last.values()].map((o) => ({ arm: { name: o.arm.name, ...(o.arm.variant ? { variant: o.arm.variant } : {}) }, ...(o.result ? { session: o.result.session } : {}), dispatches: o.result?.dispatches ?? [], ...(o.error ? { error: o.error } : {}) }));
}

export interface SweepRunOptions extends Pick<LabRunOptions, 'env' | 'workload' | 'prompt' | 'n' | 'root' | 'cwd' | 'signal'> {
  /** The look the plan was made from. */
  readonly first: CheckedFile;
  readonly plan: SweepPlan;
  readonly report?: ExperimentReporter & { readonly dispatchStart?: RunOptions['onStart']; readonly dispatchEnd?: RunOptions['onDispatch'] };
  /** The record was written (the editor redraws its comparison). */
  readonly onRecord?: (r: SweepRecord) => void;
  /** Injected by tests (the looks and the borrow), see runExperiment. */
  readonly deps?: ExperimentOptions<SweepArm, ArmRun>['deps'];
  /** Injected by tests: one arm's session (default: runLab). */
  readonly runArm?: (arm: SweepArm, now: CheckedFile, signal: AbortSignal) => Promise<ArmRun>;
}

/** A sweep, for the CLI and the editor alike: its id, the outcome, the table rows. */
export async function runSweep(o: SweepRunOptions): Promise<{ id: string; outcome: SweepOutcome; rows: SweepRow[] }> {
  const { plan, workload, n, root } = o;
  const id = newSessionId(`sweep-${workload.name}`);
  const startedAt = new Date().toISOString();
  const openclawVersion = o.first.version.source === 'assumed' ? null : formatVersion(o.first.version.version);
  const record = (status: SweepRecord['status'], arms: readonly ArmResult[]) => {
    const r = sweepRecord(id, workload.name, plan, openclawVersion, n, startedAt, status, arms);
    writeSweepRecord(root, r);
    o.onRecord?.(r);
  };
  record('running', []);
  const interleaved = isTransportSweep(plan);
  // Each arm's session so far (interleaved: continued round after round, a fresh proxy each round).
  const sessions = new Map<string, ArmRun>();
  const proxyOf = (v?: Variant) => (v?.proxy ? proxyNamed(o.env.proxies ?? [], v.proxy) : undefined);
  const out = await runExperiment<SweepArm & { round?: number }, ArmRun>({
    env: o.env,
    first: o.first,
    what: 'the sweep',
    // Unless a test brings its own looks and arms, OpenClaw judges the config before the first arm is applied.
    accepts: o.deps ? undefined : acceptsFor(o.env, workload),
    arms: sweepArms(plan, interleaved ? n : 1),
    signal: o.signal,
    report: o.report,
    deps: o.deps,
    stopAfter: (r) => r.session.status === 'cancelled',
    onArmDone: (so) => record('running', armResults(so)),
    run:
      o.runArm ??
      (async (arm, now, signal) => {
        const before = interleaved ? sessions.get(arm.name) : undefined;
        const proxy = proxyOf(arm.variant);
        const r = await runLab({
          env: o.env,
          look: now,
          workload,
          prompt: o.prompt,
          n: interleaved ? 1 : n,
          root,
          cwd: o.cwd,
          signal,
          // The session's profile label names the arm (`BASE · VARIANT`), its note the sweep it belongs to.
          profile: arm.variant ? `${plan.base.name} · ${arm.name}` : plan.base.name,
          note: `sweep ${id}: ${arm.name}`,
          onStart: o.report?.dispatchStart,
          onDispatch: o.report?.dispatchEnd,
          ...(proxy ? { proxy } : {}),
          ...(before ? { resume: { ...before.session, repeats: (arm.round ?? 0) + 1 } } : {}),
        });
        sessions.set(arm.name, r);
        return r;
      }),
  });
  const arms = armResults(out.arms);
  record(out.status, arms);
  const outcome: SweepOutcome = { status: out.status, arms, restore: out.restore ?? { ok: true, configRestored: false, steps: [] }, ...(out.error ? { error: out.error } : {}), ...(out.cause !== undefined ? { cause: out.cause } : {}) };
  return { id, outcome, rows: sweepRows(plan, outcome) };
}

/** The table rows of an outcome: base first, then each variant judged against the base. */
export function sweepRows(plan: SweepPlan, outcome: Pick<SweepOutcome, 'arms'>): SweepRow[] {
  const base = outcome.arms.find((a) => !a.arm.variant);
  const slow = (d: readonly DispatchRecord[]) => {
    const s = summarizeSession(d);
    // A sweep judges variants on the slow rate, so a tentative split (n < 6) gives none.
    return s.split.split && !s.split.tentative ? s.split.slow.length / s.n : null;
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
  /** 'interrupted' is never written: it is how a reader sees a 'running' sweep whose process died (SIGKILL, a crash). */
  status: z.enum(['running', 'complete', 'cancelled', 'failed', 'interrupted']),
  /** The process that writes the record while the sweep runs (absent in records of older releases). */
  owner: z.optional(z.object({ pid: z.int(), host: z.string() })),
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
export const writeSweepRecord = (root: string, r: SweepRecord): void => void sweeps.write(root, r);
/** A sweep still 'running' whose process is gone reads 'interrupted' (its sessions read so too; recoverBorrow puts the config back). */
const asRead = (r: SweepRecord): SweepRecord => (r.status === 'running' && r.owner && !ownerMayRun(r.owner) ? { ...r, status: 'interrupted' } : r);
export const readSweepRecord = (root: string, id: string): SweepRecord => asRead(sweeps.read(root, id));
export const listSweeps = (root: string): SweepRecord[] => sweeps.list(root).map(asRead);

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
    ...(status === 'running' ? { owner: { pid: process.pid, host: os.hostname() } } : {}),
    arms: [
      { name: 'base', knob: null, from: null, to: null, session: sessionOf('base'), verdict: null, ...(errorOf('base') ? { error: errorOf('base') } : {}) },
      ...plan.variants.map((v) => ({ name: v.name, knob: v.knob, from: v.from as KnobValue, to: v.to as KnobValue, session: sessionOf(v.name), verdict: status === 'running' ? null : verdictOf(v.name), ...(errorOf(v.name) ? { error: errorOf(v.name) } : {}) })),
    ],
  };
}
