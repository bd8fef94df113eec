import fs from 'node:fs';
import path from 'node:path';

/**
 * The Lab panel's probe views are tested on records real probe runs wrote (test/fixtures/probes, MANIFEST.md).
 * `node scripts/fixture-probes.mjs` runs the slow real-OpenClaw probe tests with LAL_WRITE_PROBE_FIXTURES set; each
 * case that keeps its record calls this after its assertions passed, so a fixture is always a record that was judged.
 */
export function keepProbeFixture(lab: string, name: string): void {
  const out = process.env.LAL_WRITE_PROBE_FIXTURES;
  if (!out) return;
  const dir = path.join(lab, 'probes');
  const newest = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().pop();
  if (!newest) throw new Error(`no probe record in ${dir}`);
  fs.mkdirSync(out, { recursive: true });
  fs.copyFileSync(path.join(dir, newest), path.join(out, `${name}.json`));
}
