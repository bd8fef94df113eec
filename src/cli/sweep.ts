import { UsageError } from './support.js';
import { checkFromArgs, integerOption, labDir, type CheckOptions } from './options.js';
import { withCtrlC } from './ctrlC.js';
import { readUserProfiles } from './profile.js';
import { dryRunJson, parseKnobs, planArm, planVariants, sweepTableLines, SweepUsageError, VERDICT_RULES, type SweepPlan } from '../core/lab/experiments/sweep.js';
import { restoreSnapshot, runArmSession, runSweep, sweepRecord, sweepRows, takeSnapshot, writeSweepRecord, type Arm, type ArmResult } from '../core/lab/experiments/sweepRun.js';
import { loadWorkload } from '../core/lab/workload.js';
import { WorkloadError } from '../core/lab/workloadSchema.js';
import { newSessionId } from '../core/lab/records/store.js';
import { formatVersion } from '../core/openclaw/version.js';
import { applyPlan } from '../core/profiles/apply.js';
import { inspectServers, withUserProfiles, type CheckedFile } from '../core/sources.js';
import { sha256 } from '../core/fsutil.js';
import { readBoundedSync } from '../core/read.js';

/** The options `lab sweep` takes. */
export interface SweepOptions extends CheckOptions {
  base?: string;
  n?: string;
  knobs?: string;
  'dry-run'?: boolean;
  json?: boolean;
  dir?: string;
  profiles?: string;
  'allow-hosted'?: boolean;
  'allow-any-prompt-file'?: boolean;
}

type Opts = SweepOptions;

/** The same pipeline as `check` and `profile`, with this command line's sources, and the user's profiles. */
async function observe(o: Opts): Promise<CheckedFile> {
  const first = await checkFromArgs(o);
  if (first.read.doc.error) throw new UsageError(`${first.file}: the file does not parse as JSON5 (${first.read.doc.error.message}); fix the syntax first`);
  const lmProvider = first.observation.model.providers.find((p) => first.servers.get(p.id)?.kind === 'lmstudio')?.id ?? 'lmstudio';
  return withUserProfiles(first, readUserProfiles(o.profiles, lmProvider).profiles);
}

const versionOf = (c: CheckedFile) => (c.version.source === 'assumed' ? null : formatVersion(c.version.version));

function planFrom(c: CheckedFile, baseName: string, knobsText: string | undefined): SweepPlan {
  const base = c.profiles.targets.find((t) => t.name === baseName);
  if (!base) throw new UsageError(c.profiles.problems.find((p) => p.name === baseName)?.message ?? `no profile "${baseName}" (have: ${c.profiles.targets.map((t) => t.name).join(', ')})`);
  return planVariants(base, c.observation, parseKnobs(knobsText));
}

/** `lab sweep`: the isolation sweep (README, "Isolation sweep"). */
export async function labSweep(o: SweepOptions, positionals: readonly string[]): Promise<number> {
  // No WORKLOAD or no --base: the usage line says both.
  if (positionals.length !== 1 || !o.base) throw new UsageError();
  const n = integerOption('-n', o.n, { max: 1000, fallback: 6 });
  if (!o['dry-run'] && (o.loaded || o.downloaded)) throw new UsageError('a sweep talks to the real model servers; drop --loaded/--downloaded (or use --dry-run)');
  const root = labDir(o);
  try {
    const first = await observe(o);
    const plan = planFrom(first, o.base, o.knobs);
    const openclawVersion = versionOf(first);
    if (o['dry-run']) {
      if (o.json) console.log(JSON.stringify(dryRunJson(plan, openclawVersion), null, 2));
      else {
        console.log(`sweep from ${plan.base.name} (OpenClaw ${openclawVersion ?? `${formatVersion(first.version.version)}, assumed`}): ${plan.variants.length} variant(s), each run ${n} times after the base`);
        for (const v of plan.variants) console.log(`  ${v.name.padEnd(28)} ${v.knob}: ${v.from ?? 'none'} → ${v.to ?? 'none'}`);
        for (const s of plan.skipped) console.log(`  skipped ${s.knob}: ${s.reason}`);
      }
      return 0;
    }
    const { workload, prompt } = loadWorkload(positionals[0]!, root, { roots: [process.cwd()], allowAnyPromptFile: !!o['allow-any-prompt-file'] });
    if (!plan.variants.length) {
      console.error(`local-ai-lab: nothing to sweep: ${plan.skipped.map((s) => `${s.knob} (${s.reason})`).join('; ') || 'no knobs'}`);
      return 1;
    }
    return await runCliSweep({ first, plan, workload, prompt, n, root, openclawVersion, o });
  } catch (err) {
    if (err instanceof SweepUsageError || err instanceof WorkloadError) throw new UsageError(err.message);
    throw err;
  }
}

async function runCliSweep(x: {
  first: CheckedFile;
  plan: SweepPlan;
  workload: ReturnType<typeof loadWorkload>['workload'];
  prompt: string;
  n: number;
  root: string;
  openclawVersion: string | null;
  o: Opts & { json?: boolean; 'allow-hosted'?: boolean };
}): Promise<number> {
  const { first, plan, workload, prompt, n, root, o } = x;
  const json = !!o.json;
  const file = first.file;
  const snapshot = takeSnapshot(file, first.read.bytes, first.servers);
  const id = newSessionId(`sweep-${workload.name}`);
  const startedAt = new Date().toISOString();
  const touched = new Set<string>();
  let lastWrittenHash: string | undefined;
  const arms: ArmResult[] = [];
  const record = (status: 'running' | 'complete' | 'cancelled' | 'failed', a: readonly ArmResult[]) => writeSweepRecord(root, sweepRecord(id, workload.name, plan, x.openclawVersion, n, startedAt, status, a));
  record('running', arms);

  const reprobe = () => inspectServers(first.observation.model.providers, { timeoutMs: 1500, lmStudioToken: process.env.LM_API_TOKEN });
  return withCtrlC(json ? undefined : 'cancelling: the current dispatch stops, then the profile from before is restored', async (signal) => {
    const outcome = await runSweep(
      plan,
      {
        onArm: (arm, i, total) => !json && console.error(`[${i + 1}/${total}] ${arm.name}${arm.variant ? ` (${arm.variant.knob}: ${arm.variant.from ?? 'none'} → ${arm.variant.to ?? 'none'})` : ` (${plan.base.name})`}`),
        apply: async (arm: Arm, signal) => {
          const now = await observe(o);
          const armPlan = planArm(arm.variant?.target ?? plan.base, now.observation, arm.variant?.unset);
          if (armPlan.blocked) return { ok: false, error: armPlan.blocked };
          for (const a of armPlan.actions) if (a.kind === 'load') touched.add(a.modelKey);
          const r = await applyPlan(armPlan, { expectedHash: now.read.hash, signal, lmStudioToken: process.env.LM_API_TOKEN, reprobe });
          const after = readBoundedSync(file);
          if (after) lastWrittenHash = sha256(after);
          if (!json) for (const s of r.steps) console.error(`  ${s}`);
          return r.ok ? { ok: true } : { ok: false, error: r.error };
        },
        run: async (arm, signal) => {
          const now = await observe(o);
          const r = await runArmSession({
            observation: now.observation,
            bytes: now.read.bytes,
            workload,
            prompt,
            n,
            arm,
            baseName: plan.base.name,
            sweepId: id,
            root,
            configPath: file,
            openclawExecutable: o.openclaw ?? 'openclaw',
            allowHosted: !!o['allow-hosted'],
            signal,
            cwd: process.cwd(),
            onStart: (i, total) => !json && process.stderr.write(`  dispatch ${i + 1}/${total}… `),
            onDispatch: (d) => !json && process.stderr.write(`${(d.wallMs / 1000).toFixed(2)} s${d.completed ? '' : ` (${d.errorKind ?? 'expectations not met'})`}\n`),
          });
          arms.push({ arm, session: r.session, dispatches: r.dispatches });
          record('running', arms);
          return r;
        },
        restore: () => restoreSnapshot(snapshot, { lastWrittenHash, reprobe, touched, lmStudioToken: process.env.LM_API_TOKEN }),
      },
      signal,
    );
    record(outcome.status, outcome.arms);
    const rows = sweepRows(plan, outcome);
    if (json) {
      const stats = (r: (typeof rows)[number]) => ({ n: r.figures.n, medianSeconds: r.figures.medianSeconds, completion: r.figures.completion, slowRate: r.figures.slowRate, compactions: r.figures.compactions, tokensInMedian: r.figures.tokensInMedian });
      const sessionOf = (name: string) => outcome.arms.find((a) => a.arm.name === name)?.session?.id ?? null;
      console.log(
        JSON.stringify(
          {
            ...dryRunJson(plan, x.openclawVersion),
            sweep: id,
            workload: workload.name,
            n,
            status: outcome.status,
            baseSession: sessionOf('base'),
            baseStatistics: stats(rows[0]!),
            variants: rows.slice(1).map((r) => ({
              name: r.name,
              knob: r.knob,
              from: r.from,
              to: r.to,
              session: sessionOf(r.name),
              statistics: stats(r),
              deltaMedianSeconds: r.judgement?.deltaMedian ?? null,
              verdict: r.error ? null : (r.judgement?.verdict ?? null),
              ...(r.judgement?.note ? { note: r.judgement.note } : {}),
              ...(r.error ? { error: r.error } : {}),
            })),
            restored: outcome.restore,
            rules: VERDICT_RULES,
            ...(outcome.error ? { error: outcome.error } : {}),
          },
          null,
          2,
        ),
      );
    } else {
      console.log(`sweep ${id}: ${workload.name} ×${n} from ${plan.base.name}${outcome.status === 'complete' ? '' : ` (${outcome.status})`}`);
      for (const l of sweepTableLines(rows)) console.log(l);
      for (const r of rows) if (r.judgement?.note) console.log(`note: ${r.name}: ${r.judgement.note}`);
      if (outcome.error) console.log(`error: ${outcome.error}`);
      console.log(outcome.restore.ok ? `restored the state from before the sweep${outcome.restore.configRestored ? '' : ' (the config was unchanged)'}` : `NOT restored: ${outcome.restore.error}`);
    }
    return outcome.status === 'complete' && outcome.restore.ok && rows.every((r) => !r.error) ? 0 : 1;
  });
}
