import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';
import { runCli } from '../support/cli.js';
import { keepProbeFixture } from '../support/probeFixtures.js';
import { startPrefixCacheServer, type PrefixCacheMode, type PrefixCacheServer } from '../support/prefixCacheServer.js';
import { prefixStabilityProbe, runPrefixStabilityProbe, type PrefixStabilityRecord } from '../../src/core/lab/probes/prefixStability.js';

/**
 * `probe prefix-stability` through the real OpenClaw 2026.9.6 against a scripted llama-server whose one slot keeps
 * an honest prefix cache (test/support/prefixCacheServer.ts): a stable session has no bust; AGENTS.md edited between
 * turns busts at its own Project Context section; a server that reports cache_n 0 though OpenClaw sent the same
 * prefix is "between OpenClaw and the server"; a server that drops its cache when the prompt's date text changes
 * busts on OpenClaw's `## Temporal Context` date when the host time zone moves between turns.
 */
const { exe, skip } = needsOpenclaw();
const servers: PrefixCacheServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function setup(mode: PrefixCacheMode) {
  const s = await startPrefixCacheServer(mode);
  servers.push(s);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-prefix-'));
  const ws = path.join(dir, 'workspace');
  fs.mkdirSync(ws);
  fs.writeFileSync(path.join(ws, 'AGENTS.md'), '# House rules\nRun the tests before you say done.\n');
  const config = path.join(dir, 'openclaw.json');
  fs.writeFileSync(config, JSON.stringify({
    models: { mode: 'merge', providers: { mocklab: { baseUrl: `http://127.0.0.1:${s.port}/v1`, apiKey: 'sk-mock-local', api: 'openai-completions', models: [{ id: 'mock-1', name: 'Mock One', contextWindow: 65536, maxTokens: 1024 }] } } },
    agents: { defaults: { model: { primary: 'mocklab/mock-1' }, workspace: ws, skipBootstrap: true } },
  }));
  return { s, dir, ws, config, lab: path.join(dir, '.local-ai-lab'), env: isolatedEnv() };
}

type Req = PrefixStabilityRecord['result'] extends infer R ? (R extends { requests: (infer Q)[] } ? Q : never) : never;
const models = (r: PrefixStabilityRecord) => (r.result?.requests ?? []).filter((q: Req) => q.kind === 'model');

describe('probe prefix-stability through the real OpenClaw 2026.9.6 and a scripted llama-server', { skip }, () => {
  it('a stable session: every request reuses the previous prefix, 0 busts (exit 0)', async () => {
    const t = await setup('honest');
    const r = await runCli(['probe', 'prefix-stability', '--config', t.config, '--openclaw', exe!, '--turns', '3', '--dir', t.lab, '--json'], { env: t.env });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const rec = JSON.parse(r.stdout) as PrefixStabilityRecord;
    assert.equal(rec.kind, 'prefix-stability');
    assert.equal(rec.result!.busts, 0, JSON.stringify(rec.result, null, 1));
    assert.equal(rec.result!.tone, 'good');
    const q = models(rec);
    assert.equal(q.length, 3, 'one model request per turn');
    assert.ok(q.every((x: Req) => x.counter === 'llama.cpp timings.cache_n'));
    assert.ok(q.slice(1).every((x: Req) => x.cachedTokens! > 0.9 * x.reusableTokens! && x.changedSection === null), JSON.stringify(q));
    // Recorded for the Lab panel.
    const view = prefixStabilityProbe.view(prefixStabilityProbe.read(t.lab, rec.id));
    assert.equal(view.tone, 'good');
    assert.equal(view.table.rows.length, 3);
    keepProbeFixture(t.lab, 'prefix-stability-stable');
  });

  it('AGENTS.md edited between turns: a bust at "## AGENTS.md under # Project Context", cause workspace file edit (exit 1)', async () => {
    const t = await setup('honest');
    const before = fs.readFileSync(path.join(t.ws, 'AGENTS.md'), 'utf8');
    const r = await runCli(['probe', 'prefix-stability', '--config', t.config, '--openclaw', exe!, '--turns', '2', '--touch-workspace-file', 'AGENTS.md', '--dir', t.lab, '--json'], { env: t.env });
    assert.equal(r.status, 1, r.stderr + r.stdout);
    const rec = JSON.parse(r.stdout) as PrefixStabilityRecord;
    const q = models(rec);
    assert.equal(q.length, 2);
    assert.equal(rec.result!.busts, 1, JSON.stringify(rec.result, null, 1));
    assert.equal(q[1]!.bust, true);
    assert.equal(q[1]!.cause, 'workspace file edit');
    assert.equal(q[1]!.changedSection, '## AGENTS.md under # Project Context');
    assert.equal(q[1]!.firstChangedMessage, 0, 'the system prompt');
    assert.ok(q[1]!.lostMs! > 0);
    assert.equal(rec.result!.touched, path.join(t.ws, 'AGENTS.md'));
    assert.equal(fs.readFileSync(path.join(t.ws, 'AGENTS.md'), 'utf8'), before, 'the file is put back after the last turn');
    assert.match(rec.result!.byCause[0]!.fix!, /between sessions/);
    keepProbeFixture(t.lab, 'prefix-stability-workspace-edit');
  });

  it('a server whose cache counter drops to 0 though OpenClaw sent the same prefix: cause "between OpenClaw and the server" (exit 1)', async () => {
    const t = await setup('evict');
    const r = await runCli(['probe', 'prefix-stability', '--config', t.config, '--openclaw', exe!, '--turns', '2', '--dir', t.lab], { env: t.env });
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stdout, /between OpenClaw and the server: 1 bust/);
    assert.match(r.stdout, /^verdict: 1 cache bust in 2 model requests/m);
    const rec = prefixStabilityProbe.list(t.lab)[0]!;
    const q = models(rec);
    assert.equal(q[1]!.cachedTokens, 0);
    assert.equal(q[1]!.changedSection, null, 'OpenClaw changed nothing before the new turn');
  });

  it("a server that drops its cache when the prompt's date text changes, the host time zone moved between turns: cause time/date text", async () => {
    const t = await setup('date');
    // The core is called in-process (its hook runs between turns), so the isolated home goes into this process's env.
    const saved = Object.fromEntries(['TZ', ...Object.keys(t.env)].map((k) => [k, process.env[k]]));
    // UTC+14 then UTC−12: the local dates are a day apart at any hour, so OpenClaw's `## Temporal Context` date changes.
    Object.assign(process.env, t.env, { TZ: 'Pacific/Kiritimati' });
    try {
      const out = await runPrefixStabilityProbe({
        env: { configPath: t.config, openclaw: exe!, wire: true },
        agent: 'main',
        turns: 2,
        timeoutMs: 120_000,
        root: t.lab,
        signal: new AbortController().signal,
        betweenTurns: async () => void (process.env.TZ = 'Etc/GMT+12'),
      });
      const rec = prefixStabilityProbe.read(t.lab, out.id);
      const q = models(rec);
      assert.equal(q.length, 2, JSON.stringify(rec, null, 1));
      assert.equal(q[1]!.bust, true, JSON.stringify(q));
      assert.equal(q[1]!.cause, 'time/date text');
      assert.equal(q[1]!.changedSection, '## Temporal Context');
      assert.equal(q[1]!.cachedTokens, 0);
      assert.match(q[1]!.detail!, /the server also dropped \d+ tokens OpenClaw left unchanged/);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
