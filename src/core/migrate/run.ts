import { formatVersion, type OpenClawVersion } from '../openclaw/version.js';
import { mapText } from '../write/bytes.js';
import { sha256 } from '../fsutil.js';
import type { Operation } from '../write/executor.js';
import { migrateConfig, sideFilePath, sideFileText, type MigrateResult } from './migrate.js';
import { validatorFor } from './validate.js';

export interface MigrationPlan extends MigrateResult {
  /** sha256 of the bytes planned from: the write refuses if the file changed while OpenClaw judged it. */
  readonly hash: string;
  /** OpenClaw reads UTF-8 only (a BOM is fine): a UTF-16 file is re-encoded, every character kept. */
  readonly reencode: boolean;
  readonly version: OpenClawVersion;
}

export interface MigrationOptions {
  readonly executable: string;
  /** The release whose rules and fixes to use (the installed one unless told otherwise). */
  readonly version: OpenClawVersion;
  /** The installed release, which judges the result. */
  readonly installed: OpenClawVersion;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly onRound?: (round: number) => void;
}

/** validate → fix → validate with the installed OpenClaw as judge; nothing is written here. The CLI's and the editor's one way. */
export async function planMigration(file: string, bytes: Uint8Array, opts: MigrationOptions): Promise<MigrationPlan> {
  const { text, encoding } = mapText(bytes);
  const reencode = encoding === 'utf16le' || encoding === 'utf16be';
  const validate = validatorFor(opts.executable, file, { timeoutMs: opts.timeoutMs ?? 120_000, signal: opts.signal });
  let round = 0;
  const migrated = await migrateConfig(file, text, {
    version: opts.version,
    validate: (t) => {
      opts.onRound?.(++round);
      return validate(t);
    },
  });
  const result: MigrateResult =
    reencode && !migrated.refused
      ? { ...migrated, changes: [{ path: '<root>', action: 'set', to: 'UTF-8', reason: `OpenClaw ${formatVersion(opts.installed)} reads its config as UTF-8 and rejects UTF-16 at the first character; the text is kept, re-encoded.` }, ...migrated.changes] }
      : migrated;
  return { ...result, hash: sha256(bytes), reencode: reencode && !migrated.refused, version: opts.version };
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
