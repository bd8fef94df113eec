import path from 'node:path';
import { UsageError } from './support.js';
import { configPath, integerOption, labDir } from './options.js';
import { withCtrlC } from './ctrlC.js';
import { runSession } from '../core/lab/dispatch/runner.js';
import { clusterOf, comparisonLines, distinctLabels, reportLines } from '../core/lab/view/report.js';
import { compareSessions, resolveTransport, dispatcherFor, environmentSnapshot, LabPreflightError, newSession, openAiTarget, preflight, summarizeSession } from '../core/lab/session.js';
import { classify, SPLIT_CRITERION, summarize } from '../core/lab/stats.js';
import { listSessions, newSessionId, readSession, resolveSessionId, SessionLocked, SessionUnreadable, type DispatchRecord, type Session } from '../core/lab/records/store.js';
import { loadWorkload } from '../core/lab/workload.js';
import { WorkloadError } from '../core/lab/workloadSchema.js';
import { checkConfigFile, inspectServers, withUserProfiles } from '../core/sources.js';
import type { ProfileDef } from '../core/profiles/types.js';
import { readUserProfiles } from './profile.js';
import { readProfileState } from '../core/profiles/state.js';
import { applyPlan } from '../core/profiles/apply.js';
import { sha256 } from '../core/fsutil.js';
import { restoreSnapshot, takeSnapshot, type Snapshot } from '../core/lab/experiments/sweepRun.js';
import { planProfile } from '../core/profiles/plan.js';

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(3).replace(/\.?0+$/, ''));

/** `lab stats [--json] SECONDS...`: the lab's own classification, for scripts and checks. */
export function labStats(o: { json?: boolean }, positionals: readonly string[]): number {
  if (positionals.length === 0) throw new UsageError('lab stats needs durations in seconds, e.g. lab stats 198 606 197 276 218 939');
  const values = positionals.map((p) => {
    const x = Number(p);
    if (!Number.isFinite(x) || x < 0 || p.trim() === '') throw new UsageError(`lab stats: "${p}" is not a duration in seconds`);
    return x;
  });
  const s = summarize(values)!;
  const c = classify(values);
  if (o.json) {
    console.log(
      JSON.stringify(
        {
          n: s.n,
          median: s.median,
          mean: s.mean,
          sd: s.sd,
          min: s.min,
          max: s.max,
          p10: s.p10,
          p90: s.p90,
          iqr: s.iqr,
          split: c.split,
          fast: c.fast,
          slow: c.slow,
          outliers: c.outliers,
          clusters: c.split ? { fast: c.fastCluster, slow: c.slowCluster } : null,
          slowRate: c.slowRate ?? null,
          warnings: c.warnings,
          criterion: SPLIT_CRITERION,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  console.log(`n ${s.n}  median ${fmt(s.median)}  mean ${fmt(s.mean)}  sd ${fmt(s.sd)}  min ${fmt(s.min)}  max ${fmt(s.max)}  p10 ${fmt(s.p10)}  p90 ${fmt(s.p90)}  IQR ${fmt(s.iqr)}`);
  if (c.split) {
    console.log(`fast ${c.fastCluster!.n}: mean ${fmt(c.fastCluster!.mean)} (${fmt(c.fastCluster!.min)}–${fmt(c.fastCluster!.max)})`);
    console.log(`slow ${c.slowCluster!.n}: mean ${fmt(c.slowCluster!.mean)} (${fmt(c.slowCluster!.min)}–${fmt(c.slowCluster!.max)})`);
    console.log(`slow rate ${(100 * c.slowRate!.value).toFixed(0)} % (95 % CI ${(100 * c.slowRate!.low).toFixed(0)}–${(100 * c.slowRate!.high).toFixed(0)} %)`);
  } else console.log('no fast/slow split');
  if (c.outliers.length) console.log(`outlier: ${c.outliers.map(fmt).join(', ')}`);
  for (const w of c.warnings) console.log(`note: ${w}`);
  return 0;
}

/** The options `lab run|resume|list|show|compare` take (one set for the five, as always). */
export interface LabOptions {
  dir?: string;
  config?: string;
  n?: string;
  profile?: string;
  profiles?: string;
  openclaw?: string;
  json?: boolean;
  'allow-hosted'?: boolean;
  'allow-any-prompt-file'?: boolean;
  'keep-profile'?: boolean;
}

/** The lab's look at the config and the servers: the same pipeline as `check`, probing live servers. */
async function observe(configOpt: string | undefined, openclaw?: string, userProfiles?: readonly ProfileDef[]) {
  const file = configPath({ config: configOpt });
  const c = await checkConfigFile({ configPath: file, openclaw, servers: { probe: { timeoutMs: 1500, lmStudioToken: process.env.LM_API_TOKEN } }, userProfiles });
  // The bytes the observation was parsed from: a plan's expected hash must match what it was made from.
  return { obs: c.observation, file, bytes: c.read.bytes, checked: c };
}

/**
 * `--profile P` (or the workload's profile): applied before the first dispatch, as `profile apply P --yes` would.
 * Returns what was in force before (config bytes, recorded profile, LM Studio loads), to restore afterwards.
 */
export async function applyProfileFirst(name: string, o: { config?: string; openclaw?: string; profiles?: string; json?: boolean }): Promise<{ before: Snapshot; profileBefore: string | undefined } | undefined> {
  const first = await observe(o.config, o.openclaw);
  const before = takeSnapshot(first.file, first.bytes, first.checked.servers);
  const profileBefore = readProfileState(first.file)?.profile;
  const lmProvider = first.obs.model.providers.find((p) => first.checked.servers.get(p.id)?.kind === 'lmstudio')?.id ?? 'lmstudio';
  // The user's own profiles count here as they do for `profile apply` and in the editor.
  const checked = withUserProfiles(first.checked, readUserProfiles(o.profiles, lmProvider).profiles);
  const target = checked.profiles.targets.find((t) => t.name === name);
  if (!target) throw new UsageError(checked.profiles.problems.find((p) => p.name === name)?.message ?? `no profile "${name}" (have: ${checked.profiles.targets.map((t) => t.name).join(', ')})`);
  const plan = planProfile(target, checked.observation);
  const report = await applyPlan(plan, {
    expectedHash: checked.read.hash,
    lmStudioToken: process.env.LM_API_TOKEN,
    reprobe: () => inspectServers(checked.observation.model.providers, { timeoutMs: 1500, lmStudioToken: process.env.LM_API_TOKEN }),
  });
  if (!o.json) console.error(report.ok ? `profile ${name} applied${report.loadedAfter.length ? `; loaded: ${report.loadedAfter.join(', ')}` : ''}` : `profile ${name} was not applied: ${report.error}`);
  if (!report.ok && o.json) console.log(JSON.stringify({ profile: name, ...report }, null, 2));
  return report.ok ? { before, profileBefore } : undefined;
}

/** Puts back what was in force before the lab (or a probe: `what`) applied its profile; says so on stderr (stdout stays the JSON). */
export async function restoreAfterLab(applied: { before: Snapshot }, name: string, configHashAfterApply: string, what = 'the lab'): Promise<boolean> {
  const r = await restoreSnapshot(applied.before, {
    what,
    lastWrittenHash: configHashAfterApply,
    lmStudioToken: process.env.LM_API_TOKEN,
    reprobe: async () => (await observe(applied.before.file)).checked.servers,
  });
  console.error(r.ok ? `profile ${name}: the state from before ${what} is back${r.configRestored ? ' (openclaw.json restored)' : ''}` : `profile ${name}: not restored: ${r.error}`);
  return r.ok;
}

const secs = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);

/** Runs (or resumes) a session with Ctrl-C as cancel: the current dispatch stops, finished ones stay. */
async function execute(root: string, session: Session, json: boolean, config: string | undefined, openclaw: string | undefined, allowHosted: boolean): Promise<number> {
  const { obs, file } = await observe(config ?? session.environment.configPath ?? undefined, openclaw);
  const target = openAiTarget(obs, session.workload, { allowHosted });
  // OpenClaw retries an unreachable server for ~90 s; this says what to start in about two.
  await preflight(target.baseUrl);
  return withCtrlC(json ? undefined : 'cancelling: the finished dispatches are kept', async (signal) => {
    const { session: s, dispatches } = await runSession({
      root,
      session,
      dispatcher: dispatcherFor(session.workload, session.prompt, target, { sessionId: session.id, configPath: file, openclawExecutable: openclaw ?? 'openclaw', transport: await resolveTransport(session.workload, obs) }),
      signal,
      cwd: process.cwd(),
      onStart: (i, n) => !json && process.stderr.write(`dispatch ${i + 1}/${n}… `),
      onDispatch: (r) => !json && process.stderr.write(`${secs(r.wallMs)} s${r.completed ? '' : ` (${r.errorKind ?? 'expectations not met'})`}\n`),
    });
    report(root, s, dispatches, json);
    return s.status === 'complete' && dispatches.every((d) => d.completed) ? 0 : 1;
  });
}

function report(root: string, session: Session, d: readonly DispatchRecord[], json: boolean): void {
  if (json) {
    const cluster = clusterOf(d);
    console.log(JSON.stringify({ dir: path.join(root, 'runs', session.id), session, dispatches: d.map((r) => ({ ...r, cluster: cluster(r) })), summary: summarizeSession(d) }, null, 2));
    return;
  }
  console.log(reportLines(session, d).join('\n'));
}

export async function labCommand(sub: 'run' | 'resume' | 'list' | 'show' | 'compare', o: LabOptions, positionals: readonly string[]): Promise<number> {
  const root = labDir(o);
  try {
    switch (sub) {
      case 'run': {
        if (!positionals[0]) throw new UsageError('lab run needs a WORKLOAD (a name, or a path to a workload .json)');
        const { workload, prompt } = loadWorkload(positionals[0], root, { roots: [process.cwd()], allowAnyPromptFile: !!o['allow-any-prompt-file'] });
        const n = integerOption('-n', o.n, { max: 1000, fallback: workload.repeats });
        const profileName = o.profile ?? workload.profile;
        const applied = profileName ? await applyProfileFirst(profileName, o) : undefined;
        if (profileName && !applied) return 1;
        const { obs, bytes } = await observe(o.config, o.openclaw);
        try {
          const target = openAiTarget(obs, workload, { allowHosted: !!o['allow-hosted'] });
          // The session records both: the profile it ran under, and the one in force before.
          const env = { ...environmentSnapshot(obs, bytes, profileName ?? readProfileState(obs.config.doc.file)?.profile, target.baseUrl, target.ref), ...(applied ? { profileBefore: applied.profileBefore ?? null } : {}) };
          const session = newSession(newSessionId(workload.name), workload, prompt, n, env);
          return await execute(root, session, !!o.json, o.config, o.openclaw, !!o['allow-hosted']);
        } finally {
          // Also after a failure or Ctrl-C: the lab borrowed the profile for its run.
          if (applied && !o['keep-profile']) await restoreAfterLab(applied, profileName!, sha256(bytes));
        }
      }
      case 'resume': {
        if (!positionals[0]) throw new UsageError('lab resume needs a session ID (see lab list)');
        const { session, dispatches } = readSession(root, resolveSessionId(root, positionals[0]));
        if (dispatches.length >= session.repeats) {
          report(root, { ...session, status: 'complete' }, dispatches, !!o.json);
          return 0;
        }
        return await execute(root, session, !!o.json, o.config, o.openclaw, !!o['allow-hosted']);
      }
      case 'list': {
        const all = listSessions(root);
        if (o.json) console.log(JSON.stringify(all.map((s) => ({ id: s.session.id, workload: s.session.workload.name, status: s.session.status, done: s.dispatches.length, repeats: s.session.repeats, median: summarizeSession(s.dispatches).seconds?.median ?? null })), null, 2));
        else if (!all.length) console.log(`no lab sessions in ${path.join(root, 'runs')}`);
        else for (const s of all) console.log(`${s.session.id}  ${s.session.workload.name.padEnd(14)} ${s.session.status.padEnd(9)} ${s.dispatches.length}/${s.session.repeats}  median ${summarizeSession(s.dispatches).seconds?.median.toFixed(2) ?? '—'} s`);
        return 0;
      }
      case 'show': {
        if (!positionals[0]) throw new UsageError('lab show needs a session ID');
        const { session, dispatches } = readSession(root, resolveSessionId(root, positionals[0]));
        report(root, session, dispatches, !!o.json);
        return 0;
      }
      case 'compare': {
        if (positionals.length !== 2) throw new UsageError('lab compare needs two session IDs');
        const a = readSession(root, resolveSessionId(root, positionals[0]!));
        const b = readSession(root, resolveSessionId(root, positionals[1]!));
        const c = compareSessions(a.dispatches, b.dispatches);
        const [nameA, nameB] = distinctLabels([a.session, b.session]) as [string, string];
        if (o.json) console.log(JSON.stringify({ sessions: { a: a.session.id, b: b.session.id }, labels: { a: nameA, b: nameB }, ...c }, null, 2));
        else {
          console.log(`A: ${nameA}  (${a.session.id})`);
          console.log(`B: ${nameB}  (${b.session.id})`);
          for (const l of comparisonLines(c, nameA, nameB, { a: a.session.environment.compactionThreshold, b: b.session.environment.compactionThreshold })) console.log(`${l.label}: ${l.value}`);
        }
        return 0;
      }
    }
  } catch (err) {
    // One line, exit 2: a session id that is not one, a session that is not there, or one another process runs.
    if (err instanceof SessionUnreadable || err instanceof SessionLocked) {
      console.error(`local-ai-lab: ${err.message}`);
      return 2;
    }
    if (err instanceof WorkloadError) throw new UsageError(err.message);
    if (err instanceof LabPreflightError) {
      console.error(`local-ai-lab: ${err.message}`);
      return 1;
    }
    throw err;
  }
  return 2;
}
