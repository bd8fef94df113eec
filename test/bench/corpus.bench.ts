import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { parseVersion } from '../../src/core/openclaw/version.js';
import { planMigration } from '../../src/core/migrate/run.js';
import { decisionText } from '../../src/core/migrate/decisions.js';
import { loadStored, storedRepair } from '../support/doctor.js';
import { isolatedEnv, openclawExecutable, validateText } from '../support/openclaw.js';
import { millis } from '../../src/core/units.js';

/**
 * The figure issue #10 asks for, on every real public config in test/fixtures/corpus-real: the share valid after
 * Make Config Valid (OpenClaw's repair from its stored real output, then our validate → fix loop with the live
 * 2026.9.6 validator) against the share valid after `openclaw doctor --repair` alone; comments kept.
 * Writes test/fixtures/corpus-real/MIGRATE.md with LAL_WRITE_REPORT=1. About 10 s a file. LAL_BENCH_CORPUS=0 skips it.
 */
const exe = openclawExecutable();
if (!exe || process.env.LAL_BENCH_CORPUS === '0') {
  console.log('corpus bench: skipped');
  process.exit(0);
}
const CORPUS = path.resolve('test/fixtures/corpus-real');
const V = parseVersion('2026.9.6')!;

(async () => {
  const rows: string[] = [];
  let parse = 0;
  let ours = 0;
  // Not valid, but every rejection left is a decision explained with its choices (src/core/migrate/decisions.ts).
  let explained = 0;
  let doctor = 0;
  let doctorClean = 0;
  let comments = 0;
  let kept = 0;
  // LAL_BENCH_CORPUS_ONLY=010,024 runs those files alone (the figure then covers them only; no report is written).
  const only = process.env.LAL_BENCH_CORPUS_ONLY?.split(',');
  const files = fs.readdirSync(CORPUS).filter((f) => /^\d{3}-.*\.json5?$/.test(f) && (!only || only.some((o) => f.startsWith(o)))).sort();
  for (const name of files) {
    const stored = loadStored(CORPUS, name);
    const bytes = fs.readFileSync(path.join(CORPUS, name));
    const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
    const doc = parseDocument(name, text);
    if (doc.error || !stored) {
      rows.push(`| ${name} | does not parse | does not parse (left untouched) | 0 |`);
      continue;
    }
    parse++;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-cb-'));
    const file = path.join(dir, 'openclaw.json');
    fs.writeFileSync(file, bytes);
    const t0 = Date.now();
    const plan = await planMigration(file, bytes, { executable: exe, version: V, installed: V, timeoutMs: millis(120_000), repair: storedRepair(stored) });
    const side = plan.removed.map((r) => r.text).join('\n');
    const cs = doc.comments.map(([a, b]) => text.slice(a, b));
    comments += cs.length;
    kept += cs.filter((c) => plan.after.includes(c) || side.includes(c)).length;
    const isExplained = !plan.valid && !plan.refused && plan.remaining.length > 0 && plan.remaining.every((r) => r.decision);
    if (plan.valid) ours++;
    if (isExplained) explained++;
    if (stored.validateAfter.valid) doctor++;
    // Doctor's own validation ran in its home, where a pending plugin settings upgrade can defer checks; judged
    // like ours, in a clean home, its tree may not pass.
    const doctorTree = stored.unblocked?.repaired ?? stored.repaired;
    const clean = stored.validateAfter.valid ? (await validateText(exe, JSON.stringify(doctorTree, null, 2), { ...process.env, ...isolatedEnv() })).valid : false;
    if (clean) doctorClean++;
    const left = plan.remaining.map((r) => `${r.path}: ${r.decision ? `decide (${r.decision.kind}): ` : ''}${r.message.slice(0, 70)}`).join('; ');
    rows.push(`| ${name} | ${stored.validateAfter.valid ? (clean ? 'valid' : 'valid in its home; invalid in a clean one') : 'invalid'} | ${plan.valid ? 'valid' : `${isExplained ? 'explained' : 'invalid'}: ${left.replace(/\|/g, '\\|')}`} | ${plan.changes.length} |`);
    for (const r of plan.remaining) process.stderr.write(`  ${r.path}: ${r.message}\n    ${r.decision ? `${r.decision.kind}: ${decisionText(r.decision)}` : `NOT EXPLAINED${r.why ? ` (why: ${r.why})` : ''}`}\n`);
    process.stderr.write(`[corpus] ${name}: doctor ${stored.validateAfter.valid ? 'valid' : 'invalid'}, ours ${plan.valid ? 'valid' : 'invalid'} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
  const pct = (n: number) => `${Math.round((100 * n) / parse)} %`;
  const summary = [
    `Make Config Valid on ${files.length} real public configs (${parse} parse): valid after migrate ${ours}/${parse} (${pct(ours)}), every rejection left an explained decision ${explained}/${parse}, neither ${parse - ours - explained}/${parse} (valid or explained: ${pct(ours + explained)}); after openclaw doctor --repair alone ${doctor}/${parse} (${pct(doctor)}) as doctor judged it, ${doctorClean}/${parse} (${pct(doctorClean)}) judged like ours in a clean home; comments kept ${kept}/${comments}`,
  ];
  console.log(summary[0]);
  if (process.env.LAL_WRITE_REPORT === '1' && !only) {
    const md = [
      '# Make Config Valid on the real corpus, judged by OpenClaw 2026.9.6',
      '',
      'Generated by `LAL_WRITE_REPORT=1 npm run bench` (test/bench/corpus.bench.ts); do not edit by hand. OpenClaw\'s repair is',
      'its real `doctor --fix` output stored in `doctor/*.json` (scripts/corpus-doctor.mjs); the validator runs live.',
      '',
      summary[0]!,
      '',
      '| file | after doctor --repair | after Make Config Valid | changes |',
      '|---|---|---|---|',
      ...rows,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(CORPUS, 'MIGRATE.md'), md);
  }
})();
