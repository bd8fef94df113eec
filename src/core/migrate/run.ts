import { formatVersion, type OpenClawVersion } from '../openclaw/version.js';
import { mapText } from '../write/bytes.js';
import { sha256 } from '../fsutil.js';
import type { Operation } from '../write/executor.js';
import { migrateConfig, sideFilePath, sideFileText, type MigrateResult, type Remaining } from './migrate.js';
import { decisionFor } from './decisions.js';
import { validatorFor } from './validate.js';
import type { ValidationResult } from '../openclaw/cli.js';
import { parseDocument, toValue, type JsonNode, type JsonPath } from '../openclaw/document.js';
import { holdBlocking, issuePath, valueAt, withoutBlocking, withoutPaths } from './unblock.js';
import { guardedBy } from './guards.js';
import { dottedPath } from './repairDiff.js';
import { REPAIR_TIMEOUT_MS, repairWithDoctor, RepairFailed, type RepairResult } from '../openclaw/repair.js';
import { applyRepair } from './repairDiff.js';
import { millis, type Millis } from '../units.js';

/** What OpenClaw's own repair contributed to a plan. */
export interface RepairReport {
  readonly ran: boolean;
  readonly seconds?: number;
  /** Why it did not run, or failed (then only our own fixes were used). */
  readonly note?: string;
  /** What doctor also did that is not the user's values; left out ("OpenClaw's doctor would also …"). */
  readonly wouldAlso: readonly string[];
}

export interface MigrationPlan extends MigrateResult {
  /** sha256 of the bytes planned from: the write refuses if the file changed while OpenClaw judged it. */
  readonly hash: string;
  /** OpenClaw reads UTF-8 only (a BOM is fine): a UTF-16 file is re-encoded, every character kept. */
  readonly reencode: boolean;
  readonly version: OpenClawVersion;
  readonly repair: RepairReport;
}

export interface MigrationOptions {
  readonly executable: string;
  /** The release whose rules and fixes to use (the installed one unless told otherwise). */
  readonly version: OpenClawVersion;
  /** The installed release, which judges the result. */
  readonly installed: OpenClawVersion;
  /** For each `openclaw config validate`; OpenClaw's repair gets at least REPAIR_TIMEOUT_MS. */
  readonly timeoutMs?: Millis;
  readonly signal?: AbortSignal;
  readonly onRound?: (round: number) => void;
  /**
   * OpenClaw's own repair: by default `openclaw doctor --fix --non-interactive` on a private copy (the installed
   * release decides what moves); `false` skips it (only our own fixes); a function stands in for it (stored doctor
   * outputs in tests and the corpus report).
   */
  readonly repair?: false | ((text: string) => Promise<RepairResult>);
  readonly onProgress?: (line: string) => void;
}

/**
 * Doctor on a config with `$include`s would judge a copy without them; our own fixes handle those files. Judged on
 * the decoded keys, as OpenClaw reads them: `"\u0024include"` is an `$include` too, though the text never says so.
 */
export function hasInclude(root: JsonNode | undefined): boolean {
  if (!root) return false;
  if (root.kind === 'object') return root.members.some((m) => m.key === '$include' || hasInclude(m.value));
  if (root.kind === 'array') return root.items.some(hasInclude);
  return false;
}

/** validate → fix → validate with the installed OpenClaw as judge; nothing is written here. The CLI's and the editor's one way. */
export async function planMigration(file: string, bytes: Uint8Array, opts: MigrationOptions): Promise<MigrationPlan> {
  const { text, encoding } = mapText(bytes);
  const reencode = encoding === 'utf16le' || encoding === 'utf16be';
  const validateOnce = validatorFor(opts.executable, file, { timeoutMs: opts.timeoutMs ?? millis(120_000), signal: opts.signal });
  // One verdict per text: the look before the repair is the loop's first round when the repair does not run.
  const verdicts = new Map<string, ReturnType<typeof validateOnce>>();
  const validate = (t: string) => {
    let v = verdicts.get(t);
    if (!v) verdicts.set(t, (v = validateOnce(t)));
    return v;
  };
  // A validator that cannot answer decides nothing here: the repair runs, and says what failed, as before.
  const acceptedAlready = () =>
    validate(text).then(
      (v) => v.valid,
      (err: unknown) => {
        if (opts.signal?.aborted) throw err;
        return false;
      },
    );
  let round = 0;
  // 1. OpenClaw's own repair decides what moves, is renamed, rewritten or deleted; we write it as minimal edits.
  let start = text;
  let repair: RepairReport = { ran: false, wouldAlso: [], note: 'skipped' };
  let fromRepair: ReturnType<typeof applyRepair> | undefined;
  // OpenClaw's repair, as a function of the text: the real doctor on a private copy, or what stands in for it.
  const doctorFor =
    (signal: AbortSignal | undefined, onProgress?: (line: string) => void) =>
    (t: string): Promise<RepairResult> =>
      typeof opts.repair === 'function' ? opts.repair(t) : repairWithDoctor(opts.executable, t, { timeoutMs: opts.timeoutMs ? millis(Math.max(opts.timeoutMs, REPAIR_TIMEOUT_MS)) : undefined, signal, onProgress, keep: { version: opts.installed } });
  const doctor = doctorFor(opts.signal, opts.onProgress);
  let speculative: GuardsAhead | undefined;
  const parsed = parseDocument(file, text);
  if (opts.repair === false) repair = { ran: false, wouldAlso: [], note: 'skipped (only our own fixes were used)' };
  else if (parsed.error) repair = { ran: false, wouldAlso: [], note: 'OpenClaw cannot parse the file' };
  else if (hasInclude(parsed.root)) repair = { ran: false, wouldAlso: [], note: "the file uses $include; OpenClaw's repair would judge a copy without the included files, so only our own fixes were used" };
  else if (opts.version.year !== opts.installed.year || opts.version.month !== opts.installed.month || opts.version.patch !== opts.installed.patch) repair = { ran: false, wouldAlso: [], note: `planning for OpenClaw ${formatVersion(opts.version)}, not the installed ${formatVersion(opts.installed)}; its repair speaks for the installed release only` };
  else {
    // The validator and doctor start together: a file OpenClaw already accepts does not wait for doctor (its run is
    // cancelled; our own loop still moves what is stripped at read), and one it rejects does not wait for the
    // validator before doctor starts.
    // Doctor's stage is announced only once the validator has said no: for a file it accepts there is none.
    const notNeeded = new AbortController();
    const early: string[] = [];
    let announced = false;
    const first = doctorFor(either(opts.signal, notNeeded.signal), (line) => (announced ? opts.onProgress?.(line) : early.push(line)))(text);
    first.catch(() => undefined); // read below, or cancelled because it was not needed
    if (await acceptedAlready()) {
      notNeeded.abort();
      repair = { ran: false, wouldAlso: [], note: 'OpenClaw already accepts the file, so its repair did not run' };
    } else {
      announced = true;
      opts.onProgress?.('running openclaw doctor --fix on a private copy');
      for (const line of early) opts.onProgress?.(line);
      // The guards doctor would leave unread (step 3) are asked about now, beside the repair, when the validator's
      // first verdict names them; the answer is used only if step 3 asks about exactly the same copy.
      speculative = guardsAhead(parsed, await validate(text).catch(() => undefined), (t, s) => doctorFor(either(opts.signal, s))(t));
      try {
        const original = toValue(parsed.root);
        let r = await first;
        // Doctor will not write this file at all (its own write refused the repair): our own loop still fixes what it
        // can, each edit minimal.
        if (r.declined) repair = { ran: false, wouldAlso: [], note: `doctor would not write its repair: ${r.declined.replace(/\.$/, '')}; only Local AI Lab's own fixes were used` };
        else {
          let repaired = r.repaired;
          let seconds = r.seconds;
          let held = '';
          // A blocking value that is missing (a row without its required name) cannot be taken out for a second
          // run: doctor would stop at it again. Our own loop fills such values after.
          if (r.blocked.length && r.blocked.some((p) => valueAt(original, issuePath(p)) !== undefined)) {
            // Doctor wrote nothing because of values it cannot repair: its moves for the rest still count.
            opts.onProgress?.(`openclaw doctor stopped at ${r.blocked.join(', ')}; running it again without them`);
            const again = await doctor(withoutBlocking(original, r.blocked));
            repaired = holdBlocking(again.repaired, original, r.blocked);
            seconds += again.seconds;
            held = ` It wrote nothing while ${r.blocked.join(', ')} ${r.blocked.length === 1 ? 'was' : 'were'} invalid, so it ran again without ${r.blocked.length === 1 ? 'it' : 'them'}; ${r.blocked.length === 1 ? 'that value is' : 'those values are'} left for you.`;
            r = { ...again, notes: [...r.notes, ...again.notes] };
          }
          fromRepair = applyRepair(file, text, repaired, { version: opts.installed, notes: r.notes });
          start = fromRepair.after;
          repair = { ran: true, seconds, wouldAlso: fromRepair.alsoDoctor, ...(held ? { note: held.trim() } : {}) };
        }
      } catch (err) {
        speculative?.cancel();
        if (opts.signal?.aborted) throw err;
        if (!(err instanceof RepairFailed)) throw err;
        // A repair that failed or timed out decides nothing: nothing is written, and the way on is named.
        const note = `${err.message}. Nothing was changed; run it again, or use only Local AI Lab's own fixes (migrate --no-repair).`;
        return { file, before: text, after: text, valid: false, changes: [], removed: [], remaining: [], rounds: 0, refused: `OpenClaw's repair did not complete: ${note}`, hash: sha256(bytes), reencode: false, version: opts.version, repair: { ran: false, wouldAlso: [], note: err.message } };
      }
    }
  }
  // 2. Validate → fix → validate on top, for what OpenClaw's repair leaves invalid.
  const ownLoop = (t: string) =>
    migrateConfig(file, t, {
      version: opts.version,
      validate: (x) => {
        opts.onRound?.(++round);
        return validate(x);
      },
      // Removals OpenClaw's repair itself made were judged by OpenClaw: never refuse those.
      refuseLargeRemovals: !repair.ran,
    });
  let own = await ownLoop(start);
  // 3. A guard our loop may not delete and doctor left where it is not read: ask OpenClaw where it goes, with a
  //    copy that holds only those guards (the whole file can keep doctor from migrating them).
  if (repair.ran && fromRepair && !own.valid && !own.refused) {
    const guards = guardIssues(parseDocument(file, own.after), own.remaining);
    if (guards.length) {
      try {
        opts.onProgress?.(`asking openclaw doctor where ${guards.map(dottedPath).join(', ')} belong${guards.length === 1 ? 's' : ''}`);
        const current = toValue(parseDocument(file, own.after).root);
        const input = guardsCopy(current, guards);
        const r = await (speculative?.input === input ? speculative.result : doctor(input));
        const second = applyRepair(file, own.after, withGuardsFrom(current, guards, r.repaired), { version: opts.installed, notes: r.notes });
        if (second.changes.some((c) => c.action === 'move')) {
          const again = await ownLoop(second.after);
          fromRepair = { ...fromRepair, changes: [...fromRepair.changes, ...own.changes, ...second.changes], removed: [...fromRepair.removed, ...own.removed, ...second.removed], kept: second.kept };
          own = again;
          repair = { ...repair, seconds: (repair.seconds ?? 0) + r.seconds };
        }
      } catch (err) {
        if (opts.signal?.aborted || !(err instanceof RepairFailed)) throw err;
        // The guards stay where they are, with the error that says what to do.
      }
    }
  }
  speculative?.cancel(); // not needed, or already answered
  const migrated: MigrateResult = fromRepair
    ? {
        ...own,
        before: text,
        after: own.refused ? start : own.after,
        changes: [...fromRepair.changes, ...own.changes],
        removed: [...fromRepair.removed, ...own.removed],
        remaining: [...fromRepair.kept.filter((k) => !own.remaining.some((r) => r.path === k.path && r.message === k.message)).map((k) => withDecision(k, own.after, file, opts.installed)), ...own.remaining],
        valid: own.valid && fromRepair.kept.length === 0,
      }
    : own;
  const result: MigrateResult =
    reencode && !migrated.refused
      ? { ...migrated, changes: [{ path: '<root>', action: 'set', to: 'UTF-8', reason: `OpenClaw ${formatVersion(opts.installed)} reads its config as UTF-8 and rejects UTF-16 at the first character; the text is kept, re-encoded.` }, ...migrated.changes] }
      : migrated;
  return { ...result, hash: sha256(bytes), reencode: reencode && !migrated.refused, version: opts.version, repair };
}

/** A guard held where the repair deletes it, with the decision it leaves (read in the file as planned). */
function withDecision(k: Remaining, after: string, file: string, version: OpenClawVersion): Remaining {
  if (k.decision) return k;
  const doc = parseDocument(file, after);
  const decision = doc.error ? undefined : decisionFor(k, toValue(doc.root), version);
  return decision ? { ...k, decision } : k;
}

/** Paths of guards the validator reports as unknown (our loop declines to delete those). */
function guardIssues(doc: ReturnType<typeof parseDocument>, remaining: readonly { path: string; message: string }[]): JsonPath[] {
  const out: JsonPath[] = [];
  const tree = toValue(doc.root);
  for (const r of remaining) {
    const m = /^Unrecognized keys?: (.+)$/.exec(r.message);
    if (!m) continue;
    const parent = r.path === '<root>' ? [] : issuePath(r.path);
    for (const k of [...m[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => x[1]!)) {
      const p = [...parent, k];
      const v = valueAt(tree, p);
      if (v !== undefined && guardedBy(p, v)) out.push(p);
    }
  }
  return out;
}

/** The copy doctor is asked about guards with: only those guards, at their places. */
const guardsCopy = (tree: unknown, guards: readonly JsonPath[]) => JSON.stringify(onlyPaths(tree, guards), null, 2);

const either = (a: AbortSignal | undefined, b: AbortSignal) => (a ? AbortSignal.any([a, b]) : b);

interface GuardsAhead {
  readonly input: string;
  readonly result: Promise<RepairResult>;
  cancel(): void;
}

/**
 * Step 3's question asked ahead, beside the repair: the guards the validator's first verdict reports as unread. Most
 * of a migration's time is doctor; a file that needs both runs waits for the longer one, not for their sum. The
 * answer counts only for exactly this copy (planMigration compares the text), so the plan is what the runs one after
 * another would give.
 */
function guardsAhead(parsed: ReturnType<typeof parseDocument>, verdict: ValidationResult | undefined, run: (t: string, signal: AbortSignal) => Promise<RepairResult>): GuardsAhead | undefined {
  if (!verdict || verdict.valid || parsed.error) return undefined;
  const guards = guardIssues(parsed, verdict.issues);
  if (!guards.length) return undefined;
  const input = guardsCopy(toValue(parsed.root), guards);
  const stop = new AbortController();
  const result = run(input, stop.signal);
  result.catch(() => undefined); // read by step 3, or not needed
  return { input, result, cancel: () => stop.abort() };
}

/** A tree holding only these paths' values, at the same places. */
function onlyPaths(tree: unknown, paths: readonly JsonPath[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of paths) {
    let cur = out;
    p.slice(0, -1).forEach((k) => (cur = (cur[String(k)] ??= {}) as Record<string, unknown>));
    cur[String(p[p.length - 1])] = structuredClone(valueAt(tree, p));
  }
  return out;
}

/** The current tree with those guards taken out and doctor's answer for them merged in. */
function withGuardsFrom(current: unknown, paths: readonly JsonPath[], repaired: unknown): unknown {
  const out = withoutPaths(current, paths);
  const merge = (a: unknown, b: unknown): unknown => {
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      const o = { ...(a as Record<string, unknown>) };
      for (const [k, v] of Object.entries(b as Record<string, unknown>)) o[k] = k in o ? merge(o[k], v) : v;
      return o;
    }
    return b;
  };
  return merge(out, repaired);
}

/** True when applying the plan would change the file. */
export function migrationChanges(plan: MigrationPlan): boolean {
  return !plan.refused && (plan.after !== plan.before || plan.reencode);
}

/** The plan as one executor operation: the config and the side file with every removed value, together or not at all. */
export function migrationOperation(plan: MigrationPlan, now = new Date()): Operation {
  return {
    title: 'Make Config Valid',
    writes: [{ file: plan.file, expectedHash: plan.hash, after: plan.after, ...(plan.reencode ? { reencode: 'utf8' as const } : {}) }],
    sideFiles: plan.removed.length ? [{ file: sideFilePath(plan.file, now), text: sideFileText(plan.file, plan.removed, plan.version, now) }] : [],
    now,
  };
}
