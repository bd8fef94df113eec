import { UsageError } from './support.js';
import { checkFromArgs, integerOption, labDir, type CheckOptions } from './options.js';
import { DEFAULT_PROVE_WORKLOAD, planProve, ProveError } from '../core/lab/experiments/prove.js';
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

/** `lab prove RULE`: the paired lab that measures a finding's preferred fix on this machine (README, "lab prove"). */
export async function labProve(o: ProveOptions, positionals: readonly string[]): Promise<number> {
  if (positionals.length !== 1) throw new UsageError();
  const n = integerOption('-n', o.n, { max: 1000, fallback: 6 });
  try {
    loadWorkload(o.workload ?? DEFAULT_PROVE_WORKLOAD, labDir(o));
  } catch (err) {
    if (err instanceof WorkloadError) throw new UsageError(err.message);
    throw err;
  }
  const checked = await checkFromArgs(o);
  if (checked.read.doc.error) throw new UsageError(`${checked.file}: the file does not parse as JSON5 (${checked.read.doc.error.message}); fix the syntax first`);
  let plan;
  try {
    plan = planProve(checked.findings, { rule: positionals[0]!, path: o.path, workload: o.workload, n });
  } catch (err) {
    if (!(err instanceof ProveError)) throw err;
    if (err.kind === 'usage') throw new UsageError(err.message);
    console.error(`local-ai-lab: ${err.message}`);
    return 1;
  }
  if (!o['dry-run']) {
    // The measured run (borrow, interleaved arms, restore, stored evidence) is not built yet: say so rather than pretend.
    console.error('local-ai-lab: lab prove runs with --dry-run only in this version: it prints the arms it would measure');
    return 2;
  }
  if (o.json) console.log(JSON.stringify(plan, null, 2));
  else {
    console.log(`prove ${plan.rule} at ${plan.path}: ${plan.workload} × ${plan.n} per arm, arms interleaved`);
    console.log(`  as-is  the config as it is`);
    console.log(`  fix    ${plan.fix} (${plan.arms[1].edits.length} edit${plan.arms[1].edits.length === 1 ? '' : 's'})`);
  }
  return 0;
}
