import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { listSweeps, readSweepRecord } from '../../src/core/lab/experiments/sweepRun.js';
import { lmStudioRoutes, startServer, type ScriptedServer } from '../support/scriptedServer.js';

// #27 item 4: a lab that borrowed the config and the servers is stopped by SIGTERM, SIGHUP or SIGKILL at a
// random point of its run; the state from before comes back, at once or at the next run, which says so.
const servers: ScriptedServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setup(o: { loadMs?: number } = {}) {
  const routes = lmStudioRoutes();
  const load = routes['POST /api/v1/models/load'] as (req: { method: string; path: string; body: unknown }) => object;
  if (o.loadMs) routes['POST /api/v1/models/load'] = (req) => ({ ...load(req), delayMs: o.loadMs }) as never;
  const s = await startServer({ ...routes, 'POST /v1/chat/completions': () => ({ chat: { reply: 'A context window limits what the model sees. DONE', latencyMs: () => 400 } }) });
  servers.push(s);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-signals-'));
  const config = path.join(dir, 'openclaw.json');
  fs.writeFileSync(config, `{ models: { providers: { lmstudio: { baseUrl: 'http://127.0.0.1:${s.port}/v1', api: 'openai-completions', models: [{ id: 'qwen/qwen3-coder-30b', name: 'Q', contextWindow: 32768 }] } } }, agents: { defaults: { model: { primary: 'lmstudio/qwen/qwen3-coder-30b' } } } }`);
  const profiles = path.join(dir, 'profiles.json');
  fs.writeFileSync(profiles, JSON.stringify([{ name: 'with-compactor', primary: { context: 40000 }, compactor: { model: 'lmstudio/qwen3-4b-instruct-2507', context: 16384 }, budget: 32000 }]));
  const loadedNow = async () =>
    ((await (await fetch(`${s.url}/api/v1/models`)).json()) as { models: { key: string; loaded_instances: { config: { context_length: number } }[] }[] }).models.flatMap((m) => m.loaded_instances.map((i) => `${m.key}@${i.config.context_length}`)).sort();
  const args = ['lab', 'run', 'quick-check', '-n', '6', '--config', config, '--profile', 'with-compactor', '--profiles', profiles];
  return { s, dir, config, loadedNow, args, before: fs.readFileSync(config, 'utf8') };
}

/** Starts the lab, waits until the profile is in force (the config changed), then a random while more, and signals it. */
async function interrupt(t: Awaited<ReturnType<typeof setup>>, signal: NodeJS.Signals) {
  let pid = 0;
  const running = runCli(t.args, { cwd: t.dir, onSpawn: (p) => (pid = p) });
  const until = Date.now() + 30_000;
  while (fs.readFileSync(t.config, 'utf8') === t.before && Date.now() < until) await sleep(20);
  assert.notEqual(fs.readFileSync(t.config, 'utf8'), t.before, 'the profile was put in force');
  await sleep(Math.random() * 1200);
  process.kill(pid, signal);
  return running;
}

describe('a lab stopped by a signal (#27 item 4)', () => {
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${signal}: the state from before is put back before the process ends`, async () => {
      const t = await setup();
      const before = await t.loadedNow();
      const r = await interrupt(t, signal);
      assert.equal(fs.readFileSync(t.config, 'utf8'), t.before, `openclaw.json restored (${r.stderr.slice(-400)})`);
      assert.deepEqual(await t.loadedNow(), before, 'LM Studio holds what it held before');
      assert.match(r.stderr, /the state from before the lab is back/);
      assert.equal(fs.existsSync(path.join(t.dir, 'local-ai-lab', 'borrowed.json')), false, 'nothing left to recover');
    });
  }

  it("SIGINT while the profile's models load: the state from before is put back, and said", async () => {
    const t = await setup({ loadMs: 1500 });
    const before = await t.loadedNow();
    let pid = 0;
    const running = runCli(t.args, { cwd: t.dir, onSpawn: (p) => (pid = p) });
    const until = Date.now() + 30_000;
    while (!t.s.requests.some((q) => q.path === '/api/v1/models/load') && Date.now() < until) await sleep(20);
    await sleep(Math.random() * 500);
    process.kill(pid, 'SIGINT');
    const r = await running;
    assert.equal(fs.readFileSync(t.config, 'utf8'), t.before, `openclaw.json restored (${r.stderr.slice(-600)})`);
    assert.deepEqual(await t.loadedNow(), before, 'LM Studio holds what it held before');
    assert.match(r.stderr, /the state from before the lab is back/);
  });

  it('SIGKILL: the next run puts the state from before back first, and says so', async () => {
    const t = await setup();
    const before = await t.loadedNow();
    await interrupt(t, 'SIGKILL');
    assert.notEqual(fs.readFileSync(t.config, 'utf8'), t.before, 'a killed lab could not restore');
    const next = await runCli([...t.args.slice(0, 3), '-n', '1', ...t.args.slice(5)], { cwd: t.dir });
    assert.equal(next.status, 0, next.stderr);
    assert.match(next.stderr, /recovered: the lab, started \S+, was stopped before it restored; the state from before it is back \(openclaw\.json restored\)/);
    // Had the next run taken the variant as "the state from before", it would have put the variant back.
    assert.equal(fs.readFileSync(t.config, 'utf8'), t.before, 'openclaw.json as before the killed lab');
    assert.deepEqual(await t.loadedNow(), before, 'LM Studio as before the killed lab');
  });

  it('SIGKILL during a sweep: its record reads "interrupted", not "running" forever; the next lab, even one that borrows nothing, puts the config back first', async () => {
    const t = await setup();
    const args = ['lab', 'sweep', 'quick-check', '--base', 'with-compactor', '--profiles', path.join(t.dir, 'profiles.json'), '--knobs', 'budget', '-n', '3', '--config', t.config];
    let pid = 0;
    const running = runCli(args, { cwd: t.dir, onSpawn: (p) => (pid = p) });
    const sweeps = path.join(t.dir, '.local-ai-lab', 'sweeps');
    const until = Date.now() + 30_000;
    while (!(fs.existsSync(sweeps) && fs.readdirSync(sweeps).some((f) => f.endsWith('.json'))) && Date.now() < until) await sleep(20);
    const file = path.join(sweeps, fs.readdirSync(sweeps).find((f) => f.endsWith('.json'))!);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).status, 'running');
    await sleep(Math.random() * 800);
    process.kill(pid, 'SIGKILL');
    await running;
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).status, 'running', 'a killed process wrote nothing more');
    // Every reader (the Experiments view, the Lab panel, the next sweep's list) reads it through the record folder.
    const id = path.basename(file, '.json');
    assert.equal(readSweepRecord(path.join(t.dir, '.local-ai-lab'), id).status, 'interrupted');
    assert.deepEqual(listSweeps(path.join(t.dir, '.local-ai-lab')).map((r) => r.status), ['interrupted']);
    const next = await runCli(['lab', 'run', 'quick-check', '-n', '1', '--config', t.config], { cwd: t.dir });
    assert.equal(next.status, 0, next.stderr);
    assert.match(next.stderr, /recovered: the sweep, started \S+, was stopped before it restored/);
    assert.equal(fs.readFileSync(t.config, 'utf8'), t.before, 'openclaw.json as before the killed sweep');
  });
});
