import { planProfile } from '../../profiles/plan.js';
import type { CheckedFile } from '../../sources.js';
import { look as lookNow, profileTarget, type LabEnv } from '../look.js';
import { configAccepted, acceptsFor, runLab, type LabRunOptions } from '../session.js';
import type { DispatchRecord, Session } from '../records/store.js';
import { runExperiment, type ArmSpec, type Borrower, type ExperimentOptions, type ExperimentOutcome, type ExperimentReporter } from './driver.js';

/** An arm that puts a profile in force (a lab's or a probe's); it must apply. */
export function profileArm(name: string): ArmSpec {
  return { name, required: true, plan: (now) => planProfile(profileTarget(now, name), now.observation) };
}

/**
 * A probe's one arm: as things are, or under `profile` (applied first through the borrow, the state from before put
 * back at the end unless `keep`). The look it starts from is returned with the outcome (the record names its config).
 */
export interface ProbeArmOptions {
  readonly env: LabEnv;
  /** Run under this profile (applied first, the state from before put back at the end unless `keep`). */
  readonly profile?: string;
  readonly keep?: boolean;
  readonly confirm?: ExperimentOptions<ArmSpec, unknown>['confirm'];
  readonly signal: AbortSignal;
  readonly report?: ExperimentReporter;
}

export async function runProbeArm<R>(
  o: ProbeArmOptions,
  run: (now: CheckedFile, signal: AbortSignal) => Promise<R>,
): Promise<{ first: CheckedFile; outcome: ExperimentOutcome<ArmSpec, R> }> {
  const first = await lookWithProfiles(o.env, o.profile ? [o.profile] : []);
  const outcome = await runExperiment<ArmSpec, R>({
    env: o.env,
    first,
    what: 'the probe',
    // Every probe runs through OpenClaw: the config it rejects is said before a profile is put in force.
    accepts: (now, signal) => configAccepted(o.env, now, signal),
    arms: [o.profile ? profileArm(o.profile) : { name: 'as is' }],
    keep: o.keep,
    confirm: o.confirm,
    signal: o.signal,
    report: o.report,
    run: (_arm, now, signal) => run(now, signal),
  });
  return { first, outcome };
}

/** The first look, with every profile named checked against it before anything is borrowed (UnknownProfile otherwise). */
export async function lookWithProfiles(env: LabEnv, profiles: readonly string[], first?: CheckedFile): Promise<CheckedFile> {
  const c = first ?? (await lookNow(env));
  for (const p of profiles) profileTarget(c, p);
  return c;
}

export interface LabUnderOptions extends Omit<LabRunOptions, 'look' | 'profile' | 'profileBefore'> {
  /** Each applied in turn, the lab run under each; none: as things are. */
  readonly profiles: readonly string[];
  readonly first?: CheckedFile;
  /** Leave the last profile in force (CLI --keep-profile). */
  readonly keep?: boolean;
  readonly confirm?: ExperimentOptions<ArmSpec, unknown>['confirm'];
  readonly report?: ExperimentReporter;
}

/**
 * Run Lab and `lab run`: under each profile in turn (or as things are), the state from before put back at the end
 * — after success, failure and Ctrl-C alike — unless `keep`.
 */
export async function runLabUnderProfiles(o: LabUnderOptions): Promise<ExperimentOutcome<ArmSpec, { session: Session; dispatches: DispatchRecord[] }>> {
  const first = await lookWithProfiles(o.env, o.profiles, o.first);
  let borrowed: Borrower | undefined;
  return runExperiment({
    env: o.env,
    first,
    what: 'the lab',
    accepts: acceptsFor(o.env, o.workload),
    arms: o.profiles.length ? o.profiles.map(profileArm) : [{ name: 'as is' }],
    signal: o.signal,
    keep: o.keep,
    confirm: o.confirm,
    report: o.report,
    onBorrow: (b) => (borrowed = b),
    stopAfter: (r) => r.session.status === 'cancelled',
    // The session records both: the profile it ran under, and the one in force before the lab applied it.
    run: (arm, now, signal) => runLab({ ...o, look: now, signal, ...(arm.plan ? { profile: arm.name, profileBefore: borrowed?.profileBefore ?? null } : {}) }),
  });
}
