import path from 'node:path';
import { UsageError } from './support.js';
import { configPath, givenVersion } from './args.js';
import { openclawVersion } from '../core/openclaw/cli.js';
import { millis } from '../core/units.js';
import { formatVersion, type OpenClawVersion } from '../core/openclaw/version.js';
import type { MigrateResult } from '../core/migrate/migrate.js';
import { decisionText, type Decision } from '../core/migrate/decisions.js';
import { withCtrlC } from './ctrlC.js';
import { migrationChanges, migrationOperation, planMigration } from '../core/migrate/run.js';
import { FIRST_STEP, migrateStep, validationStep, withElapsed, wouldAlsoLines } from '../core/migrate/steps.js';
import { ConfigUnreadable, readBoundedSync } from '../core/read.js';
import { execute, unifiedDiff, whyNotWritable } from '../core/write/executor.js';

export interface MigrateJson {
  config: string;
  openclawVersion: string;
  valid: boolean;
  changes: MigrateResult['changes'];
  /** decision: what a person must decide about it, with the choices OpenClaw accepts (absent when not explained). */
  remaining: { path: string; message: string; decision?: Decision }[];
  removedTo: string | null;
  backup?: string | null;
  refused?: string;
  /** OpenClaw's own repair: whether it ran (it decides what moves), and what it would also do that we leave out. */
  repair: { ran: boolean; seconds?: number; note?: string; wouldAlso: readonly string[] };
}

/**
 * The stages on stderr while doctor works (tens of seconds): on a terminal one line redrawn with its seconds so far,
 * otherwise each stage once as a line. Our words only (steps.ts); doctor's own output is not passed on.
 */
function stepPrinter(): { step(s: string): void; done(): void } {
  const tty = process.stderr.isTTY;
  let current = '';
  let since = Date.now();
  const draw = () => process.stderr.write(`\r\x1b[K${withElapsed(current, (Date.now() - since) / 1000).slice(0, (process.stderr.columns || 80) - 1)}`);
  const timer = tty ? setInterval(draw, 1000) : undefined;
  timer?.unref();
  const step = (s: string) => {
    if (s === current) return;
    current = s;
    since = Date.now();
    if (tty) draw();
    else process.stderr.write(`migrate: ${s}\n`);
  };
  step(FIRST_STEP);
  return {
    step,
    done: () => {
      clearInterval(timer);
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}

export async function migrateCommand(o: { config?: string; 'openclaw-version'?: string; openclaw?: string; 'dry-run'?: boolean; json?: boolean; 'no-repair'?: boolean }): Promise<number> {
  if (!o.config) throw new UsageError('migrate needs --config PATH');
  const file = configPath(o);
  const bytes = readBoundedSync(file);
  if (!bytes) throw new UsageError(`${file} does not exist`);
  // Before doctor runs (it takes tens of seconds): a config we could not write back ends here, in one sentence.
  const unwritable = o['dry-run'] ? undefined : whyNotWritable(file);
  if (unwritable) throw new ConfigUnreadable(unwritable);
  const exe = o.openclaw ?? 'openclaw';
  const installed = await openclawVersion(exe, { timeoutMs: millis(15_000) });
  if (!installed) throw new UsageError(`migrate needs the installed OpenClaw to judge the result, and "${exe}" did not answer --version; pass --openclaw PATH`);
  const version: OpenClawVersion = givenVersion(o) ?? installed;
  const progress = o.json ? undefined : stepPrinter();
  // Ctrl-C, SIGTERM, SIGHUP: doctor runs in its own process group, so it is stopped through the signal (with what it
  // started, and its private home removed) instead of outliving us.
  let plan;
  try {
    plan = await withCtrlC(undefined, (signal) =>
      planMigration(file, bytes, {
        executable: exe,
        version,
        installed,
        signal,
        ...(o['no-repair'] ? { repair: false as const } : {}),
        onRound: progress && ((round) => progress.step(validationStep(round))),
        onProgress: progress && ((line) => void (migrateStep(line) && progress.step(migrateStep(line)!))),
      }),
    );
  } finally {
    progress?.done();
  }
  let removedTo: string | null = null;
  let backup: string | null = null;
  let failed: string | undefined;
  if (!o['dry-run'] && migrationChanges(plan)) {
    const r = await execute(migrationOperation(plan));
    if (r.ok) {
      backup = r.backups[0] ?? null;
      removedTo = r.sideFiles[0] ?? null;
    } else failed = r.error;
  }
  if (o.json) {
    const out: MigrateJson = {
      config: file,
      openclawVersion: formatVersion(installed),
      valid: plan.valid && !failed,
      changes: plan.changes,
      remaining: plan.remaining.map((r) => ({ path: r.path, message: r.message, ...(r.decision ? { decision: r.decision } : {}) })),
      removedTo,
      ...(o['dry-run'] ? {} : { backup }),
      ...(plan.refused || failed ? { refused: plan.refused ?? failed } : {}),
      repair: { ran: plan.repair.ran, ...(plan.repair.seconds !== undefined ? { seconds: Math.round(plan.repair.seconds * 10) / 10 } : {}), ...(plan.repair.note ? { note: plan.repair.note } : {}), wouldAlso: plan.repair.wouldAlso },
    };
    console.log(JSON.stringify(out, null, 2));
  } else {
    const diff = unifiedDiff({ file, before: plan.before, after: plan.after });
    if (o['dry-run']) process.stdout.write(diff || '(no change)\n');
    for (const c of plan.changes) console.log(`${c.action} ${c.path}${c.to ? ` → ${c.to}` : ''}: ${c.reason}`);
    console.log(plan.repair.ran ? `OpenClaw ${formatVersion(installed)}'s own repair decided what moves (${plan.repair.seconds?.toFixed(1)} s); comments and untouched text are kept.` : `OpenClaw's own repair did not run (${plan.repair.note}).`);
    for (const w of wouldAlsoLines(plan.repair.wouldAlso)) console.log(w);
    if (plan.refused) console.error(`not changed: ${plan.refused}`);
    if (failed) console.error(`not changed: ${failed}`);
    if (removedTo) console.log(`removed values and their comments are in ${removedTo}`);
    if (backup) console.log(`backup: ${backup}`);
    for (const r of plan.remaining) console.log(`remains: ${r.range ? `${path.basename(file)}:${r.range.start.line + 1}:${r.range.start.character + 1} ` : ''}${r.path}: ${r.message}${r.why && !r.decision ? ` (${r.why})` : ''}${r.decision ? `\n  ${decisionText(r.decision)}` : ''}`);
    // A refused plan (a repair that failed or timed out) judged nothing: "0 issue(s) remain" would be wrong.
    if (!failed && !plan.refused) console.log(plan.valid ? `OpenClaw ${formatVersion(installed)} accepts ${o['dry-run'] ? 'the migrated file' : file}.` : `OpenClaw ${formatVersion(installed)} still rejects it: ${plan.remaining.length} issue(s) remain.`);
  }
  if (failed) return 2;
  return plan.valid ? 0 : 1;
}
