import { proxyNamed, type ProxyDecl } from '../core/lab/layer/proxy.js';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from './support.js';
import { integerOption, labDir } from './args.js';
import { withCtrlC } from './ctrlC.js';
import { LabPreflightError } from '../core/lab/session.js';
import { UnknownProfile, type LabEnv } from '../core/lab/look.js';
import { cliLabEnv, cliReporter, restoreLine } from './labEnv.js';
import { runLabUnderProfiles } from '../core/lab/experiments/labRun.js';
import type { Workload } from '../core/lab/workloadSchema.js';
import { clusterOf, comparisonLines, distinctLabels, reportLines } from '../core/lab/view/report.js';
import { compareSessions, summarizeSession } from '../core/lab/summary.js';
import { classify, SPLIT_CRITERION, summarize } from '../core/lab/stats.js';
import { listSessions, readSession, resolveSessionId, SessionLocked, SessionUnreadable, type DispatchRecord, type Session } from '../core/lab/records/store.js';
import { loadWorkload, resumedPrompt } from '../core/lab/workload.js';
import { loadTimeline, mediansLine, timelineLines, type Timeline } from '../core/lab/timeline/timeline.js';
import { darkmuxTimeline, MAX_DARKMUX_BYTES, NotDarkmux } from '../core/lab/timeline/darkmux.js';
import { readBoundedSync } from '../core/read.js';
import { WorkloadError } from '../core/lab/workloadSchema.js';

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
          tentative: c.tentative,
          fast: c.fast,
          slow: c.slow,
          outliers: c.outliers,
          unclustered: c.unclustered,
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
    if (c.tentative) console.log(`tentative split (n < 6): run more before comparing`);
    console.log(`fast ${c.fastCluster!.n}: mean ${fmt(c.fastCluster!.mean)} (${fmt(c.fastCluster!.min)}–${fmt(c.fastCluster!.max)})`);
    console.log(`slow ${c.slowCluster!.n}: mean ${fmt(c.slowCluster!.mean)} (${fmt(c.slowCluster!.min)}–${fmt(c.slowCluster!.max)})`);
    console.log(`slow rate ${(100 * c.slowRate!.value).toFixed(0)} % (95 % CI ${(100 * c.slowRate!.low).toFixed(0)}–${(100 * c.slowRate!.high).toFixed(0)} %)`);
  } else console.log(c.unclustered.length ? 'no clusters' : 'no fast/slow split');
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
  'no-wire'?: boolean;
  'sample-ms'?: string;
  'wire-bodies'?: boolean;
  proxies?: string;
  proxy?: string;
  timeline?: boolean;
}

const secs = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);

/** Runs (or resumes) a session, under a profile or as things are, with Ctrl-C as cancel: the current dispatch stops, finished ones stay. */
async function execute(o: { root: string; env: LabEnv; json: boolean; profile?: string; keep?: boolean; resume?: Session; workload: Workload; prompt: string; n: number; proxy?: ProxyDecl }): Promise<number> {
  const { json } = o;
  return withCtrlC(json ? undefined : `cancelling: the finished dispatches are kept${o.profile && !o.keep ? ', then the profile from before is restored' : ''}`, async (signal) => {
    const out = await runLabUnderProfiles({
      env: o.env,
      profiles: o.profile ? [o.profile] : [],
      keep: o.keep,
      workload: o.workload,
      prompt: o.prompt,
      n: o.n,
      resume: o.resume,
      ...(o.proxy ? { proxy: o.proxy } : {}),
      root: o.root,
      cwd: process.cwd(),
      signal,
      report: cliReporter(json, o.profile ? `profile ${o.profile}: ` : ''),
      onStart: (i, n) => !json && process.stderr.write(`dispatch ${i + 1}/${n}… `),
      onDispatch: (r) => !json && process.stderr.write(`${secs(r.wallMs)} s${r.completed ? '' : ` (${r.errorKind ?? 'expectations not met'})`}\n`),
    });
    const line = o.profile ? restoreLine(o.profile, out.restore) : undefined;
    if (line) console.error(line);
    const ran = out.arms.find((a) => a.result)?.result;
    // A session id that is not one, or one another process runs: exit 2, as before a lab starts.
    if (out.cause instanceof SessionLocked || out.cause instanceof SessionUnreadable) throw out.cause;
    if (!ran) {
      const why = out.arms.find((a) => a.error)?.error ?? out.error ?? 'the lab did not start';
      const applied = out.arms.find((a) => a.applied)?.applied;
      if (json && o.profile) console.log(JSON.stringify({ profile: o.profile, ...(applied ?? { ok: false, error: why }) }, null, 2));
      console.error(`local-ai-lab: ${o.profile && out.arms.some((a) => a.error) ? `profile ${o.profile} was not applied: ${why}` : why}`);
      return 1;
    }
    report(o.root, ran.session, ran.dispatches, json);
    return ran.session.status === 'complete' && ran.dispatches.every((d) => d.completed) && (out.restore?.ok ?? true) ? 0 : 1;
  });
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** A path, not a session id: session ids never hold a separator or end in .jsonl. */
function looksLikeFile(arg: string): boolean {
  return /[\\/]/.test(arg) || arg.endsWith('.jsonl');
}

function darkmuxFile(file: string): Timeline {
  let bytes: Uint8Array | undefined;
  try {
    bytes = readBoundedSync(file, { maxBytes: MAX_DARKMUX_BYTES });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!bytes) throw new UsageError(`${file}: no such file`);
  try {
    return darkmuxTimeline(Buffer.from(bytes).toString('utf8'), path.basename(file));
  } catch (err) {
    if (err instanceof NotDarkmux) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
}

function report(root: string, session: Session, d: readonly DispatchRecord[], json: boolean): void {
  const t = loadTimeline(root, session.id, { session, dispatches: d });
  if (json) {
    const cluster = clusterOf(d);
    console.log(
      JSON.stringify({ dir: path.join(root, 'runs', session.id), session, dispatches: d.map((r) => ({ ...r, cluster: cluster(r) })), summary: summarizeSession(d), requestMedians: t.medians, anomalies: t.anomalies }, null, 2),
    );
    return;
  }
  const m = mediansLine(t.medians);
  console.log([...reportLines(session, d), ...(m ? [m] : []), ...(t.anomalies.length ? [`anomalies: ${t.anomalies.length} (${[...new Set(t.anomalies.map((a) => a.kind))].join(', ')}): lab show ${session.id} --timeline`] : [])].join('\n'));
}

/** `--proxy NAME`: one of the proxies `--proxies FILE` declares. */
function proxyOption(env: LabEnv, name: string): ProxyDecl {
  try {
    return proxyNamed(env.proxies ?? [], name);
  } catch (err) {
    throw new UsageError(`--proxy: ${(err as Error).message}`);
  }
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
        const env = cliLabEnv(o);
        return await execute({ root, env, json: !!o.json, profile: profileName, keep: !!o['keep-profile'], workload, prompt, n, ...(o.proxy ? { proxy: proxyOption(env, o.proxy) } : {}) });
      }
      case 'resume': {
        if (!positionals[0]) throw new UsageError('lab resume needs a session ID (see lab list)');
        const { session, dispatches } = readSession(root, resolveSessionId(root, positionals[0]));
        // A proxy arm's session resumed direct would mix two transports in one sample.
        if (session.environment.proxy) throw new UsageError(`session ${session.id} ran through the proxy ${session.environment.proxy.name}; resume runs direct, which would mix two transports in one sample: start a new session with lab run --proxy ${session.environment.proxy.name}`);
        if (dispatches.length >= session.repeats) {
          report(root, { ...session, status: 'complete' }, dispatches, !!o.json);
          return 0;
        }
        return await execute({ root, env: cliLabEnv(o, o.config ?? session.environment.configPath ?? undefined), json: !!o.json, resume: session, workload: session.workload, prompt: resumedPrompt(session), n: session.repeats });
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
        // A darkmux telemetry file opens read-only as a timeline (operators keep their history).
        // Without --timeline only an existing file is taken as one: `../x` is still refused as a session id.
        if (looksLikeFile(positionals[0]) && (o.timeline || isFile(positionals[0]))) {
          if (!o.timeline) throw new UsageError(`${positionals[0]}: a file opens as a timeline: add --timeline (lab show FILE --timeline)`);
          const t = darkmuxFile(positionals[0]);
          console.log(o.json ? JSON.stringify(t, null, 2) : timelineLines(t).join('\n'));
          return 0;
        }
        const id = resolveSessionId(root, positionals[0]);
        if (o.timeline) {
          const t = loadTimeline(root, id);
          if (o.json) console.log(JSON.stringify(t, null, 2));
          else console.log(timelineLines(t).join('\n'));
          return 0;
        }
        const { session, dispatches } = readSession(root, id);
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
          for (const [name, s] of [
            [nameA, a],
            [nameB, b],
          ] as const) {
            const m = mediansLine(loadTimeline(root, s.session.id, s).medians);
            if (m) console.log(`${name}: ${m}`);
          }
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
    if (err instanceof WorkloadError || err instanceof UnknownProfile) throw new UsageError(err.message);
    if (err instanceof LabPreflightError) {
      console.error(`local-ai-lab: ${err.message}`);
      return 1;
    }
    throw err;
  }
  return 2;
}
