import { UsageError } from './support.js';
import { checkFromArgs, integerOption, labDir, type CheckOptions } from './args.js';
import { withCtrlC } from './ctrlC.js';
import { readUserProfiles } from './profile.js';
import { cliLabEnv } from './labEnv.js';
import { dryRunJson, parseKnobs, planVariants, sweepTableLines, SweepUsageError, VERDICT_RULES, type SweepPlan } from '../core/lab/experiments/sweep.js';
import { runSweep } from '../core/lab/experiments/sweepRun.js';
import { loadWorkload } from '../core/lab/workload.js';
import { WorkloadError } from '../core/lab/workloadSchema.js';
import { formatVersion } from '../core/openclaw/version.js';
import { withUserProfiles, type CheckedFile } from '../core/sources.js';

/** The options `lab sweep` takes. */
export interface SweepOptions extends CheckOptions {
  base?: string;
  n?: string;
  knobs?: string;
  proxies?: string;
  'dry-run'?: boolean;
  json?: boolean;
  dir?: string;
  profiles?: string;
  'allow-hosted'?: boolean;
  'allow-any-prompt-file'?: boolean;
  'no-wire'?: boolean;
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

function planFrom(c: CheckedFile, baseName: string, knobsText: string | undefined, proxies: readonly string[]): SweepPlan {
  const base = c.profiles.targets.find((t) => t.name === baseName);
  if (!base) throw new UsageError(c.profiles.problems.find((p) => p.name === baseName)?.message ?? `no profile "${baseName}" (have: ${c.profiles.targets.map((t) => t.name).join(', ')})`);
  const knobs = parseKnobs(knobsText);
  // `--knobs compactor` named explicitly: the operators' compactor comparison (no compactor / a small one × both modes).
  return planVariants(base, c.observation, knobs, { compactorGrid: knobs?.includes('compactor') ?? false, proxies });
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
    const plan = planFrom(first, o.base, o.knobs, (o.proxies ? cliLabEnv(o).proxies ?? [] : []).map((p) => p.name));
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
  return withCtrlC(json ? undefined : 'cancelling: the current dispatch stops, then the profile from before is restored', async (signal) => {
    const { id, outcome, rows } = await runSweep({
      env: cliLabEnv(o),
      first,
      plan,
      workload,
      prompt,
      n,
      root,
      cwd: process.cwd(),
      signal,
      report: {
        arm: (name, i, total) => {
          const v = plan.variants.find((x) => x.name === name);
          if (!json) console.error(`[${i + 1}/${total}] ${name}${v ? ` (${v.knob}: ${v.from ?? 'none'} → ${v.to ?? 'none'})` : ` (${plan.base.name})`}`);
        },
        step: (m) => !json && console.error(`  ${m}`),
        dispatchStart: (i, total) => !json && process.stderr.write(`  dispatch ${i + 1}/${total}… `),
        dispatchEnd: (d) => !json && process.stderr.write(`${(d.wallMs / 1000).toFixed(2)} s${d.completed ? '' : ` (${d.errorKind ?? 'expectations not met'})`}\n`),
      },
    });
    if (json) {
      const stats = (r: (typeof rows)[number]) => ({
        n: r.figures.n,
        medianSeconds: r.figures.medianSeconds,
        completion: r.figures.completion,
        slowRate: r.figures.slowRate,
        compactions: r.figures.compactions,
        tokensInMedian: r.figures.tokensInMedian,
        ...(r.figures.promptTokensMedian != null ? { promptTokensMedian: r.figures.promptTokensMedian } : {}),
        ...(r.figures.layer ? { layer: r.figures.layer } : {}),
      });
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
