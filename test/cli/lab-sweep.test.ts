import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { backupRow, listBackups, stateDir } from '../../src/core/write/backups.js';
import { readSweepRecord } from '../../src/core/lab/experiments/sweepRun.js';
import { readSession } from '../../src/core/lab/records/store.js';
import { runCli } from '../support/cli.js';
import { lmStudioRoutes, startServer, type Route, type ScriptedServer } from '../support/scriptedServer.js';

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

const V = ['--openclaw-version', '2026.9.6'];

describe('lab sweep --dry-run --json (a real config, captured lms output)', () => {
  it('prints {base, openclawVersion, variants: [{name, knob, from, to}]} and writes nothing', async () => {
    const fixture = path.resolve('test/fixtures/configs/planted.json5');
    const before = fs.readFileSync(fixture);
    const args = ['lab', 'sweep', 'quick-check', '--base', 'mid-range', '--config', fixture, '--loaded', 'test/fixtures/lms/ps.json', '--downloaded', 'test/fixtures/lms/ls.json', ...V, '--dry-run', '--json'];
    const r = await runCli(args);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.base, 'mid-range');
    assert.equal(out.openclawVersion, '2026.9.6');
    assert.ok(out.variants.length >= 3, r.stdout);
    for (const v of out.variants) assert.deepEqual(Object.keys(v), ['name', 'knob', 'from', 'to']);
    // mid-range sets mode "default" and recentTurnsPreserve 5: each pulled to what OpenClaw does unset.
    assert.deepEqual(out.variants.find((v: { knob: string }) => v.knob === 'mode'), { name: 'mode=safeguard', knob: 'mode', from: 'default', to: 'safeguard' });
    assert.deepEqual(out.variants.find((v: { knob: string }) => v.knob === 'recentTurnsPreserve'), { name: 'recentTurnsPreserve=3', knob: 'recentTurnsPreserve', from: 5, to: 3 });
    // The model's maximum from lms ls (262,144) for an 18.6 GB model: proposed where memory holds it, else skipped with why.
    const needs = 18556684928 + 8 * 0.5 * 1024 ** 3;
    const primaryContext = out.variants.find((v: { knob: string }) => v.knob === 'primaryContext');
    if (needs <= 0.8 * os.totalmem()) assert.equal(primaryContext?.to, 262144, r.stdout);
    else assert.match(out.skipped.find((k: { knob: string }) => k.knob === 'primaryContext')?.reason ?? '', /^at the model's maximum \(262,144\) the models would need ~[\d.]+ GB, over 80 % of this machine's \d+ GB$/, r.stdout);
    assert.deepEqual(fs.readFileSync(fixture), before);

    const picked = JSON.parse((await runCli([...args.slice(0, -2), '--knobs', 'recentTurnsPreserve,mode', '--dry-run', '--json'])).stdout);
    assert.deepEqual(picked.variants.map((v: { knob: string }) => v.knob), ['recentTurnsPreserve', 'mode']);
    const bad = await runCli([...args.slice(0, -2), '--knobs', 'reserveTokensFloor', '--dry-run']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown reserveTokensFloor/);
    const noBase = await runCli(['lab', 'sweep', 'quick-check', '--config', fixture, '--dry-run']);
    assert.equal(noBase.status, 2);
  });

  it('--knobs compactor: the compactor comparison — no compactor and a small one, in the mode in force and the other — with the base\'s own cell named', async () => {
    const fixture = path.resolve('test/fixtures/configs/planted.json5');
    // A profile of one's own (a built-in drops its compactor on a machine with little memory: the test must not depend on it).
    const profiles = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-sweep-grid-')), 'profiles.json');
    fs.writeFileSync(profiles, JSON.stringify([{ name: 'tuned', primary: { context: 65536 }, budget: 60000, compactor: { model: 'lmstudio/qwen3-4b-instruct-2507', context: 32768 }, compaction: { mode: 'default' } }]));
    const args = ['lab', 'sweep', 'quick-check', '--base', 'tuned', '--profiles', profiles, '--config', fixture, '--loaded', 'test/fixtures/lms/ps.json', '--downloaded', 'test/fixtures/lms/ls.json', ...V, '--knobs', 'compactor', '--dry-run'];
    const r = await runCli([...args, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.baseArm, 'compactor:qwen3-4b-instruct-2507@default');
    assert.deepEqual(
      out.variants.map((v: { name: string; to: string }) => [v.name, v.to]),
      [
        ['compactor:none@default', 'none@default'],
        ['compactor:none@safeguard', 'none@safeguard'],
        ['compactor:qwen3-4b-instruct-2507@safeguard', 'lmstudio/qwen3-4b-instruct-2507@safeguard'],
      ],
    );
    for (const v of out.variants) {
      assert.deepEqual(Object.keys(v), ['name', 'knob', 'from', 'to']);
      assert.deepEqual([v.knob, v.from], ['compactor', 'lmstudio/qwen3-4b-instruct-2507@default']);
    }
    const text = await runCli(args);
    assert.match(text.stdout, /compactor:none@safeguard\s+compactor: lmstudio\/qwen3-4b-instruct-2507@default → none@safeguard/);
  });
});

/**
 * A scripted LM Studio whose replies depend on the config in force when the request arrives: with
 * `compaction.mode` removed it stops writing its wrap-up (a variant that breaks completion).
 */
async function stack(o: { latencyMs?: number; failLoadAt?: number; onChat?: (count: number) => void; smallPrimary?: boolean } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-sweep-'));
  const config = path.join(dir, 'openclaw.json');
  let chats = 0;
  const routes = lmStudioRoutes({ loadedContext: 32768 });
  // The sweep skips a context this machine's memory cannot hold: a 1 GB primary makes its maximum fit on any test machine.
  if (o.smallPrimary) {
    for (const [k, r] of Object.entries(routes)) {
      if (k.startsWith('POST ')) continue;
      routes[k] = (req) => {
        const x = typeof r === 'function' ? r(req) : r;
        return x && 'json' in x ? { ...x, json: JSON.parse(JSON.stringify(x.json).replaceAll('18556684928', '1000000000')) } : x;
      };
    }
  }
  const load = routes['POST /api/v1/models/load'] as Route;
  const s = await startServer({
    ...routes,
    'POST /api/v1/models/load': (req) => ((req.body as { context_length?: number }).context_length === o.failLoadAt ? { json: { error: { message: 'Failed to load model: insufficient memory' } }, status: 500 } : load(req)),
    'POST /v1/chat/completions': () => {
      o.onChat?.(++chats);
      const inForce = fs.readFileSync(config, 'utf8');
      const wrapUp = /mode:\s*'default'/.test(inForce);
      return { chat: { reply: wrapUp ? 'A context window bounds what the model sees. DONE' : 'A context window bounds what the model sees.', latencyMs: () => o.latencyMs ?? 5 } };
    },
  });
  servers.push(s);
  fs.writeFileSync(
    config,
    `// sweep test stack
{
  models: { providers: { lmstudio: { baseUrl: 'http://127.0.0.1:${s.port}/v1', api: 'openai-completions',
    models: [{ id: 'qwen/qwen3-coder-30b', name: 'Qwen3 Coder 30B', contextWindow: 32768 }] } } },
  agents: { defaults: { model: { primary: 'lmstudio/qwen/qwen3-coder-30b' },
    compaction: { mode: 'default', recentTurnsPreserve: 5 } } }, // tuned by hand
}
`,
  );
  const profiles = path.join(dir, 'profiles.json');
  fs.writeFileSync(profiles, JSON.stringify([{ name: 'tuned', primary: { context: 65536 }, budget: 60000, compactor: null, compaction: { mode: 'default', recentTurnsPreserve: 5 } }]));
  const loadedContext = async () => {
    const r = (await (await fetch(`${s.url}/api/v1/models`)).json()) as { models: { key: string; loaded_instances: { config: { context_length: number } }[] }[] };
    return r.models.find((m) => m.key === 'qwen/qwen3-coder-30b')!.loaded_instances.map((i) => i.config.context_length);
  };
  return { s, dir, config, profiles, before: fs.readFileSync(config), loadedContext, sweepArgs: (knobs: string, n: number) => ['lab', 'sweep', 'quick-check', '--base', 'tuned', '--profiles', profiles, '--config', config, '--dir', path.join(dir, '.local-ai-lab'), '-n', String(n), '--knobs', knobs, ...V, '--json'] };
}

describe('lab sweep against a scripted LM Studio', () => {
  it('three variants end to end: the table, a completion-breaking variant labelled coupled, the profile from before in force after', async () => {
    const t = await stack();
    const r = await runCli(t.sweepArgs('budget,mode,recentTurnsPreserve', 3), { cwd: t.dir });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'complete');
    assert.deepEqual(out.variants.map((v: { name: string }) => v.name), ['budget=65536', 'mode=safeguard', 'recentTurnsPreserve=3']);
    assert.equal(out.baseStatistics.n, 3);
    assert.equal(out.baseStatistics.completion.value, 1);
    const mode = out.variants.find((v: { knob: string }) => v.knob === 'mode');
    assert.equal(mode.verdict, 'coupled');
    assert.equal(mode.statistics.completion.value, 0);
    for (const v of out.variants) {
      assert.ok(['additive', 'coupled', 'no clear effect'].includes(v.verdict), v.verdict);
      assert.ok(v.deltaMedianSeconds && typeof v.deltaMedianSeconds.low === 'number');
      assert.ok(v.session);
    }
    // Restored: the same bytes (comments and all), no profile recorded, the model at its old context.
    assert.equal(out.restored.ok, true);
    assert.deepEqual(fs.readFileSync(t.config), t.before);
    assert.equal(fs.existsSync(path.join(stateDir(t.config), 'profile.json')), false);
    assert.deepEqual(await t.loadedContext(), [32768]);
    const rec = readSweepRecord(path.join(t.dir, '.local-ai-lab'), out.sweep);
    assert.deepEqual(rec.arms.map((a) => [a.name, a.verdict]), [['base', null], ['budget=65536', rec.arms[1]!.verdict], ['mode=safeguard', 'coupled'], ['recentTurnsPreserve=3', rec.arms[3]!.verdict]]);
    // Each arm is an ordinary lab session: its profile label names the arm, its note the sweep.
    const armSession = readSession(path.join(t.dir, '.local-ai-lab'), rec.arms[2]!.session!).session;
    assert.deepEqual([armSession.environment.profile, armSession.note], ['tuned · mode=safeguard', `sweep ${out.sweep}: mode=safeguard`]);
    assert.equal(readSession(path.join(t.dir, '.local-ai-lab'), rec.arms[0]!.session!).session.environment.profile, 'tuned');

    const text = await runCli(t.sweepArgs('mode', 3).filter((a) => a !== '--json'), { cwd: t.dir });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /Variable\s+base → variant\s+Δ median s \(95 % CI\)\s+slow rate\s+completion\s+compactions\s+verdict/);
    assert.match(text.stdout, /mode\s+default → safeguard .* coupled/);
    assert.match(text.stdout, /restored the state from before the sweep/);
    assert.deepEqual(fs.readFileSync(t.config), t.before);
  });

  it('a variant that fails to apply is reported, the others run, and the state from before is restored', async () => {
    const t = await stack({ failLoadAt: 262144, smallPrimary: true });
    const r = await runCli(t.sweepArgs('primaryContext,recentTurnsPreserve', 2), { cwd: t.dir });
    assert.equal(r.status, 1, r.stdout);
    const out = JSON.parse(r.stdout);
    const failed = out.variants.find((v: { knob: string }) => v.knob === 'primaryContext');
    assert.match(failed.error, /did not load qwen\/qwen3-coder-30b at 262,144/);
    assert.equal(failed.verdict, null);
    assert.ok(out.variants.find((v: { knob: string }) => v.knob === 'recentTurnsPreserve').verdict);
    assert.equal(out.restored.ok, true);
    assert.deepEqual(fs.readFileSync(t.config), t.before);
    assert.deepEqual(await t.loadedContext(), [32768]);
  });

  it('Ctrl-C during a variant stops the sweep and restores the state from before', async () => {
    let pid = 0;
    const t = await stack({ latencyMs: 300, onChat: (n) => n === 3 && process.kill(pid, 'SIGINT') });
    const r = await runCli(t.sweepArgs('mode,recentTurnsPreserve', 2), { cwd: t.dir, onSpawn: (p) => (pid = p) });
    assert.equal(r.status, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'cancelled');
    assert.equal(out.restored.ok, true);
    assert.deepEqual(fs.readFileSync(t.config), t.before);
    assert.deepEqual(await t.loadedContext(), [32768]);
    assert.equal(fs.existsSync(path.join(stateDir(t.config), 'profile.json')), false);
  });
});

describe('a sweep stopped by a signal (#27 item 4)', () => {
  for (const sig of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${sig} at a random dispatch restores the state from before, as Ctrl-C does`, async () => {
      let pid = 0;
      const at = 2 + Math.floor(Math.random() * 4);
      const t = await stack({ latencyMs: 200, onChat: (n) => n === at && process.kill(pid, sig) });
      const r = await runCli(t.sweepArgs('mode,recentTurnsPreserve', 2), { cwd: t.dir, onSpawn: (p) => (pid = p) });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(JSON.parse(r.stdout).restored.ok, true);
      assert.deepEqual(fs.readFileSync(t.config), t.before);
      assert.deepEqual(await t.loadedContext(), [32768]);
      assert.equal(fs.existsSync(path.join(stateDir(t.config), 'borrowed.json')), false);
    });
  }

  it('SIGKILL at a random dispatch: the next sweep puts the state from before back first, not the variant', async () => {
    let pid = 0;
    const at = 2 + Math.floor(Math.random() * 4);
    const t = await stack({ latencyMs: 200, onChat: (n) => n === at && process.kill(pid, 'SIGKILL') });
    await runCli(t.sweepArgs('mode,recentTurnsPreserve', 2), { cwd: t.dir, onSpawn: (p) => (pid = p) });
    assert.notDeepEqual(fs.readFileSync(t.config), t.before, 'the killed sweep left a profile or a variant in force');
    const next = await runCli(t.sweepArgs('mode', 1).filter((x) => x !== '--json'), { cwd: t.dir });
    assert.equal(next.status, 0, next.stderr);
    assert.match(next.stderr + next.stdout, /recovered: the sweep, started \S+, was stopped before it restored; the state from before it is back \(openclaw\.json restored\)/);
    assert.deepEqual(fs.readFileSync(t.config), t.before, 'the bytes from before the killed sweep');
    assert.deepEqual(await t.loadedContext(), [32768]);
  });
});

describe('probe codewords --profile: the same apply-and-restore as lab run --profile', () => {
  it('puts back the state from before when the probe ends (here: OpenClaw missing, so it fails at once); --keep-profile keeps it', async () => {
    const t = await stack();
    const args = ['probe', 'codewords', '--profile', 'tuned', '--profiles', t.profiles, '--config', t.config, '--openclaw', path.join(t.dir, 'no-openclaw'), '--dir', path.join(t.dir, '.local-ai-lab'), '--json'];
    const r = await runCli(args, { cwd: t.dir });
    assert.equal(r.status, 1, r.stderr);
    assert.match(JSON.parse(r.stdout).sessions[0].error, /^plant: /);
    assert.ok(t.s.requests.some((q) => q.path === '/api/v1/models/load' && (q.body as { context_length?: number }).context_length === 65536), 'the profile was applied first');
    assert.match(r.stderr, /profile tuned: the state from before the probe is back \(openclaw\.json restored\)/);
    assert.deepEqual(fs.readFileSync(t.config), t.before);
    assert.deepEqual(await t.loadedContext(), [32768]);
    // Restore Backup… tells the experiment's backup from a profile the user switched to (#29 item 9).
    assert.deepEqual(listBackups(t.config).map((b) => backupRow(b).description), ["before the probe's arm tuned", 'before restore after the probe']);
    const kept = await runCli([...args, '--keep-profile'], { cwd: t.dir });
    assert.equal(kept.status, 1, kept.stderr);
    assert.doesNotMatch(kept.stderr, /state from before/);
    assert.notDeepEqual(fs.readFileSync(t.config), t.before);
    assert.deepEqual(await t.loadedContext(), [65536]);
  });
});
