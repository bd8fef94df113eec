import type { ApplyReport } from '../../profiles/apply.js';
import type { ProfilePlan } from '../../profiles/plan.js';
import type { CheckedFile } from '../../sources.js';
import { Borrow, recoverBorrow, type RestoreReport } from '../borrow.js';
import { look as lookNow, type LabEnv } from '../look.js';

/**
 * The one driver behind every lab workflow that runs under a configuration: a lab under one or more
 * profiles, a sweep's base and variants, a probe under a profile. Arms run in order; an arm with a plan is put
 * in force first (the state from before is borrowed once, and restored once at the end whatever happened).
 * A new experiment is its arms, what it runs per arm, and how it reads the results.
 */

export interface ArmSpec {
  readonly name: string;
  /** The plan that puts this arm in force, made from a fresh look; none: run as things are. */
  readonly plan?: (now: CheckedFile) => ProfilePlan;
  /** An arm that does not apply ends the experiment (a sweep's base, a lab's profile); otherwise it is skipped. */
  readonly required?: boolean;
}

export interface ArmOutcome<A extends ArmSpec, R> {
  readonly arm: A;
  readonly result?: R;
  /** Why the arm did not run (its plan did not apply, the person declined it). */
  readonly error?: string;
  /** What applying its plan reported, when that failed (the CLI's --json prints it). */
  readonly applied?: ApplyResult;
}

export interface ExperimentOutcome<A extends ArmSpec, R> {
  readonly status: 'complete' | 'cancelled' | 'failed';
  readonly arms: readonly ArmOutcome<A, R>[];
  /** Undefined when nothing was borrowed (no arm had a plan) or the caller kept the last arm in force. */
  readonly restore?: RestoreReport;
  /** When a configuration was borrowed: the profile recorded as in force before (null: none). */
  readonly profileBefore?: string | null;
  readonly error?: string;
  /** What was thrown, when something was (a front end maps its own error classes to its exit codes). */
  readonly cause?: unknown;
}

/** What the driver tells a front end as it goes. */
export interface ExperimentReporter {
  readonly arm?: (name: string, index: number, total: number) => void;
  readonly step?: (message: string) => void;
}

export interface ExperimentOptions<A extends ArmSpec, R> {
  readonly env: LabEnv;
  readonly arms: readonly A[];
  readonly run: (arm: A, now: CheckedFile, signal: AbortSignal) => Promise<R>;
  readonly signal: AbortSignal;
  /** A look already taken (saves reading the config and the servers once more). */
  readonly first?: CheckedFile;
  /** Who borrows, for the messages ("the lab", "the sweep", "the probe"). */
  readonly what: string;
  /** Leave the last arm's configuration in force (CLI --keep-profile). */
  readonly keep?: boolean;
  /**
   * Checked once on the first look, before any arm is asked about or applied: a config OpenClaw rejects ends the
   * experiment here (ConfigRejected), not after a profile was put in force and taken back for nothing.
   */
  readonly accepts?: (first: CheckedFile, signal: AbortSignal) => Promise<void>;
  /** Asked before an arm's plan is applied (the editor shows the diff); false declines and ends the experiment. */
  readonly confirm?: (plan: ProfilePlan, arm: A) => Promise<boolean>;
  /** After each arm's result: stop here (e.g. its session was cancelled). */
  readonly stopAfter?: (result: R) => boolean;
  /** After each arm, with the outcomes so far (the sweep writes its record). */
  readonly onArmDone?: (so: readonly ArmOutcome<A, R>[]) => void;
  readonly report?: ExperimentReporter;
  /** Receives the borrow once taken (the session records profileBefore from it). */
  readonly onBorrow?: (b: Borrower) => void;
  /** Injected by tests: the look and the borrow (defaults: the pipeline and the write executor). */
  readonly deps?: { readonly look?: () => Promise<CheckedFile>; readonly borrow?: (from: CheckedFile) => Borrower };
}

/** What applying a plan reports (ApplyReport, of which the driver reads ok, error and steps). */
export type ApplyResult = Pick<ApplyReport, 'ok' | 'steps'> & Partial<Omit<ApplyReport, 'ok' | 'steps'>>;

/** What the driver needs of a borrow (Borrow in borrow.ts; a stand-in in tests). */
export interface Borrower {
  readonly profileBefore: string | null;
  apply(plan: ProfilePlan, from: CheckedFile, opts: { signal?: AbortSignal; onStep?: (message: string) => void }): Promise<ApplyResult>;
  restore(): Promise<RestoreReport>;
  /** The experiment keeps its last arm in force: forget the way back. */
  keep?(): void;
}

export async function runExperiment<A extends ArmSpec, R>(o: ExperimentOptions<A, R>): Promise<ExperimentOutcome<A, R>> {
  const outcomes: ArmOutcome<A, R>[] = [];
  let borrow: Borrower | undefined;
  let status: ExperimentOutcome<A, R>['status'] = 'complete';
  let error: string | undefined;
  let cause: unknown;
  // A look is reused until something may have changed the config or the servers.
  let current = o.first;
  // A lab killed while it had borrowed this config left the way back: take it before anything else — also when this
  // experiment borrows nothing, or it would measure the killed one's variant as "the config as it is".
  if (!o.deps) {
    const r = await recoverBorrow(o.env);
    if (r) {
      o.report?.step?.(
        r.ok
          ? `recovered: ${r.what}, started ${r.since}, was stopped before it restored; the state from before it is back${r.configRestored ? ' (openclaw.json restored)' : ''}`
          : `could not recover the state from before ${r.what} (started ${r.since}): ${r.error ?? 'unknown'}`,
      );
      for (const s of r.steps) o.report?.step?.(s);
      current = undefined;
    }
  }
  const fresh = async () => (current ??= await (o.deps?.look ?? (() => lookNow(o.env)))());
  try {
    if (o.accepts) await o.accepts(await fresh(), o.signal);
    for (const [i, arm] of o.arms.entries()) {
      if (o.signal.aborted) break;
      o.report?.arm?.(arm.name, i, o.arms.length);
      if (arm.plan) {
        const now = await fresh();
        const plan = arm.plan(now);
        const fail = (why: string, applied?: ApplyResult) => {
          outcomes.push({ arm, error: why, ...(applied ? { applied } : {}) });
          if (arm.required) {
            status = 'failed';
            error = `${arm.name} did not apply: ${why}`;
          }
        };
        if (plan.blocked) {
          fail(plan.blocked);
          if (arm.required) break;
          continue;
        }
        if (o.confirm && !(await o.confirm(plan, arm))) {
          outcomes.push({ arm, error: 'declined' });
          status = 'cancelled';
          break;
        }
        if (!borrow) {
          borrow = o.deps?.borrow ? o.deps.borrow(now) : Borrow.take(o.env, now, o.what);
          o.onBorrow?.(borrow);
        }
        current = undefined;
        const r = await borrow.apply(plan, now, { signal: o.signal, onStep: (m) => o.report?.step?.(m) });
        for (const s of r.steps) o.report?.step?.(s);
        if (o.signal.aborted) break;
        if (!r.ok) {
          fail(r.error ?? 'the plan did not apply', r);
          if (arm.required) break;
          continue;
        }
      }
      const result = await o.run(arm, await fresh(), o.signal);
      outcomes.push({ arm, result });
      o.onArmDone?.(outcomes);
      if (o.stopAfter?.(result)) break;
    }
  } catch (err) {
    status = 'failed';
    error = (err as Error).message;
    cause = err;
  }
  // Every path comes here (the catch above takes any failure): success, failure and cancel restore alike.
  let restore: RestoreReport | undefined;
  if (borrow && o.keep) borrow.keep?.();
  if (borrow && !o.keep) {
    o.report?.step?.(`restoring the state from before ${o.what}`);
    try {
      restore = await borrow.restore();
    } catch (err) {
      restore = { ok: false, configRestored: false, steps: [], error: (err as Error).message };
    }
  }
  if (o.signal.aborted && status === 'complete') status = 'cancelled';
  return { status, arms: outcomes, ...(restore ? { restore } : {}), ...(borrow ? { profileBefore: borrow.profileBefore } : {}), ...(error ? { error } : {}), ...(cause !== undefined ? { cause } : {}) };
}
