import fs from 'node:fs';
import { runAction } from '../apply.js';
import type { ServerAction } from '../findings.js';
import { sha256, writeAtomic } from '../fsutil.js';
import { decodeText, encodeText } from '../openclaw/document.js';
import type { ServerState } from '../servers/types.js';
import { backupConfig, writeProfileState } from './backups.js';
import type { ProfilePlan } from './plan.js';
import { fmt } from '../format.js';

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
}

export interface ApplyReport {
  readonly ok: boolean;
  readonly backup?: string;
  readonly steps: readonly string[];
  /** Set when the config was restored from the backup after a failure. */
  readonly restored: boolean;
  readonly error?: string;
  /** What the servers hold afterwards, one line per model, when they could be read. */
  readonly loadedAfter: readonly string[];
  /** Things the operator must do by hand (servers we cannot drive). */
  readonly instructions: readonly string[];
}

/**
 * Backs up the config, writes the new one atomically, runs the runtime actions in order, and records the
 * profile. If a step fails or is cancelled, the config is restored from the backup and the report says
 * what happened and what is loaded now.
 */
export async function applyPlan(plan: ProfilePlan, opts: ApplyOptions): Promise<ApplyReport> {
  if (plan.blocked) return { ok: false, steps: [], restored: false, error: plan.blocked, loadedAfter: [], instructions: [] };
  const steps: string[] = [];
  const instructions: string[] = [];
  const bytes = fs.readFileSync(plan.file);
  if (sha256(bytes) !== opts.expectedHash) {
    return { ok: false, steps, restored: false, error: `${plan.file} changed since the plan was made; nothing was written. Look at the plan again.`, loadedAfter: [], instructions };
  }
  const { encoding } = decodeText(bytes);
  const backup = backupConfig(plan.file, bytes);
  steps.push(`backed up openclaw.json to ${backup}`);
  const total = plan.actions.filter((a) => a.kind !== 'instruct').length + 1;
  let wrote = false;
  const run = opts.run ?? ((a: ServerAction, signal?: AbortSignal) => runAction(a, { timeoutMs: opts.loadTimeoutMs ?? 10 * 60_000, signal, lmStudioToken: opts.lmStudioToken }));
  try {
    if (plan.after !== plan.before) {
      opts.onStep?.('writing openclaw.json', 1, total);
      writeAtomic(plan.file, encodeText(plan.after, encoding), opts.expectedHash);
      wrote = true;
      steps.push('wrote openclaw.json');
    }
    let i = 1;
    for (const a of plan.actions) {
      if (a.kind === 'instruct') {
        instructions.push(a.text);
        continue;
      }
      if (opts.signal?.aborted) throw new Error('cancelled');
      i++;
      opts.onStep?.(a.kind === 'load' ? `loading ${a.modelKey} at ${fmt(a.contextLength)}` : `unloading ${a.identifier}`, i, total);
      steps.push(await run(a, opts.signal));
      if (opts.signal?.aborted) throw new Error('cancelled');
    }
    const after = fs.readFileSync(plan.file);
    writeProfileState(plan.file, plan.profile.name, after);
    return { ok: true, backup, steps, restored: false, loadedAfter: await loadedNow(opts), instructions };
  } catch (err) {
    const error = opts.signal?.aborted ? 'cancelled' : (err as Error).message;
    let restored = false;
    if (wrote) {
      // Put the config back as it was; the backup holds the exact bytes.
      writeAtomic(plan.file, fs.readFileSync(backup));
      restored = true;
      steps.push('restored openclaw.json from the backup');
    }
    return { ok: false, backup, steps, restored, error, loadedAfter: await loadedNow(opts), instructions };
  }
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
