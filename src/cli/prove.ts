import { UsageError } from './support.js';
import { checkFromArgs, integerOption, labDir, type CheckOptions } from './args.js';
import { withCtrlC } from './ctrlC.js';
import { cliLabEnv, cliReporter } from './labEnv.js';
import { defaultProveWorkload, evidenceFile, planProve, ProveError, runProve } from '../core/lab/experiments/prove.js';
import { comparisonLines } from '../core/lab/view/report.js';
import { loadWorkload } from '../core/lab/workload.js';
import { WorkloadError } from '../core/lab/workloadSchema.js';

/** The options `lab prove` takes. */
export interface ProveOptions extends CheckOptions {
  path?: string;
  dir?: string;
  n?: string;
  workload?: string;
  'dry-run'?: boolean;
  json?: boolean;
}

const secs = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);

/** A ProveError as the CLI says it: a call to correct is a usage error (exit 2); nothing to prove is exit 1. */
function said(err: unknown): number {
  if (!(err instanceof ProveError)) throw err;
  if (err.kind === 'usage') throw new UsageError(err.message);
  console.error(`local-ai-lab: ${err.message}`);
  return 1;
}

/** `lab prove RULE`: the paired lab that measures a finding's preferred fix on this machine (README, "Command line"). */
export async function labProve(o: ProveOptions, positionals: readonly string[]): Promise<number> {
  if (positionals.length !== 1) throw new UsageError();
  const rule = positionals[0]!;
  const n = integerOption('-n', o.n, { max: 1000, fallback: 6 });
  const root = labDir(o);
  let loaded;
  try {
    loaded = loadWorkload(o.workload ?? defaultProveWorkload(rule), root, { roots: [process.cwd()] });
  } catch (err) {
    if (err instanceof WorkloadError) throw new UsageError(err.message);
    throw err;
  }
  if (o['dry-run']) {
    const checked = await checkFromArgs(o);
    if (checked.read.doc.error) throw new UsageError(`${checked.file}: the file does not parse as JSON5 (${checked.read.doc.error.message}); fix the syntax first`);
    let plan;
    try {
      plan = planProve(checked.findings, { rule, path: o.path, workload: o.workload, n });
    } catch (err) {
      return said(err);
    }
    if (o.json) console.log(JSON.stringify(plan, null, 2));
    else {
      console.log(`prove ${plan.rule} at ${plan.path}: ${plan.workload} × ${plan.n} per arm, ${plan.interleaved ? 'arms interleaved dispatch by dispatch' : 'one arm after the other (the fix acts on a server)'}`);
      console.log(`  as-is  the config as it is`);
      console.log(`  fix    ${plan.fix} (${plan.arms[1].edits.length} edit${plan.arms[1].edits.length === 1 ? '' : 's'})`);
    }
    return 0;
  }
  if (o.loaded || o.downloaded) throw new UsageError('a proof talks to the real model servers; drop --loaded/--downloaded (or use --dry-run)');
  const json = !!o.json;
  return withCtrlC(json ? undefined : 'cancelling: the finished dispatches are kept, then the state from before is restored', async (signal) => {
    let out;
    try {
      out = await runProve({
        env: cliLabEnv(o),
        rule,
        path: o.path,
        workload: loaded.workload,
        prompt: loaded.prompt,
        n,
        root,
        cwd: process.cwd(),
        signal,
        report: cliReporter(json, 'prove: '),
        onStart: (i) => !json && process.stderr.write(`dispatch ${i + 1}/${n}… `),
        onDispatch: (r) => !json && process.stderr.write(`${secs(r.wallMs)} s${r.completed ? '' : ` (${r.errorKind ?? 'expectations not met'})`}\n`),
      });
    } catch (err) {
      return said(err);
    }
    const { plan, outcome, comparison, evidence } = out;
    const [a, b] = [out.asIs, out.fix];
    const sessions = { asIs: a?.session.id ?? null, fix: b?.session.id ?? null };
    if (json) console.log(JSON.stringify({ ...plan, sessions, comparison: comparison ?? null, evidence: evidence ?? null, restore: outcome.restore ?? null, status: outcome.status }, null, 2));
    else if (comparison) {
      console.log(`prove ${plan.rule}: ${plan.fix}`);
      for (const l of comparisonLines(comparison, 'as-is', 'fix', { a: a!.session.environment.compactionThreshold, b: b!.session.environment.compactionThreshold })) console.log(`${l.label}: ${l.value}`);
      console.log(`measured here on ${evidence!.measuredAt.slice(0, 10)}: stored in ${evidenceFile(root)}`);
    }
    if (outcome.restore) console.error(outcome.restore.ok ? `prove: the state from before the proof is back${outcome.restore.configRestored ? ' (openclaw.json restored)' : ''}` : `prove: not restored: ${outcome.restore.error}`);
    if (!comparison) {
      console.error(`local-ai-lab: ${outcome.arms.find((x) => x.error)?.error ?? outcome.error ?? 'the proof did not finish'}`);
      return 1;
    }
    return outcome.status === 'complete' && (outcome.restore?.ok ?? true) ? 0 : 1;
  });
}
