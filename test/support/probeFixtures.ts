import fs from 'node:fs';
import os from 'node:os';
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
  fs.writeFileSync(path.join(out, `${name}.json`), portable(fs.readFileSync(path.join(dir, newest), 'utf8')));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A record as it is kept in the repository: nothing of the machine that wrote it. The Node binary is `node`, this
 * checkout's files are relative to it, and a test's temp folder is `<tmp>/<its prefix>` (mkdtemp's random suffix dropped).
 */
export function portable(json: string): string {
  return json
    .replaceAll(JSON.stringify(process.execPath), '"node"')
    .replace(new RegExp(`${escape(JSON.stringify(path.resolve('.') + path.sep).slice(1, -1))}`, 'g'), '')
    .replace(new RegExp(`${escape(JSON.stringify(os.tmpdir()).slice(1, -1))}/(lal-[\\w-]*?)-[A-Za-z0-9]{6}(?=[/"])`, 'g'), '<tmp>/$1');
}
