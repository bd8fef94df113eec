import fs from 'node:fs';
import readline from 'node:readline/promises';
import { unifiedDiff } from '../core/write/executor.js';
import { UsageError } from './support.js';
import type { CheckOptions } from './args.js';
import { withCtrlC } from './ctrlC.js';
import { formatVersion } from '../core/openclaw/version.js';
import { inspectServers, withUserProfiles, type CheckedFile } from '../core/sources.js';
import { applyPlan } from '../core/profiles/apply.js';
import { importDarkmux } from '../core/profiles/darkmux.js';
import { differences } from '../core/profiles/detect.js';
import { describePlan, planProfile } from '../core/profiles/plan.js';
import { profileCaveats } from '../core/profiles/caveats.js';
import { parseUserProfiles, type ProfileDef, type ProfileTarget } from '../core/profiles/types.js';
import { fmt } from '../core/format.js';

export type ObserveFn = (o: CheckOptions) => Promise<CheckedFile>;

/** `--profiles FILE`: an array of Local AI Lab profiles, or a darkmux profiles.json (v0.4 or HEAD's schema 1.5). */
export function readUserProfiles(file: string | undefined, lmStudioProvider: string): { profiles: ProfileDef[]; notes: string[] } {
  if (!file) return { profiles: [], notes: [] };
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${file} as JSON: ${(err as Error).message}`);
  }
  if (json && typeof json === 'object' && !Array.isArray(json) && 'profiles' in json) {
    try {
      return importDarkmux(json, lmStudioProvider);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const r = parseUserProfiles(json);
  if (r.errors.length) throw new UsageError(r.errors.join('\n'));
  return { profiles: r.profiles, notes: [] };
}

function targetJson(t: ProfileTarget) {
  return {
    name: t.name,
    builtin: t.builtin,
    description: t.description,
    whenItWins: t.whenItWins,
    primary: { model: t.primary.ref, context: t.primary.context.value, source: t.primary.context.source },
    compactor: t.compactor ? { model: t.compactor.ref, context: t.compactor.context.value, source: t.compactor.context.source } : null,
    budget: { value: t.budget.value, source: t.budget.source },
    compaction: { mode: t.mode?.value ?? null, recentTurnsPreserve: t.recentTurnsPreserve?.value ?? null },
    notes: t.notes,
  };
}

/** The options `profile list|show|apply` take (one set for the three, as always). */
export interface ProfileOptions extends CheckOptions {
  profiles?: string;
  'dry-run'?: boolean;
  yes?: boolean;
  json?: boolean;
}

export async function profileCommand(sub: 'list' | 'show' | 'apply', o: ProfileOptions, positionals: readonly string[], observe: ObserveFn): Promise<number> {
  const name = positionals[0];
  if (sub !== 'list' && !name) throw new UsageError(`profile ${sub} needs a profile NAME`);
  if (sub === 'apply' && !o['dry-run'] && (o.loaded || o.downloaded)) throw new UsageError('apply talks to the real model servers; drop --loaded/--downloaded (or use --dry-run)');

  const first = await observe(o);
  const lmProvider = first.observation.model.providers.find((p) => first.servers.get(p.id)?.kind === 'lmstudio')?.id ?? 'lmstudio';
  const user = readUserProfiles(o.profiles, lmProvider);
  const checked = withUserProfiles(first, user.profiles);
  const { observation: obs, file } = checked;
  const hash = checked.read.hash;
  const { targets, problems, detection: active } = checked.profiles;
  const header = { config: file, openclawVersion: checked.version.known ? formatVersion(obs.version) : null };

  if (sub === 'list') {
    const caveats = profileCaveats(targets, obs.machine.totalMemoryBytes);
    if (o.json) {
      console.log(JSON.stringify({ ...header, active: { name: active.name, drift: active.drift, differences: active.differences }, profiles: targets.map((t) => ({ ...targetJson(t), caveats: caveats.get(t.name) ?? [] })), problems, notes: user.notes }, null, 2));
    } else {
      for (const t of targets) {
        const mark = t.name === active.name ? (active.drift ? '~' : '*') : ' ';
        const c = t.compactor ? `compactor ${fmt(t.compactor.context.value)}` : 'no compactor';
        const said = caveats.get(t.name);
        console.log(`${mark} ${t.name.padEnd(14)} primary ${fmt(t.primary.context.value).padStart(7)}  budget ${fmt(t.budget.value).padStart(7)}  ${c}${t.builtin ? '' : '  (user)'}${said ? `  — ${said.join('; ')}` : ''}`);
      }
      if (active.name === 'custom') console.log('  (the current state matches no profile: custom)');
      if (active.drift) console.log(`~ ${active.name} was applied, but: ${active.differences.map((d) => `${d.what} ${d.actual} (profile: ${d.expected})`).join('; ')}`);
      for (const p of problems) console.error(`note: ${p.name}: ${p.message}`);
      for (const nt of user.notes) console.error(`note: ${nt}`);
    }
    return 0;
  }

  const target = targets.find((t) => t.name === name);
  if (!target) {
    const why = problems.find((p) => p.name === name)?.message;
    throw new UsageError(why ?? `no profile "${name}" (have: ${targets.map((t) => t.name).join(', ')})`);
  }
  const plan = planProfile(target, obs);
  const diff = unifiedDiff({ file, before: plan.before, after: plan.after });

  if (sub === 'show' || o['dry-run']) {
    if (o.json) {
      console.log(JSON.stringify({ ...header, profile: targetJson(target), differences: differences(target, obs), plan: { configChanges: plan.configChanges, actions: plan.actions, unloads: plan.unloadsOperatorModels, warnings: plan.warnings, blocked: plan.blocked ?? null, diff } }, null, 2));
    } else {
      console.log(describePlan(plan).join('\n'));
      if (diff) process.stdout.write('\n' + diff);
    }
    return plan.blocked ? 1 : 0;
  }

  // apply
  if (plan.blocked) {
    console.error(`cannot apply ${target.name}: ${plan.blocked}`);
    return 1;
  }
  if (!o.yes) {
    if (!process.stdin.isTTY) throw new UsageError('apply needs --yes when there is no terminal to confirm in');
    console.log(describePlan(plan).join('\n'));
    if (plan.unloadsOperatorModels.length) console.log(`This unloads models you loaded: ${plan.unloadsOperatorModels.join(', ')}.`);
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    const answer = (await rl.question(`Apply ${target.name}? [y/N] `)).trim().toLowerCase();
    rl.close();
    if (answer !== 'y' && answer !== 'yes') {
      console.log('Nothing was changed.');
      return 1;
    }
  }
  return withCtrlC(undefined, async (signal) => {
    const report = await applyPlan(plan, {
      expectedHash: hash,
      signal,
      lmStudioToken: process.env.LM_API_TOKEN,
      onStep: (m, i, total) => !o.json && console.error(`[${i}/${total}] ${m}`),
      reprobe: () => inspectServers(obs.model.providers, { timeoutMs: 1500, lmStudioToken: process.env.LM_API_TOKEN }),
    });
    if (o.json) console.log(JSON.stringify({ ...header, profile: target.name, ...report }, null, 2));
    else {
      for (const s of report.steps) console.log(s);
      for (const i of report.instructions) console.log(`you: ${i}`);
      if (report.ok) console.log(`${target.name} applied.`);
      else console.error(`${target.name} was not applied: ${report.error}${report.restored ? ' (openclaw.json restored from the backup)' : ''}`);
      if (report.loadedAfter.length) console.log(`loaded now: ${report.loadedAfter.join(', ')}`);
    }
    return report.ok ? 0 : 1;
  });
}

