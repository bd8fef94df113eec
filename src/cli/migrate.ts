import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { unifiedDiff } from '../core/apply.js';
import { UsageError } from './support.js';
import { sha256, writeAtomic } from '../core/fsutil.js';
import { openclawVersion } from '../core/openclaw/cli.js';
import { decodeText, encodeText } from '../core/openclaw/document.js';
import { formatVersion, parseVersion, type OpenClawVersion } from '../core/openclaw/version.js';
import { validatorFor } from '../core/migrate/validate.js';
import { migrateConfig, sideFilePath, sideFileText, type MigrateResult } from '../core/migrate/migrate.js';
import { backupConfig } from '../core/profiles/backups.js';

export interface MigrateJson {
  config: string;
  openclawVersion: string;
  valid: boolean;
  changes: MigrateResult['changes'];
  remaining: { path: string; message: string }[];
  removedTo: string | null;
  backup?: string | null;
  refused?: string;
}

export async function migrateCommand(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    strict: true,
    options: { config: { type: 'string' }, 'openclaw-version': { type: 'string' }, openclaw: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
  });
  if (!o.config) throw new UsageError('migrate needs --config PATH');
  const file = path.resolve(o.config);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const exe = o.openclaw ?? 'openclaw';
  const installed = await openclawVersion(exe, { timeoutMs: 15_000 });
  if (!installed) throw new UsageError(`migrate needs the installed OpenClaw to judge the result, and "${exe}" did not answer --version; pass --openclaw PATH`);
  let version: OpenClawVersion = installed;
  if (o['openclaw-version']) {
    const v = parseVersion(o['openclaw-version']);
    if (!v) throw new UsageError(`--openclaw-version: "${o['openclaw-version']}" is not a version like 2026.9.6`);
    version = v;
  }
  const decoded = decodeText(bytes);
  const { text } = decoded;
  const utf16 = decoded.encoding === 'utf16le' || decoded.encoding === 'utf16be';
  // OpenClaw reads UTF-8 only (a BOM is fine): a UTF-16 file is re-encoded, every character kept.
  const encoding = utf16 ? 'utf8' : decoded.encoding;
  const migrated = await migrateConfig(file, text, { validate: validatorFor(exe, file, { timeoutMs: 120_000 }), version });
  const result: MigrateResult =
    utf16 && !migrated.refused
      ? { ...migrated, changes: [{ path: '<root>', action: 'set', to: 'UTF-8', reason: `OpenClaw ${formatVersion(installed)} reads its config as UTF-8 and rejects UTF-16 at the first character; the text is kept, re-encoded.` }, ...migrated.changes] }
      : migrated;
  let removedTo: string | null = null;
  let backup: string | null = null;
  if (!o['dry-run'] && !result.refused && (result.after !== result.before || utf16)) {
    backup = backupConfig(file, bytes);
    const now = new Date();
    if (result.removed.length) {
      removedTo = sideFilePath(file, now);
      fs.writeFileSync(removedTo, sideFileText(result.file, result.removed, version, now), { mode: 0o600 });
    }
    writeAtomic(file, encodeText(result.after, encoding), sha256(bytes));
  }
  if (o.json) {
    const out: MigrateJson = {
      config: file,
      openclawVersion: formatVersion(installed),
      valid: result.valid,
      changes: result.changes,
      remaining: result.remaining.map((r) => ({ path: r.path, message: r.message })),
      removedTo,
      ...(o['dry-run'] ? {} : { backup }),
      ...(result.refused ? { refused: result.refused } : {}),
    };
    console.log(JSON.stringify(out, null, 2));
  } else {
    const diff = unifiedDiff({ file, before: result.before, after: result.after });
    if (o['dry-run']) process.stdout.write(diff || '(no change)\n');
    for (const c of result.changes) console.log(`${c.action} ${c.path}${c.to ? ` → ${c.to}` : ''}: ${c.reason}`);
    if (result.refused) console.error(`not changed: ${result.refused}`);
    if (removedTo) console.log(`removed values and their comments are in ${removedTo}`);
    if (backup) console.log(`backup: ${backup}`);
    for (const r of result.remaining) console.log(`remains: ${r.range ? `${path.basename(file)}:${r.range.start.line + 1}:${r.range.start.character + 1} ` : ''}${r.path}: ${r.message}${r.why ? ` (${r.why})` : ''}`);
    console.log(result.valid ? `OpenClaw ${formatVersion(installed)} accepts ${o['dry-run'] ? 'the migrated file' : file}.` : `OpenClaw ${formatVersion(installed)} still rejects it: ${result.remaining.length} issue(s) remain.`);
  }
  return result.valid ? 0 : 1;
}
