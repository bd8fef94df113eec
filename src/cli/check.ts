/** `check`, `fix` and `rules`: the config's findings, their fixes, and the rules that make them. */
import path from 'node:path';
import { millis } from '../core/units.js';
import { toCheckJson, UsageError, type ValidatorReport } from './support.js';
import { checkFromArgs, type CheckOptions } from './args.js';
import { openclawVersion, type ValidationResult } from '../core/openclaw/cli.js';
import { validateCached } from '../core/openclaw/verdicts.js';
import { besideFindings } from '../core/openclaw/issues.js';
import type { Finding } from '../core/findings.js';
import { formatVersion, type OpenClawVersion } from '../core/openclaw/version.js';
import { ConfigUnreadable, type CheckedFile, type ReadConfig, type ResolvedVersion } from '../core/sources.js';
import { fixAll } from '../core/fixAll.js';
import { ruleIds } from '../core/rules/registry.js';
import { RULE_SUMMARIES } from '../core/rules/summaries.js';
import { fmt } from '../core/format.js';
import { execute, unifiedDiff } from '../core/write/executor.js';
import { sideFilePath, sideFileText } from '../core/migrate/migrate.js';

/** A file that does not parse cannot be fixed or planned: say where it breaks (exit 2). */
function requireParsed(c: CheckedFile): void {
  const e = c.read.doc.error;
  if (!e) return;
  const at = c.read.doc.index.rangeOf(e.span).start;
  throw new ConfigUnreadable(`${c.file}:${at.line + 1}:${at.character + 1}: the file does not parse as JSON5 (${e.message}); fix the syntax first`);
}

/** Colour only on a terminal, and never with NO_COLOR (https://no-color.org). */
const colour = process.stdout.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
const paint = (code: number, s: string) => (colour ? `\x1b[${code}m${s}\x1b[0m` : s);
const SEVERITY_COLOUR: Record<string, number> = { error: 31, warning: 33, info: 36 };
const plural = (n: number, one: string, many: string) => `${fmt(n)} ${n === 1 ? one : many}`;

function printFindings(findings: readonly Finding[], file: string, configArg: string, validator: ValidatorReport): void {
  if (findings.length === 0 && validator.issues.length === 0) {
    console.log(`${file}: no findings${validator.ran ? `; OpenClaw ${validator.version} accepts it` : ''}`);
    return;
  }
  const where = (f: { file: string; range: Finding['range'] }) => `${path.relative(process.cwd(), f.file) || f.file}:${f.range.start.line + 1}:${f.range.start.character + 1}`;
  findings.forEach((f, i) => {
    console.log(`${paint(1, where(f))}  ${paint(SEVERITY_COLOUR[f.severity] ?? 0, f.severity)}  ${paint(2, f.rule)}  ${f.message}`);
    for (const m of validator.related.get(i) ?? []) console.log(`    OpenClaw ${validator.version}: ${m}`);
    for (const x of f.fixes) console.log(`    fix${x.preferred ? ' (preferred)' : ''}: ${x.title}${x.declined ? ` — declined: ${x.declined}` : ''}`);
  });
  for (const v of validator.issues) console.log(`${paint(1, where(v))}  ${paint(SEVERITY_COLOUR[v.severity] ?? 0, v.severity)}  ${paint(2, 'openclaw')}  ${v.message}`);
  const all = [...findings, ...validator.issues];
  const count = (s: string) => all.filter((f) => f.severity === s).length;
  console.log(`${plural(count('error'), 'error', 'errors')}, ${plural(count('warning'), 'warning', 'warnings')}, ${fmt(count('info'))} info`);
  // Name the command that helps: `fix --all` for our findings' safe fixes, `migrate` for what only OpenClaw reports.
  if (findings.some((f) => f.fixes.some((x) => x.preferred && x.plan && x.plan.edits.length > 0 && x.plan.actions.length === 0))) {
    console.log(`Fix what can be fixed safely: local-ai-lab fix --all --config ${configArg} (add --dry-run to see the diff first)`);
  }
  if (validator.issues.some((i) => i.severity === 'error')) {
    console.log(`Make OpenClaw ${validator.version} accept the file: local-ai-lab migrate --config ${configArg} (add --dry-run to see the diff first)`);
  }
}

/** `check`: our rules and OpenClaw's own validator on the config, against what the servers loaded. */
export async function check(o: CheckOptions & { 'no-validate'?: boolean; json?: boolean }): Promise<number> {
  const exe = o.openclaw ?? 'openclaw';
  let judged: Promise<Judged> = Promise.resolve({ note: 'the config was not read' });
  // The validator starts as soon as the bytes are read, and runs while our rules run and the servers are asked.
  const c = await checkFromArgs(o, { onRead: (read, ver) => (judged = judge(read, ver, exe, !!o['no-validate'])) });
  const validator = report(c, await judged);
  const { findings, servers, version: ver, file } = c;
  if (o.json) console.log(JSON.stringify(toCheckJson(file, ver.version, ver.known, findings, servers, validator), null, 2));
  else {
    if (!ver.known) console.error(`note: no OpenClaw installed and no --openclaw-version: assuming ${formatVersion(ver.version)}, the newest release Local AI Lab knows`);
    if (!validator.ran) console.error(`note: OpenClaw's own validator did not run (${validator.note})`);
    for (const [id, s] of servers) if (s.status !== 'ok') console.error(`note: provider ${id}: could not read ${s.baseUrl} — ${s.detail ?? s.status}`);
    printFindings(findings, file, /\s/.test(file) ? JSON.stringify(file) : file, validator);
  }
  return findings.some((f) => f.severity === 'error') || validator.issues.some((i) => i.severity === 'error') ? 1 : 0;
}

/** What OpenClaw's validator said about the bytes read (which release, which bytes), or why it did not say. */
type Judged = { readonly note: string } | { readonly note?: undefined; readonly version: OpenClawVersion; readonly result: ValidationResult };

/**
 * OpenClaw's own `config validate`, as the editor runs it after each save (its verdict kept by bytes, includes and
 * release, in the cache the editor shares): the CLI and the editor report the same issues, placed and merged the
 * same way (core's besideFindings).
 */
async function judge(read: ReadConfig, ver: ResolvedVersion, exe: string, skip: boolean): Promise<Judged> {
  if (skip) return { note: '--no-validate' };
  const installed = ver.source === 'installed' ? ver.version : await openclawVersion(exe, { timeoutMs: millis(10_000) });
  if (!installed) return { note: `no OpenClaw found ("${exe}"); pass --openclaw PATH to have it judge the file` };
  if (read.doc.error) return { note: 'the file does not parse' };
  try {
    const { result } = await validateCached(exe, { doc: read.doc, bytes: read.bytes, version: installed }, { timeoutMs: millis(60_000) });
    return { version: installed, result };
  } catch (err) {
    return { note: `it failed: ${(err as Error).message.split('\n')[0]}` };
  }
}

function report(c: CheckedFile, j: Judged): ValidatorReport {
  if (j.note !== undefined) return { ran: false, note: j.note, issues: [], related: new Map() };
  const placed = besideFindings(c.findings, c.observation.config.root, c.read.doc, j.result);
  return { ran: true, version: formatVersion(j.version), valid: j.result.valid, ...placed };
}

/** `fix`: the preferred fix of every finding of one rule (or of all), written through the executor. */
export async function fix(o: CheckOptions & { rule?: string; all?: boolean; 'dry-run'?: boolean; json?: boolean }): Promise<number> {
  if (!o.config) throw new UsageError('fix needs --config PATH');
  if (!o.rule && !o.all) throw new UsageError(`fix needs --rule RULE (one of ${ruleIds().join(', ')}) or --all`);
  if (o.rule && o.all) throw new UsageError('fix takes --rule RULE or --all, not both');
  if (o.rule && !ruleIds().includes(o.rule as never)) throw new UsageError(`unknown rule "${o.rule}" (one of ${ruleIds().join(', ')})`);
  const base = await checkFromArgs(o);
  requireParsed(base);
  const { file } = base;
  // The same loop as the editor's Fix All, with the same pipeline as `check` (a profile in force holds).
  const { after: text, applied, remaining, removed } = fixAll(base.input, o.all ? undefined : o.rule);
  const change = { file, before: base.read.doc.text, after: text };
  const diff = unifiedDiff(change);
  let removedTo: string | null = null;
  if (!o['dry-run'] && applied.length > 0) {
    // Removed values go to the side file in the same operation as the write, as with `migrate` and Make Config Valid.
    const now = new Date();
    const sideFiles = removed.length ? [{ file: sideFilePath(file, now), text: sideFileText(file, removed, base.version.version, now) }] : [];
    const r = await execute({ title: `fix ${o.all ? '--all' : `--rule ${o.rule}`}`, writes: [{ file, expectedHash: base.read.hash, after: text }], sideFiles });
    if (!r.ok) throw new ConfigUnreadable(r.error ?? 'the fix was not written');
    removedTo = r.sideFiles[0] ?? null;
  }
  if (o.json) {
    console.log(JSON.stringify({ config: file, rule: o.all ? 'all' : o.rule, dryRun: !!o['dry-run'], applied, removedTo, remaining: remaining.map((f) => ({ rule: f.rule, path: f.path.join('.'), message: f.message, fixes: f.fixes.map((x) => x.declined ?? x.title) })), diff }, null, 2));
  } else {
    if (o['dry-run']) process.stdout.write(diff || '(no change)\n');
    else console.log(applied.length ? applied.map((a) => `fixed: ${a}`).join('\n') : 'nothing to fix');
    if (removedTo) console.log(`removed values kept in ${removedTo}`);
    for (const f of remaining) console.log(`remains: ${o.all ? `${f.rule} ` : ''}${f.path.join('.')}: ${f.fixes.find((x) => x.declined)?.declined ?? f.message}`);
  }
  return remaining.some((f) => (o.all ? f.severity === 'error' : true)) ? 1 : 0;
}

/** Config, version and live (or fixture) server state, for the profile commands. */
export async function observeForProfile(o: CheckOptions) {
  const c = await checkFromArgs(o);
  requireParsed(c);
  return c;
}

/** `rules`: each rule with its severity and one line. */
export function rules(o: { json?: boolean }): number {
  const all = ruleIds().map((id) => ({ id, ...RULE_SUMMARIES[id] }));
  if (o.json) console.log(JSON.stringify(all, null, 2));
  else {
    const w = Math.max(...all.map((r) => r.id.length));
    const sw = Math.max(...all.map((r) => r.severity.length));
    for (const r of all) console.log(`${r.id.padEnd(w)}  ${r.severity.padEnd(sw)}  ${r.summary}`);
  }
  return 0;
}
