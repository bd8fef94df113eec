import type { ServerAction } from '../findings.js';
import { fmt } from '../format.js';
import { readBoundedSync } from '../read.js';
import { runAction } from '../servers/actions.js';
import type { ServerState } from '../servers/types.js';
import { execute } from '../write/executor.js';
import type { ProfilePlan } from './plan.js';
import { writeProfileState } from './state.js';

export interface ApplyOptions {
  /** sha256 of the config bytes the plan was made from: the write refuses if the file changed since. */
  readonly expectedHash: string;
  readonly signal?: AbortSignal;
  readonly lmStudioToken?: string;
  readonly onStep?: (message: string, index: number, total: number) => void;
  /** Looks at the servers again after the actions (for the report). */
  readonly reprobe?: () => Promise<ReadonlyMap<string, ServerState>>;
  /** Injected for tests; defaults to the REST executor. */
  readonly run?: (a: ServerAction, signal?: AbortSignal) => Promise<string>;
  readonly loadTimeoutMs?: number;
  /** false: older backups are not pruned by this write (a lab's borrow prunes once it is over). */
  readonly prune?: boolean;
  /** Why the backup is taken, as Restore Backup… lists it (default "profile NAME"; a sweep says which arm). */
  readonly reason?: string;
}

export interface ApplyReport {
  readonly ok: boolean;
  readonly backup?: string;
  readonly steps: readonly string[];
  /** Set when the config was restored from the backup after a failure. */
  readonly restored: boolean;
  /** Set when a failure found the config saved by someone else after our write: theirs is kept, ours is in the backup. */
  readonly keptNewer?: boolean;
  readonly error?: string;
  /** What the servers hold afterwards, one line per model, when they could be read. */
  readonly loadedAfter: readonly string[];
  /** Things the operator must do by hand (servers we cannot drive). */
  readonly instructions: readonly string[];
}

/**
 * A profile through the one write executor: backup, atomic write, the server actions in order, and the
 * profile recorded. If a step fails or is cancelled, the config is restored — unless it was saved again
 * meanwhile, which is kept.
 */
export async function applyPlan(plan: ProfilePlan, opts: ApplyOptions): Promise<ApplyReport> {
  if (plan.blocked) return { ok: false, steps: [], restored: false, error: plan.blocked, loadedAfter: [], instructions: [] };
  const run = opts.run ?? ((a: ServerAction, signal?: AbortSignal) => runAction(a, { timeoutMs: opts.loadTimeoutMs ?? 10 * 60_000, signal, lmStudioToken: opts.lmStudioToken }));
  const done: ServerAction[] = [];
  const r = await execute({
    title: opts.reason ?? `profile ${plan.profile.name}`,
    writes: [{ file: plan.file, expectedHash: opts.expectedHash, after: plan.after }],
    actions: plan.actions,
    runAction: async (a, signal) => {
      const step = await run(a, signal);
      done.push(a);
      return step;
    },
    signal: opts.signal,
    onStep: opts.onStep,
    ...(opts.prune === false ? { prune: false } : {}),
  });
  const backup = r.backups[0];
  const steps = [...r.steps];
  if (!r.ok && done.length) steps.push(...(await putServersBack(plan, done, run)));
  if (r.ok) {
    const after = readBoundedSync(plan.file);
    if (after) writeProfileState(plan.file, plan.profile.name, after);
  }
  return {
    ok: r.ok,
    backup,
    steps,
    restored: r.restored.length > 0,
    ...(r.keptNewer.length ? { keptNewer: true } : {}),
    ...(r.error ? { error: r.error } : {}),
    loadedAfter: r.changes.length || plan.actions.length ? await loadedNow(opts) : [],
    instructions: r.instructions,
  };
}

/**
 * After a failed apply the config is restored by the executor; the servers are put back here: what the plan
 * loaded is unloaded, and what it unloaded (the primary, to reload it at another context) is loaded again at
 * its old context. Never cancelled: this is the way back.
 */
async function putServersBack(plan: ProfilePlan, done: readonly ServerAction[], run: (a: ServerAction, signal?: AbortSignal) => Promise<string>): Promise<string[]> {
  const steps: string[] = [];
  const undo: ServerAction[] = [];
  for (const a of [...done].reverse()) {
    if (a.kind === 'load') undo.push({ kind: 'unload', runtime: 'lmstudio', baseUrl: a.baseUrl, identifier: a.identifier });
  }
  for (const a of done) {
    if (a.kind !== 'unload') continue;
    const back = plan.putBack?.find((p) => p.kind === 'load' && p.identifier === a.identifier && p.baseUrl === a.baseUrl);
    if (back) undo.push(back);
    else steps.push(`${a.identifier} was unloaded and its context from before is unknown; load it again yourself`);
  }
  for (const a of undo) {
    try {
      steps.push(`put back: ${await run(a)}`);
    } catch (err) {
      steps.push(`could not put back ${a.kind === 'load' ? `${a.modelKey} at ${fmt(a.contextLength)}` : a.kind === 'unload' ? `the unload of ${a.identifier}` : 'a step'}: ${(err as Error).message}`);
    }
  }
  return steps;
}

async function loadedNow(opts: ApplyOptions): Promise<string[]> {
  if (!opts.reprobe) return [];
  try {
    const states = await opts.reprobe();
    const lines: string[] = [];
    const seen = new Set<string>();
    for (const s of states.values()) {
      if (s.status !== 'ok') continue;
      for (const m of s.loaded) {
        const line = `${m.identifier} at ${fmt(m.loadedContextLength, 'an unknown context')}`;
        if (!seen.has(line)) lines.push(line);
        seen.add(line);
      }
    }
    return lines;
  } catch {
    return [];
  }
}
