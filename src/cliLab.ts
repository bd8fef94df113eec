import { parseArgs } from 'node:util';
import { UsageError } from './core/cliSupport.js';
import { classify, SPLIT_CRITERION, summarize } from './core/lab/stats.js';

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(3).replace(/\.?0+$/, ''));

/** `lab stats [--json] SECONDS...`: the lab's own classification, for scripts and checks. */
export function labStats(argv: string[]): number {
  const { values: o, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { json: { type: 'boolean' } } });
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
  for (const w of c.warnings) console.log(`note: ${w}`);
  return 0;
}

export async function labCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'stats':
      return labStats(rest);
    default:
      throw new UsageError('usage: local-ai-lab lab stats [--json] SECONDS...');
  }
}
