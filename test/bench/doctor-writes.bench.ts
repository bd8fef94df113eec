import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument, toValue, type JsonPath } from '../../src/core/openclaw/document.js';
import { privateEnv } from '../../src/core/openclaw/repair.js';
import { dottedPath, leftOut, treeDiff } from '../../src/core/migrate/repairDiff.js';
import { openclawExecutable } from '../support/openclaw.js';

/**
 * Why Make Config Valid reads doctor's repair at its first config write (issue #26): doctor run to its end on each
 * real public config, the config read at its first "Updated config:" and at its end, and what the later writes
 * changed. Two files at a time, ~10 min for the corpus, so only with LAL_BENCH_DOCTOR_WRITES=1
 * (`LAL_BENCH_DOCTOR_WRITES=1 node scripts/bench.mjs --only doctor-writes`; LAL_BENCH_DOCTOR_WRITES=001,009 for some).
 */
const want = process.env.LAL_BENCH_DOCTOR_WRITES;
const exe = openclawExecutable();
if (!want || !exe) {
  console.log(`doctor writes: skipped (${!exe ? 'no OpenClaw in the tool cache' : 'set LAL_BENCH_DOCTOR_WRITES=1'})`);
  process.exit(0);
}
const CORPUS = path.resolve('test/fixtures/corpus-real');
const prefixes = want === '1' ? undefined : want.split(',');
const files = fs.readdirSync(CORPUS).filter((f) => /^\d{3}-.*\.json5?$/.test(f) && (!prefixes || prefixes.some((p) => f.startsWith(p)))).sort();
/** What a later write changed that Make Config Valid would not leave out anyway (applyRepair's own `leftOut`). */
interface Row { name: string; total: number; first?: number; late: string[] }

function one(name: string): Promise<Row> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-dw-'));
  const cfg = path.join(home, '.openclaw', 'openclaw.json');
  fs.mkdirSync(path.dirname(cfg));
  fs.copyFileSync(path.join(CORPUS, name), cfg);
  const t0 = Date.now();
  let first: string | undefined;
  let firstAt: number | undefined;
  let out = '';
  return new Promise((resolve) => {
    const child = spawn(exe!, ['doctor', '--fix', '--non-interactive'], { cwd: home, env: privateEnv(home, cfg, undefined), detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (first === undefined && /Updated config: [^\n]*\n/.test(out)) {
        first = fs.readFileSync(cfg, 'utf8');
        firstAt = Date.now() - t0;
      }
    });
    const cap = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 180_000);
    child.on('exit', () => {
      clearTimeout(cap);
      const total = Date.now() - t0;
      const tree = (t: string) => toValue(parseDocument(cfg, t).root);
      let late: string[] = [];
      if (first !== undefined) {
        const d = treeDiff(tree(first), tree(fs.readFileSync(cfg, 'utf8')));
        // Doctor's bookkeeping, skills switched for the copy's machine, new sections: left out of a plan in any case.
        const kept = (x: { path: JsonPath; value: unknown }) => !leftOut(x.path, x.value as Parameters<typeof leftOut>[1]);
        late = [...d.removed.map((x) => `-${dottedPath(x.path)}`), ...d.added.filter(kept).map((x) => `+${dottedPath(x.path)}`), ...d.rewritten.filter((x) => kept({ path: x.path, value: x.to })).map((x) => `~${dottedPath(x.path)}`)];
      }
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
      fs.rmSync(home, { recursive: true, force: true });
      resolve({ name, total, first: firstAt, late });
    });
  });
}

(async () => {
  const rows: Row[] = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) rows.push(await one(files[next++]!));
  };
  await Promise.all([worker(), worker()]);
  const wrote = rows.filter((r) => r.first !== undefined);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  console.log(`doctor writes on ${rows.length} real public configs (OpenClaw's doctor run to its end, two at a time, load ${os.loadavg()[0]!.toFixed(1)}):`);
  console.log(`  ${wrote.length} wrote the config; their first write came at ${((100 * sum(wrote.map((r) => r.first!))) / sum(wrote.map((r) => r.total))).toFixed(0)} % of the run (${(sum(wrote.map((r) => r.first!)) / 1000).toFixed(0)} of ${(sum(wrote.map((r) => r.total)) / 1000).toFixed(0)} s)`);
  for (const r of wrote.sort((a, b) => a.name.localeCompare(b.name))) if (r.late.length) console.log(`  ${r.name}: after the first write also ${r.late.join(' ')}`);
  console.log(`  later writes only what a plan leaves out anyway (doctor's bookkeeping, skills for the copy's machine) on ${wrote.filter((r) => !r.late.length).length} of ${wrote.length}`);
})();
