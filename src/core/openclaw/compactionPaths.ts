import { BEHAVIOUR } from './knowledge.js';
import type { CompactionView, ModelRef } from './model.js';
import { atLeast, type OpenClawVersion } from './version.js';

/**
 * Which model summarizes each compaction path, per release and effective mode. Two engines compact inside one run
 * and only one reads `compaction.model`: the session's own auto-compaction (mode "default" only) always summarizes
 * with the run's primary; OpenClaw's own compactions (overflow recovery, the mid-turn precheck, between-turn
 * maintenance, `/compact`) resolve the compaction target. Read in the dists of 2026.9.6, 2026.8.2 and 2026.5.28 and
 * checked by real runs against a scripted two-model server (test/slow/compaction-paths.test.ts); the reference's
 * "Which model summarizes" has the call chains and upstream threads (openclaw#38753, earendil-works/pi#4739).
 */
export type CompactionPathId = 'threshold' | 'overflow' | 'midTurnPrecheck' | 'betweenTurns' | 'manual';

/** Who summarizes: the run's primary, or the configured compaction.model. */
export type Summarizer = 'primary' | 'compactor';

export interface PathRoute {
  readonly path: CompactionPathId;
  /** Undefined: this path does not run with this config on this release. */
  readonly summarizer?: Summarizer;
  /** 2026.9.x between turns: the full-context memory-flush turn before the compaction, and its model. */
  readonly flush?: 'primary' | 'memoryFlush.model';
  /** The path's name on this release, for the hover and messages. */
  readonly label: string;
}

export const PATH_LABELS: Record<CompactionPathId, string> = {
  threshold: 'threshold (C − R) in the session',
  overflow: 'provider overflow recovery',
  midTurnPrecheck: 'mid-turn precheck',
  betweenTurns: 'between turns',
  manual: '/compact and sessions.compact',
};

/** The mode OpenClaw runs: unset is "safeguard" on every release the tests run. */
export function effectiveMode(c: CompactionView): 'default' | 'safeguard' {
  return c.mode === 'default' ? 'default' : 'safeguard';
}

/** A compactor is configured: compaction.model names a model other than the primary. */
export function compactorOf(c: CompactionView, primary: ModelRef | undefined): ModelRef | undefined {
  return c.model && c.model.ref !== primary?.ref ? c.model : undefined;
}

/** Whether the release has `compaction.midTurnPrecheck` (its strict schema rejects the key otherwise). */
export function hasMidTurnPrecheck(version: OpenClawVersion): boolean {
  return atLeast(version, BEHAVIOUR.midTurnPrecheck);
}

/** Whether a between-turn compaction is preceded by a memory-flush turn (2026.9.x pre-turn maintenance). */
export function flushesBeforeBetweenTurns(version: OpenClawVersion): boolean {
  return atLeast(version, BEHAVIOUR.preTurnMemoryFlush);
}

export function compactionRoutes(version: OpenClawVersion, c: CompactionView, primary: ModelRef | undefined): PathRoute[] {
  const target: Summarizer = compactorOf(c, primary) ? 'compactor' : 'primary';
  const mode = effectiveMode(c);
  // The session's own engine runs only in mode "default" (9.x: not with compaction.enabled false either).
  const sessionEngine = mode === 'default' && !(c.enabled === false && atLeast(version, BEHAVIOUR.compactionDisabledStopsSession));
  const flushOn = c.memoryFlushModel && c.memoryFlushModel.ref !== primary?.ref ? 'memoryFlush.model' : 'primary';
  const between = flushesBeforeBetweenTurns(version);
  return [
    { path: 'threshold', summarizer: sessionEngine ? 'primary' : undefined, label: PATH_LABELS.threshold },
    {
      path: 'overflow',
      // Before 2026.8 the session's own overflow branch answered the first overflow, with the primary.
      summarizer: sessionEngine && !atLeast(version, BEHAVIOUR.overflowRecoveryUsesCompactor) ? 'primary' : target,
      label: PATH_LABELS.overflow,
    },
    { path: 'midTurnPrecheck', summarizer: c.midTurnPrecheck && hasMidTurnPrecheck(version) ? target : undefined, label: PATH_LABELS.midTurnPrecheck },
    {
      path: 'betweenTurns',
      summarizer: target,
      ...(between && c.memoryFlushEnabled ? { flush: flushOn } : {}),
      label: between ? 'before the next turn (pre-turn maintenance)' : 'after the turn (post-turn maintenance)',
    },
    { path: 'manual', summarizer: target, label: PATH_LABELS.manual },
  ];
}

/** Every path that runs summarizes with the compactor, and no memory-flush turn runs on the primary. */
export function allOnCompactor(routes: readonly PathRoute[]): boolean {
  return routes.every((r) => (r.summarizer === undefined || r.summarizer === 'compactor') && r.flush !== 'primary');
}

/**
 * The operators' published figure for what compaction costs a local run, with its conditions: darkmux's
 * `long-agentic` workload, identical dispatches, fast cluster (no compaction) against slow cluster (compaction fired)
 * (reference darkmux.md, "Fast/slow split"). It is the tax of compacting at all, not a compactor's gain.
 */
export const OPERATOR_COMPACTION_TAX =
  'operators measured identical dispatches that compacted take about 3× as long as those that did not ' +
  '(darkmux long-agentic, n = 6: 222 s vs 773 s, LM Studio on an M5 Max 128 GB); how much a small compactor wins back depends on this machine';
