import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { unifiedDiff, type FileChange } from '../core/apply.js';
import { fixtureRuntimes, toCheckJson, UsageError } from './support.js';
import type { Finding } from '../core/findings.js';
import { writeAtomic } from '../core/fsutil.js';
import { openclawVersion } from '../core/openclaw/cli.js';
import { encodeText, parseDocument } from '../core/openclaw/document.js';
import { locateConfig } from '../core/openclaw/locate.js';
import { formatVersion, NEWEST_KNOWN, parseVersion, type OpenClawVersion } from '../core/openclaw/version.js';
import { buildObservation, ConfigUnreadable, probeProviders, readConfig } from '../core/sources.js';
import { ruleIds, runRules } from '../core/rules/registry.js';
import type { ServerState } from '../core/servers/types.js';
import { applyEdits } from '../core/text.js';
import { profileCommand } from './profile.js';
import { migrateCommand } from './migrate.js';
import { labCommand } from './lab.js';
import { readProfileState } from '../core/profiles/backups.js';
import { withProfileInForce } from '../core/profiles/inForce.js';

const HELP = `local-ai-lab — diagnostics for OpenClaw on local model servers

Usage:
  local-ai-lab check [--config PATH] [--loaded FILE] [--downloaded FILE]
                     [--openclaw-version V] [--no-probe] [--json]
  local-ai-lab fix --config PATH --rule RULE [--loaded FILE] [--downloaded FILE]
                   [--openclaw-version V] [--no-probe] [--dry-run] [--json]
  local-ai-lab migrate --config PATH [--openclaw-version V] [--openclaw PATH] [--dry-run] [--json]
  local-ai-lab profile list|show NAME|apply NAME [--config PATH] [--profiles FILE] [--dry-run] [--yes] [--json]
  local-ai-lab lab run WORKLOAD [-n N] [--dir D] [--json] | resume ID | list | show ID [--json] | compare A B [--json]
  local-ai-lab lab stats [--json] SECONDS...
  local-ai-lab rules

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

async function resolveVersion(o: Common): Promise<{ version: OpenClawVersion; known: boolean; source: 'given' | 'installed' | 'assumed' }> {
  if (o['openclaw-version']) {
    const v = parseVersion(o['openclaw-version']);
    if (!v) throw new UsageError(`--openclaw-version: "${o['openclaw-version']}" is not a version like 2026.9.6`);
    return { version: v, known: true, source: 'given' };
  }
  const installed = await openclawVersion(o.openclaw ?? 'openclaw', { timeoutMs: 10000 });
  if (installed) return { version: installed, known: true, source: 'installed' };
  return { version: NEWEST_KNOWN, known: false, source: 'assumed' };
}

function configPath(o: Common): string {
  if (o.config) return path.resolve(o.config);
  const located = locateConfig({ env: process.env, homedir: os.homedir(), exists: (f) => fs.existsSync(f) });
  if (!located.exists) throw new UsageError(`no openclaw.json found (looked at ${located.searched.join(', ')}); pass --config PATH`);
  return located.path;
}

async function runtimesFor(o: Common, providers: Parameters<typeof probeProviders>[0]): Promise<Map<string, ServerState>> {
  if (o.loaded || o.downloaded) return fixtureRuntimes(providers, o.loaded, o.downloaded);
  if (o['no-probe']) return new Map();
  return probeProviders(providers, { timeoutMs: 1500, lmStudioToken: process.env.LM_API_TOKEN });
}

function printFindings(findings: readonly Finding[], file: string): void {
  if (findings.length === 0) {
    console.log(`${file}: no findings`);
    return;
  }
  for (const f of findings) {
    const loc = `${path.relative(process.cwd(), f.file) || f.file}:${f.range.start.line + 1}:${f.range.start.character + 1}`;
    console.log(`${loc}  ${f.severity}  ${f.rule}  ${f.message}`);
    for (const x of f.fixes) console.log(`    fix${x.preferred ? ' (preferred)' : ''}: ${x.title}${x.declined ? ` — declined: ${x.declined}` : ''}`);
  }
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  console.log(`${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info`);
}

async function check(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({ args: argv, options: COMMON, strict: true });
  if (o.help) return help();
  const file = configPath(o);
  const { doc } = readConfig(file);
  const ver = await resolveVersion(o);
  const first = buildObservation({ doc, version: ver.version, versionSource: ver.source });
  const runtimes = await runtimesFor(o, first.model.providers);
  const { obs } = withProfileInForce({ ...first, versionSource: ver.source, version: ver.version, runtimes }, [], readProfileState(file)?.profile);
  const findings = runRules(obs);
  if (o.json) console.log(JSON.stringify(toCheckJson(file, ver.version, ver.known, findings, runtimes), null, 2));
  else {
    if (!ver.known) console.error(`note: no OpenClaw installed and no --openclaw-version: assuming ${formatVersion(ver.version)}, the newest release Local AI Lab knows`);
    for (const [id, s] of runtimes) if (s.status !== 'ok') console.error(`note: provider ${id}: could not read ${s.baseUrl} — ${s.detail ?? s.status}`);
    printFindings(findings, file);
  }
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}

async function fix(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({ args: argv, options: { ...COMMON, rule: { type: 'string' }, 'dry-run': { type: 'boolean' } }, strict: true });
  if (o.help) return help();
  if (!o.config) throw new UsageError('fix needs --config PATH');
  if (!o.rule) throw new UsageError(`fix needs --rule RULE (one of ${ruleIds().join(', ')})`);
  if (!ruleIds().includes(o.rule as never)) throw new UsageError(`unknown rule "${o.rule}" (one of ${ruleIds().join(', ')})`);
  const file = path.resolve(o.config);
  const read = readConfig(file);
  const ver = await resolveVersion(o);
  const first = buildObservation({ doc: read.doc, version: ver.version, versionSource: ver.source });
  const runtimes = await runtimesFor(o, first.model.providers);

  // Apply one preferred fix at a time and look again: fixes of one rule may touch overlapping text.
  let text = read.doc.text;
  const applied: string[] = [];
  const skipped: string[] = [];
  for (let round = 0; round < 100; round++) {
    const doc = parseDocument(file, text, read.doc.encoding);
    const obs = { ...buildObservation({ doc, version: ver.version, versionSource: ver.source }), runtimes };
    const todo = runRules(obs).filter((f) => f.rule === o.rule && !skipped.includes(key(f)));
    const next = todo.find((f) => f.fixes.some((x) => x.preferred && x.plan && x.plan.edits.length > 0 && x.plan.actions.length === 0));
    if (!next) break;
    const fx = next.fixes.find((x) => x.preferred && x.plan)!;
    const own = fx.plan!.edits.filter((e) => e.file === file);
    if (own.length !== fx.plan!.edits.length) {
      skipped.push(key(next));
      continue;
    }
    text = applyEdits(text, own.flatMap((e) => e.edits));
    applied.push(`${fx.title} (${next.path.join('.')})`);
  }
  const remaining = runRules({ ...buildObservation({ doc: parseDocument(file, text, read.doc.encoding), version: ver.version }), runtimes }).filter((f) => f.rule === o.rule);
  const change: FileChange = { file, before: read.doc.text, after: text };
  const diff = unifiedDiff(change);
  if (parseDocument(file, text).error) throw new Error('internal: the fixes produced an unparseable file; nothing was written');
  if (!o['dry-run'] && applied.length > 0) writeAtomic(file, encodeText(text, read.doc.encoding), read.hash);
  if (o.json) {
    console.log(JSON.stringify({ config: file, rule: o.rule, dryRun: !!o['dry-run'], applied, remaining: remaining.map((f) => ({ path: f.path.join('.'), message: f.message, fixes: f.fixes.map((x) => x.declined ?? x.title) })), diff }, null, 2));
  } else {
    if (o['dry-run']) process.stdout.write(diff || '(no change)\n');
    else console.log(applied.length ? applied.map((a) => `fixed: ${a}`).join('\n') : 'nothing to fix');
    for (const f of remaining) console.log(`remains: ${f.path.join('.')}: ${f.fixes.find((x) => x.declined)?.declined ?? f.message}`);
  }
  return remaining.length > 0 ? 1 : 0;
}

/** Config, version and live (or fixture) runtime state, for the profile commands. */
async function observeForProfile(o: Common) {
  const file = configPath(o);
  const read = readConfig(file);
  const ver = await resolveVersion(o);
  const first = buildObservation({ doc: read.doc, version: ver.version, versionSource: ver.source });
  const runtimes = await runtimesFor(o, first.model.providers);
  return { obs: { ...first, runtimes }, file, hash: read.hash, known: ver.known };
}

function key(f: Finding): string {
  return `${f.file}|${f.path.join('.')}|${f.message}`;
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
      case 'migrate':
        return await migrateCommand(rest);
      case 'profile':
        return await profileCommand(rest, observeForProfile);
      case 'rules':
        console.log(ruleIds().join('\n'));
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        return help();
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigUnreadable || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`local-ai-lab: ${(err as Error).message}`);
      if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) console.error('Run "local-ai-lab help" for usage.');
      return 2;
    }
    console.error(`local-ai-lab: ${(err as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
