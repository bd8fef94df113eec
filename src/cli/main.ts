import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fixtureRuntimes, toCheckJson, UsageError, type ValidatorReport } from './support.js';
import { openclawVersion, validateConfig } from '../core/openclaw/cli.js';
import { millis } from '../core/units.js';
import { besideFindings } from '../core/openclaw/issues.js';
import type { Finding } from '../core/findings.js';
import { locateConfig } from '../core/openclaw/locate.js';
import { formatVersion, parseVersion, type OpenClawVersion } from '../core/openclaw/version.js';
import { checkConfigFile, ConfigUnreadable, type CheckedFile, type SourceOptions } from '../core/sources.js';
import { fixAll } from '../core/fixAll.js';
import { ruleIds } from '../core/rules/registry.js';
import { RULE_SUMMARIES } from '../core/rules/summaries.js';
import { fmt } from '../core/format.js';

declare const LAL_VERSION: string | undefined;
/** Set by the build (scripts/build.mjs) from package.json. */
const VERSION = typeof LAL_VERSION === 'string' ? LAL_VERSION : '0.0.0-dev';
import { execute, unifiedDiff } from '../core/write/executor.js';
import { profileCommand } from './profile.js';
import { migrateCommand } from './migrate.js';
import { labCommand } from './lab.js';
import { probeCommand } from './probe.js';

const HELP = `local-ai-lab — diagnostics for OpenClaw on local model servers

Usage:
  local-ai-lab check [--config PATH] [--loaded FILE] [--downloaded FILE]
                     [--openclaw-version V] [--openclaw PATH] [--no-probe] [--no-validate] [--json]
  local-ai-lab fix --config PATH (--rule RULE | --all) [--loaded FILE] [--downloaded FILE]
                   [--openclaw-version V] [--no-probe] [--dry-run] [--json]
  local-ai-lab migrate --config PATH [--openclaw-version V] [--openclaw PATH] [--no-repair] [--dry-run] [--json]
  local-ai-lab profile list|show NAME|apply NAME [--config PATH] [--profiles FILE] [--dry-run] [--yes] [--json]
  local-ai-lab lab run WORKLOAD [-n N] [--dir D] [--profile P [--profiles FILE] [--keep-profile]] [--json] | resume ID | list | show ID [--json] | compare A B [--json]
  local-ai-lab lab stats [--json] SECONDS...
  local-ai-lab lab sweep WORKLOAD --base PROFILE [-n N] [--knobs K1,K2,…] [--dry-run] [--json]
  local-ai-lab probe prompt-sections [--agent ID] [--json]
  local-ai-lab probe codewords [--profile P [--keep-profile]] [-n N] [--dir D] [--json]
  local-ai-lab rules [--json]
  local-ai-lab --version

  --loaded FILE      \`lms ps --json\` output standing for the LM Studio server (replaces probing)
  --downloaded FILE  \`lms ls --json\` output standing for the LM Studio server
  --openclaw-version V   rules for this OpenClaw release (default: \`openclaw --version\`, else the newest known)
  --openclaw PATH    the openclaw executable (default: openclaw on PATH)

Exit codes: 0 no error-level finding / success, 1 findings or failure, 2 bad usage or unreadable input.`;

interface Common {
  config?: string;
  loaded?: string;
  downloaded?: string;
  'openclaw-version'?: string;
  openclaw?: string;
  'no-probe'?: boolean;
  json?: boolean;
}

const COMMON = {
  config: { type: 'string' },
  loaded: { type: 'string' },
  downloaded: { type: 'string' },
  'openclaw-version': { type: 'string' },
  openclaw: { type: 'string' },
  'no-probe': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function givenVersion(o: Common): OpenClawVersion | undefined {
  if (!o['openclaw-version']) return undefined;
  const v = parseVersion(o['openclaw-version']);
  if (!v) throw new UsageError(`--openclaw-version: "${o['openclaw-version']}" is not a version like 2026.9.6`);
  return v;
}

function configPath(o: Common): string {
  if (o.config) return path.resolve(o.config);
  const located = locateConfig({ env: process.env, homedir: os.homedir(), exists: (f) => fs.existsSync(f) });
  if (!located.exists) throw new UsageError(`no openclaw.json found (looked at ${located.searched.join(', ')}); pass --config PATH`);
  return located.path;
}

/** What the servers loaded: captured `lms` output, nothing (--no-probe), or a probe. */
function serversFrom(o: Common): SourceOptions['servers'] {
  if (o.loaded || o.downloaded) return (providers) => fixtureRuntimes(providers, o.loaded, o.downloaded);
  if (o['no-probe']) return 'none';
  return { probe: { timeoutMs: 1500, lmStudioToken: process.env.LM_API_TOKEN } };
}

/** The one way the CLI checks a config: the core pipeline with this command line's sources. */
export function checkFromArgs(o: Common, extra: Partial<SourceOptions> = {}): Promise<CheckedFile> {
  return checkConfigFile({ configPath: configPath(o), openclaw: o.openclaw, version: givenVersion(o), servers: serversFrom(o), ...extra });
}

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
  // Name the command that fixes what can be fixed safely.
  if (findings.some((f) => f.fixes.some((x) => x.preferred && x.plan && x.plan.edits.length > 0 && x.plan.actions.length === 0))) {
    console.log(`Fix what can be fixed safely: local-ai-lab fix --all --config ${configArg} (add --dry-run to see the diff first)`);
  }
}

async function check(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({ args: argv, options: { ...COMMON, 'no-validate': { type: 'boolean' } }, strict: true });
  if (o.help) return help();
  const c = await checkFromArgs(o);
  const { findings, servers, version: ver, file } = c;
  const validator = await runValidator(c, o.openclaw ?? 'openclaw', !!o['no-validate']);
  if (o.json) console.log(JSON.stringify(toCheckJson(file, ver.version, ver.known, findings, servers, validator), null, 2));
  else {
    if (!ver.known) console.error(`note: no OpenClaw installed and no --openclaw-version: assuming ${formatVersion(ver.version)}, the newest release Local AI Lab knows`);
    if (!validator.ran) console.error(`note: OpenClaw's own validator did not run (${validator.note})`);
    for (const [id, s] of servers) if (s.status !== 'ok') console.error(`note: provider ${id}: could not read ${s.baseUrl} — ${s.detail ?? s.status}`);
    printFindings(findings, file, /\s/.test(file) ? JSON.stringify(file) : file, validator);
  }
  return findings.some((f) => f.severity === 'error') || validator.issues.some((i) => i.severity === 'error') ? 1 : 0;
}

/**
 * OpenClaw's own `config validate`, as the editor runs it after each save: the CLI and the editor report
 * the same issues, placed and merged the same way (core's besideFindings).
 */
async function runValidator(c: CheckedFile, exe: string, skip: boolean): Promise<ValidatorReport> {
  const none = (note: string): ValidatorReport => ({ ran: false, note, issues: [], related: new Map() });
  if (skip) return none('--no-validate');
  const installed = c.version.source === 'installed' ? c.version.version : await openclawVersion(exe, { timeoutMs: millis(10_000) });
  if (!installed) return none(`no OpenClaw found ("${exe}"); pass --openclaw PATH to have it judge the file`);
  if (c.read.doc.error) return none('the file does not parse');
  try {
    const v = await validateConfig(exe, c.file, { timeoutMs: millis(60_000) });
    const placed = besideFindings(c.findings, c.observation.config.root, c.read.doc, v);
    return { ran: true, version: formatVersion(installed), valid: v.valid, ...placed };
  } catch (err) {
    return none(`it failed: ${(err as Error).message.split('\n')[0]}`);
  }
}

async function fix(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({ args: argv, options: { ...COMMON, rule: { type: 'string' }, all: { type: 'boolean' }, 'dry-run': { type: 'boolean' } }, strict: true });
  if (o.help) return help();
  if (!o.config) throw new UsageError('fix needs --config PATH');
  if (!o.rule && !o.all) throw new UsageError(`fix needs --rule RULE (one of ${ruleIds().join(', ')}) or --all`);
  if (o.rule && o.all) throw new UsageError('fix takes --rule RULE or --all, not both');
  if (o.rule && !ruleIds().includes(o.rule as never)) throw new UsageError(`unknown rule "${o.rule}" (one of ${ruleIds().join(', ')})`);
  const base = await checkFromArgs(o);
  requireParsed(base);
  const { file } = base;
  // The same loop as the editor's Fix All, with the same pipeline as `check` (a profile in force holds).
  const { after: text, applied, remaining } = fixAll(base.input, o.all ? undefined : o.rule);
  const change = { file, before: base.read.doc.text, after: text };
  const diff = unifiedDiff(change);
  if (!o['dry-run'] && applied.length > 0) {
    const r = await execute({ title: 'fix', writes: [{ file, expectedHash: base.read.hash, after: text }] });
    if (!r.ok) throw new ConfigUnreadable(r.error ?? 'the fix was not written');
  }
  if (o.json) {
    console.log(JSON.stringify({ config: file, rule: o.all ? 'all' : o.rule, dryRun: !!o['dry-run'], applied, remaining: remaining.map((f) => ({ rule: f.rule, path: f.path.join('.'), message: f.message, fixes: f.fixes.map((x) => x.declined ?? x.title) })), diff }, null, 2));
  } else {
    if (o['dry-run']) process.stdout.write(diff || '(no change)\n');
    else console.log(applied.length ? applied.map((a) => `fixed: ${a}`).join('\n') : 'nothing to fix');
    for (const f of remaining) console.log(`remains: ${o.all ? `${f.rule} ` : ''}${f.path.join('.')}: ${f.fixes.find((x) => x.declined)?.declined ?? f.message}`);
  }
  return remaining.some((f) => (o.all ? f.severity === 'error' : true)) ? 1 : 0;
}

/** Config, version and live (or fixture) server state, for the profile commands. */
async function observeForProfile(o: Common) {
  const c = await checkFromArgs(o);
  requireParsed(c);
  return c;
}

function rules(argv: string[]): number {
  const { values: o } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
  const all = ruleIds().map((id) => ({ id, ...RULE_SUMMARIES[id] }));
  if (o.json) console.log(JSON.stringify(all, null, 2));
  else {
    const w = Math.max(...all.map((r) => r.id.length));
    const sw = Math.max(...all.map((r) => r.severity.length));
    for (const r of all) console.log(`${r.id.padEnd(w)}  ${r.severity.padEnd(sw)}  ${r.summary}`);
  }
  return 0;
}

function help(): number {
  console.log(HELP);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'check':
        return await check(rest);
      case 'fix':
        return await fix(rest);
      case 'lab':
        return await labCommand(rest);
      case 'probe':
        return await probeCommand(rest);
      case 'migrate':
        return await migrateCommand(rest);
      case 'profile':
        return await profileCommand(rest, observeForProfile);
      case 'rules':
        return rules(rest);
      case '--version':
      case '-V':
      case 'version':
        console.log(VERSION);
        return 0;
      case 'help':
      case '--help':
      case '-h':
        return help();
      case undefined:
        console.error(HELP);
        return 2;
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (err) {
    // One line that says what to do; exit 2 for anything the user can fix by calling us differently.
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof UsageError || code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`local-ai-lab: ${(err as Error).message} (see "local-ai-lab help")`);
      return 2;
    }
    if (err instanceof ConfigUnreadable) {
      console.error(`local-ai-lab: ${err.message}`);
      return 2;
    }
    const file = (err as NodeJS.ErrnoException).path;
    const why: Record<string, string> = { ENOENT: 'does not exist', EACCES: 'is not readable (permission denied)', EPERM: 'is not permitted', EISDIR: 'is a folder', ENOTDIR: 'has a file where a folder should be', EROFS: 'is on a read-only file system', ENOSPC: 'cannot be written: the disk is full' };
    if (code && why[code]) {
      console.error(`local-ai-lab: ${file ?? 'a file'} ${why[code]}`);
      return 2;
    }
    console.error(`local-ai-lab: ${(err as Error).message.split('\n')[0]}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
