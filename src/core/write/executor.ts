import fs from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { EditPlan, ServerAction } from '../findings.js';
import { fmt } from '../format.js';
import { ownerOf, processAlive, randomHex, sha256, writeFully, type Owner } from '../fsutil.js';
import { encodeText, isEnvReference, parseDocument, type JsonNode, type TextEncodingName } from '../openclaw/document.js';
import { readBoundedSync } from '../read.js';
import type { TextEdit } from '../text.js';
import { pruneBackups, reasonFile, writeBackup } from './backups.js';
import { EditRefused, editsBetween, mapText, spliceBytes } from './bytes.js';

/**
 * The one executor for every write to a user's file — fix, fix-all, migrate, profile apply, rollback,
 * keep-removed. One policy, so no entry point is safer or sloppier than another:
 *   plan → check the bytes → temp file → backup → re-check → rename → server actions → verify → rollback.
 * A refused or failed operation leaves nothing behind: no temp file, no backup, no side file.
 */

export class ChangedOnDisk extends Error {
  constructor(file: string) {
    super(`${file} changed on disk since it was read; nothing was written. Check it again, then retry.`);
  }
}

export { EditRefused };

export interface FileChange {
  readonly file: string;
  readonly before: string;
  readonly after: string;
}

/** One file to change: the new content as edits to (or the whole text after) the bytes with `expectedHash`. */
export interface FileWrite {
  readonly file: string;
  /** sha256 of the bytes the change was planned from; the write refuses when the file holds anything else. */
  readonly expectedHash: string;
  readonly edits?: readonly TextEdit[];
  readonly after?: string;
  /** Re-encode the whole file (migrate turns UTF-16 into the UTF-8 OpenClaw reads). */
  readonly reencode?: TextEncodingName;
  /** Exactly these bytes (restoring a backup): no splice, every other rule of the executor still holds. */
  readonly bytes?: Uint8Array;
}

/** A new file written beside a config (removed values), created only if the operation commits. */
export interface SideFile {
  readonly file: string;
  readonly text: string;
}

export interface Operation {
  readonly title: string;
  readonly writes: readonly FileWrite[];
  readonly sideFiles?: readonly SideFile[];
  readonly actions?: readonly ServerAction[];
  readonly runAction?: (action: ServerAction, signal?: AbortSignal) => Promise<string>;
  readonly signal?: AbortSignal;
  readonly onStep?: (message: string, index: number, total: number) => void;
  /** After the actions: a message means the result is wrong and everything is rolled back. */
  readonly verify?: () => Promise<string | undefined>;
  readonly now?: Date;
  /**
   * false: keep every older backup for now. A lab's borrow writes the config once per arm; it removes its own
   * in-between backups and prunes when it is over, so its churn never pushes the user's backups out.
   */
  readonly prune?: boolean;
}

export interface OperationReport {
  readonly ok: boolean;
  readonly steps: readonly string[];
  /** The backups taken, one per written file. */
  readonly backups: readonly string[];
  readonly sideFiles: readonly string[];
  /** Files restored from their backup after a failure. */
  readonly restored: readonly string[];
  /** Files not restored because they changed after the write (someone saved): theirs is kept, ours is in the backup. */
  readonly keptNewer: readonly { file: string; backup: string }[];
  readonly changes: readonly FileChange[];
  readonly instructions: readonly string[];
  readonly error?: string;
}

interface Prepared {
  readonly write: FileWrite;
  readonly target: string;
  readonly before: Uint8Array;
  readonly after: Uint8Array;
  readonly beforeText: string;
  readonly afterText: string;
  readonly stat: fs.Stats;
}

const TEMP = /^\.(.+)\.lal-(\d+)-([0-9a-f]+)\.(tmp|side)$/;


/**
 * Finishes what a killed write left in `dir`: a temp config is deleted (its rename never happened, or
 * it did and the name is gone); a side file's temp is kept under its final name when the config holds
 * the content it went with, else deleted. Only temps of dead processes are touched.
 */
export function sweepStale(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP.exec(name);
    if (!m || processAlive(Number(m[2]))) continue;
    const file = path.join(dir, name);
    try {
      if (m[4] === 'side') {
        const config = path.join(dir, m[1]!.replace(/\.removed-[^.]+\.json5$/, ''));
        const current = readBoundedSync(config);
        if (current && sha256(current).startsWith(m[3]!)) fs.renameSync(file, path.join(dir, m[1]!));
        else fs.rmSync(file, { force: true });
      } else fs.rmSync(file, { force: true });
    } catch {
      // Best effort: a temp we cannot remove is no reason to refuse the user's command.
    }
  }
}

/**
 * Why `file` cannot be written by this process (the file, the folder its temp file and rename need, or the
 * folder its backups go in), or undefined. Asked first, so a folder you cannot write costs no doctor run and
 * ends in one sentence, not a raw EACCES.
 */
export function whyNotWritable(file: string): string | undefined {
  const target = realTarget(file);
  const checks: [string, string][] = [
    [target, 'the file'],
    [path.dirname(target), 'its folder (the new version is written beside it, then renamed)'],
  ];
  const state = path.join(path.dirname(file), 'local-ai-lab');
  checks.push(fs.existsSync(state) ? [state, 'its local-ai-lab folder (backups)'] : [path.dirname(file), 'the folder its backups go in']);
  for (const [p, what] of checks) {
    try {
      fs.accessSync(p, fs.constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      return `${file} cannot be changed: you cannot write ${what}, ${p} (${code}); nothing was run or changed. Fix its permissions or run as its owner, then retry.`;
    }
  }
  return undefined;
}

/** Where a write really lands: a symlinked config is written through to its target. */
function realTarget(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

type Segments = readonly (string | number)[];

/**
 * `${VAR}` strings in `root` with the path to each as segments: a key may hold dots (provider ids
 * `lm.studio`, `192.168.1.20`), so a dotted string would find nothing under it.
 */
function envRefs(root: JsonNode | undefined, out: [Segments, string][] = [], at: Segments = []): [Segments, string][] {
  if (!root) return out;
  if (root.kind === 'object') for (const m of root.members) envRefs(m.value, out, [...at, m.key]);
  else if (root.kind === 'array') root.items.forEach((x, i) => envRefs(x, out, [...at, i]));
  else if (isEnvReference(root.value)) out.push([at, root.value as string]);
  return out;
}

function valueAt(root: JsonNode | undefined, at: Segments): JsonNode | undefined {
  let n = root;
  for (const k of at) {
    if (!n) return undefined;
    if (n.kind === 'object') n = [...n.members].reverse().find((m) => m.key === k)?.value;
    else if (n.kind === 'array' && typeof k === 'number') n = n.items[k];
    else return undefined;
  }
  return n;
}

const showPath = (at: Segments) => at.map((k, i) => (typeof k === 'number' ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `${i ? '.' : ''}${k}` : `[${JSON.stringify(k)}]`)).join('');

/**
 * Why a change from `beforeText` to `afterText` is refused because it replaces a `${VAR}` reference
 * (OpenClaw fills those from the environment; we never overwrite one), or undefined. A previewed plan
 * asks this too, so `--dry-run` never shows a diff the real write would refuse.
 */
export function replacesEnvReference(file: string, beforeText: string, afterText: string): string | undefined {
  return envRefRefusal(parseDocument(file, beforeText).root, parseDocument(file, afterText).root);
}

function envRefRefusal(was: JsonNode | undefined, now: JsonNode | undefined): string | undefined {
  // `${VAR}` values are opaque: a value that still exists must still be the reference.
  const replaced = envRefs(was).filter(([p, v]) => {
    const n = valueAt(now, p);
    return n !== undefined && !(n.kind === 'string' && n.value === v);
  });
  if (!replaced.length) return undefined;
  return `${replaced.map(([p, v]) => `${showPath(p)} is ${v}`).join('; ')}: OpenClaw fills ${replaced.length > 1 ? 'these' : 'it'} from the environment, and Local AI Lab never overwrites such a reference. Change the variable instead; nothing was written.`;
}

function prepare(w: FileWrite): Prepared {
  const target = realTarget(w.file);
  const before = readBoundedSync(target);
  if (!before || sha256(before) !== w.expectedHash) throw new ChangedOnDisk(w.file);
  const stat = fs.statSync(target);
  const mapped = mapText(before);
  let after: Uint8Array;
  let afterText: string;
  if (w.bytes) {
    after = w.bytes;
    afterText = mapText(w.bytes).text;
  } else if (w.reencode) {
    afterText = w.after ?? mapped.text;
    after = encodeText(afterText, w.reencode);
  } else {
    const r = spliceBytes(before, mapped, w.edits ?? editsBetween(mapped.text, w.after ?? mapped.text));
    after = r.bytes;
    afterText = r.text;
  }
  const was = parseDocument(w.file, mapped.text);
  const now = parseDocument(w.file, afterText);
  if (now.error && !was.error) throw new EditRefused(`the change would leave ${path.basename(w.file)} unparseable (${now.error.message}); nothing was written`);
  const refused = envRefRefusal(was.root, now.root);
  if (refused) throw new EditRefused(refused);
  return { write: w, target, before, after, beforeText: mapped.text, afterText, stat };
}

/** `file`, or `file` with -2, -3 … before its extension: two side files in one second both survive. */
function freeName(file: string): string {
  const ext = path.extname(file);
  for (let i = 1; ; i++) {
    const name = i === 1 ? file : `${file.slice(0, file.length - ext.length)}-${i}${ext}`;
    if (!fs.existsSync(name)) return name;
  }
}

function tempPath(target: string, tag: string, kind: 'tmp' | 'side'): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.lal-${process.pid}-${tag}.${kind}`);
}

/** Says which file a full disk (or quota) stopped, instead of a bare errno. */
function diskFull(err: unknown, what: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new Error(`no space left on the disk holding ${what} (${code}); nothing was written`);
  return err as Error;
}

/**
 * Writes `bytes` to a new temp file beside `target` with the given mode, owner and group, all of it
 * (a short write on a full disk is an error, not a truncated config) and flushed before any rename.
 */
function writeTemp(file: string, bytes: Uint8Array, mode: number, owner: Owner | undefined): void {
  const fd = fs.openSync(file, 'wx', mode);
  try {
    writeFully(fd, bytes);
    fs.fchmodSync(fd, mode);
    if (owner && (owner.uid !== process.getuid?.() || owner.gid !== process.getgid?.())) {
      try {
        fs.fchownSync(fd, owner.uid, owner.gid);
      } catch {
        // Only root may give a file away; a user editing their own file keeps ownership anyway.
      }
    }
    fs.fsyncSync(fd);
    if (fs.fstatSync(fd).size !== bytes.length) throw Object.assign(new Error('ENOSPC: the temp file is shorter than what was written'), { code: 'ENOSPC' });
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw diskFull(err, path.basename(file).replace(/^\.(.+)\.lal-.*$/, '$1'));
  }
  fs.closeSync(fd);
}

const modeOf = (stat: fs.Stats) => stat.mode & 0o7777;

function unchanged(p: Prepared): boolean {
  const now = readBoundedSync(p.target);
  return now !== undefined && sha256(now) === p.write.expectedHash;
}

/** Replaces `file` with `bytes` if it still holds `expectedHash`; the one primitive every write ends in. */
function replaceChecked(p: Prepared, bytes: Uint8Array): void {
  const tmp = tempPath(p.target, randomHex(4), 'tmp');
  writeTemp(tmp, bytes, modeOf(p.stat), p.stat);
  try {
    if (!unchanged(p)) throw new ChangedOnDisk(p.write.file);
    fs.renameSync(tmp, p.target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export async function execute(op: Operation): Promise<OperationReport> {
  const steps: string[] = [];
  const instructions: string[] = [];
  const report = (ok: boolean, extra: Partial<OperationReport>): OperationReport => ({
    ok,
    steps,
    backups: [],
    sideFiles: [],
    restored: [],
    keptNewer: [],
    changes: [],
    instructions,
    ...extra,
  });
  for (const dir of new Set(op.writes.map((w) => path.dirname(realTarget(w.file))))) sweepStale(dir);

  // 1. Plan every file before touching any: a refusal here writes nothing at all.
  const unwritable = op.writes.map((w) => whyNotWritable(w.file)).find(Boolean);
  if (unwritable) return report(false, { error: unwritable });
  let prepared: Prepared[];
  try {
    prepared = op.writes.map(prepare).filter((p) => Buffer.compare(Buffer.from(p.before), Buffer.from(p.after)) !== 0 || p.write.reencode);
  } catch (err) {
    return report(false, { error: (err as Error).message });
  }
  const changes = prepared.map((p) => ({ file: p.write.file, before: p.beforeText, after: p.afterText }));

  // 2. Temps, backups and side-file temps; then re-check and rename. Any failure removes what this run made.
  const made: string[] = [];
  const backups: string[] = [];
  const sideFiles: string[] = [];
  const written: Prepared[] = [];
  const now = op.now ?? new Date();
  try {
    const temps = prepared.map((p) => {
      const tmp = tempPath(p.target, randomHex(4), 'tmp');
      made.push(tmp);
      writeTemp(tmp, p.after, modeOf(p.stat), p.stat);
      return tmp;
    });
    for (const p of prepared) {
      let b: string;
      try {
        b = writeBackup(p.write.file, p.before, now, op.title);
      } catch (err) {
        throw diskFull(err, `the backup of ${path.basename(p.write.file)}`);
      }
      made.push(b, reasonFile(b));
      backups.push(b);
    }
    const mainHash = prepared[0] ? sha256(prepared[0].after).slice(0, 16) : '0';
    const sideNames = (op.sideFiles ?? []).map((s) => freeName(s.file));
    const sideTemps = (op.sideFiles ?? []).map((s, i) => {
      const tmp = tempPath(sideNames[i]!, mainHash, 'side');
      made.push(tmp);
      // The config's owner must be able to read what was removed from it, also after a root run.
      writeTemp(tmp, Buffer.from(s.text, 'utf8'), 0o600, ownerOf(prepared[0]?.write.file ?? sideNames[i]!) ?? ownerOf(path.dirname(sideNames[i]!)));
      return tmp;
    });
    for (const p of prepared) if (!unchanged(p)) throw new ChangedOnDisk(p.write.file);
    for (const [i, p] of prepared.entries()) {
      op.onStep?.(`writing ${path.basename(p.write.file)}`, 1, 1 + (op.actions?.filter((a) => a.kind !== 'instruct').length ?? 0));
      // The last look before the rename: a save that landed since the plan was made is never overwritten.
      if (!unchanged(p)) throw new ChangedOnDisk(p.write.file);
      fs.renameSync(temps[i]!, p.target);
      written.push(p);
      steps.push(`wrote ${p.write.file} (backup ${backups[i]})`);
    }
    for (const [i, tmp] of sideTemps.entries()) {
      // link, not rename: a side file that appeared meanwhile is never replaced.
      fs.linkSync(tmp, sideNames[i]!);
      fs.rmSync(tmp, { force: true });
      sideFiles.push(sideNames[i]!);
      steps.push(`kept removed values in ${sideNames[i]}`);
    }
  } catch (err) {
    // All or nothing: renamed files are put back (never over a newer save), then what this run made goes.
    const r = rollback(written, backups);
    for (const f of made) if (!r.keptNewer.some((k) => k.backup === f || reasonFile(k.backup) === f)) fs.rmSync(f, { force: true });
    return report(false, { error: (err as Error).message, ...r, backups: r.keptNewer.map((k) => k.backup) });
  }
  if (op.prune !== false) for (const p of prepared) pruneBackups(p.write.file);

  // 3. Server actions (loads can take minutes: progress and cancel), then verification.
  try {
    const actions = op.actions ?? [];
    const total = 1 + actions.filter((a) => a.kind !== 'instruct').length;
    let i = 1;
    for (const a of actions) {
      if (a.kind === 'instruct') {
        instructions.push(a.text);
        continue;
      }
      if (op.signal?.aborted) throw new Error('cancelled');
      if (!op.runAction) throw new Error(`internal: ${op.title} has server actions but no way to run them`);
      op.onStep?.(a.kind === 'load' ? `loading ${a.modelKey} at ${fmt(a.contextLength)}` : `unloading ${a.identifier}`, ++i, total);
      steps.push(await op.runAction(a, op.signal));
      if (op.signal?.aborted) throw new Error('cancelled');
    }
    const wrong = await op.verify?.();
    if (wrong) throw new Error(wrong);
  } catch (err) {
    const error = op.signal?.aborted ? 'cancelled' : (err as Error).message;
    const r = rollback(written, backups);
    for (const f of r.restored) steps.push(`restored ${f} from the backup`);
    for (const k of r.keptNewer) steps.push(`${k.file} changed after the write, so it was not restored; the version from before is in ${k.backup}`);
    return report(false, { error, backups, sideFiles, changes, ...r });
  }
  return report(true, { backups, sideFiles, changes });
}

/** Puts each written file back from its backup, unless someone saved over our write since: then both are kept. */
function rollback(written: readonly Prepared[], backups: readonly string[]): { restored: string[]; keptNewer: { file: string; backup: string }[] } {
  const restored: string[] = [];
  const keptNewer: { file: string; backup: string }[] = [];
  for (const [i, p] of written.entries()) {
    const ours: Prepared = { ...p, write: { ...p.write, expectedHash: sha256(p.after) } };
    try {
      replaceChecked(ours, p.before);
      restored.push(p.write.file);
    } catch {
      keptNewer.push({ file: p.write.file, backup: backups[i]! });
    }
  }
  return { restored, keptNewer };
}

/** The text of each file after a plan's edits, for previews; refuses as `execute` would. */
export function preview(writes: readonly FileWrite[]): FileChange[] {
  return writes.map(prepare).map((p) => ({ file: p.write.file, before: p.beforeText, after: p.afterText }));
}

/** An EditPlan's file edits as writes against the bytes with the given hashes (read now when not given). */
export function writesOf(plan: EditPlan, hashes: ReadonlyMap<string, string> = new Map()): FileWrite[] {
  return plan.edits.map((fe) => {
    let expectedHash = hashes.get(fe.file);
    if (!expectedHash) {
      const bytes = readBoundedSync(fe.file);
      if (!bytes) throw new ChangedOnDisk(fe.file);
      expectedHash = sha256(bytes);
    }
    return { file: fe.file, expectedHash, edits: fe.edits };
  });
}

/** A unified diff of one change, for `--dry-run` and previews. */
export function unifiedDiff(change: FileChange, context = 3): string {
  if (change.before === change.after) return '';
  return createTwoFilesPatch(change.file, change.file, change.before, change.after, undefined, undefined, { context }).replace(/^=+\n/m, '');
}
