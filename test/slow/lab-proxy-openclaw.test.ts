import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readSweepRecord } from '../../src/core/lab/experiments/sweepRun.js';
import { readSession } from '../../src/core/lab/records/store.js';
import { readWire } from '../../src/core/lab/wire/schema.js';
import { sweepComparison } from '../../src/core/lab/view/sweepView.js';
import { runCli } from '../support/cli.js';
import { startGrepAgentServer, writeGrepWorkspace, type GrepAgentServer } from '../support/grepAgentServer.js';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';
import { livingProxies, scriptedProxyCommand } from '../support/scriptedProxy.js';

const { exe, skip } = needsOpenclaw();
const servers: GrepAgentServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

/**
 * The compression layer through the real OpenClaw 2026.9.6: a model that greps the workspace with `exec` and answers
 * from what it received, the scripted Headroom stand-in (test/support/scriptedProxy.ts) in its default settings as the
 * proxy arm. The grep prints 120 matching lines and one that answers the question; once the grep's output is older than
 * the proxy's recent window it keeps the 30 lines that share most words with the last user message, so the needle is lost,
 * and the model — honestly — says "no match".
 */
async function stack() {
  const env = isolatedEnv();
  const ws = writeGrepWorkspace(path.join(env.OPENCLAW_STATE_DIR!, 'workspace'));
  const s = await startGrepAgentServer(ws);
  servers.push(s);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-proxy-oc-'));
  const config = path.join(dir, 'openclaw.json');
  fs.writeFileSync(
    config,
    `// one local server
{
  models: { mode: 'merge', providers: { mocklab: { baseUrl: 'http://127.0.0.1:${s.port}/v1', apiKey: 'sk-mock-local', api: 'openai-completions',
    models: [{ id: 'mock-1', name: 'Mock 1', contextWindow: 32768, maxTokens: 1024 }] } } },
  agents: { defaults: { model: { primary: 'mocklab/mock-1' } } },
}
`,
  );
  const profiles = path.join(dir, 'profiles.json');
  fs.writeFileSync(profiles, JSON.stringify([{ name: 'plain', primary: { model: 'mocklab/mock-1', context: 32768 }, budget: 32768, compactor: null }]));
  const report = path.join(dir, 'proxy-report.jsonl');
  const proxies = path.join(dir, 'proxies.json');
  fs.writeFileSync(proxies, JSON.stringify([{ name: 'scripted', command: scriptedProxyCommand(), health: '/livez', env: { LAL_PROXY_REPORT: report } }]));
  const lab = path.join(dir, '.local-ai-lab');
  fs.mkdirSync(path.join(lab, 'workloads'), { recursive: true });
  fs.writeFileSync(
    path.join(lab, 'workloads', 'ttl.json'),
    JSON.stringify({
      name: 'ttl',
      dispatcher: 'openclaw',
      transport: 'local',
      prompt: 'How long does a login stay valid, in seconds? Run the grep with the exec tool, answer from its output only, then say DONE.',
      facts: [ws.needle],
      repeats: 2,
      timeoutSeconds: 120,
      expectations: { contains: [ws.answer] },
    }),
  );
  return { s, ws, env, dir, lab, config, profiles, proxies, report, before: fs.readFileSync(config) };
}

describe('the compression layer through the real OpenClaw 2026.9.6', { skip }, () => {
  it('a transport sweep, direct against the scripted proxy: tokens saved (server-counted) and the needle lost, in the table and the panel; a fresh proxy each round, none left', async (ctx) => {
    const t = await stack();
    const r = await runCli(['lab', 'sweep', 'ttl', '--base', 'plain', '--profiles', t.profiles, '--config', t.config, '--openclaw', exe!, '--dir', t.lab, '-n', '3', '--knobs', 'transport', '--proxies', t.proxies], { cwd: t.dir, env: t.env });
    for (const line of r.stdout.trimEnd().split('\n')) ctx.diagnostic(line);
    assert.equal(r.status, 0, r.stderr.slice(-4000) + r.stdout);
    assert.match(r.stdout, /Variable\s+base → variant .*verdict\s+prompt tokens \(server\)\s+facts lost\s+lines invented/);
    const row = r.stdout.split('\n').find((l) => l.startsWith('transport'))!;
    assert.match(row, /direct → scripted .*coupled\s+[\d,]+ \(−\d+ %\)\s+3 of 3: config\/auth\.yaml:3:expiry: 86400\s+0$/);

    const id = /^sweep (\S+):/m.exec(r.stdout)![1]!;
    const rec = readSweepRecord(t.lab, id);
    assert.deepEqual(rec.arms.map((a) => [a.name, a.knob, a.to]), [['base', null, null], ['transport=scripted', 'transport', 'scripted']]);
    const direct = readSession(t.lab, rec.arms[0]!.session!);
    const proxied = readSession(t.lab, rec.arms[1]!.session!);
    assert.equal(direct.dispatches.length, 3);
    assert.equal(proxied.dispatches.length, 3);
    // Interleaved: each round's direct dispatch started before the proxy arm's of the same round, and after the last one's.
    const starts = [...direct.dispatches.map((d) => ['d', d.startedAt] as const), ...proxied.dispatches.map((d) => ['p', d.startedAt] as const)].sort((a, b) => a[1].localeCompare(b[1]));
    assert.deepEqual(starts.map((x) => x[0]).join(''), 'dpdpdp');
    // What the direct arm did: the needle reached the model, the answer is right, no layer.
    assert.ok(direct.dispatches.every((d) => d.completed && !d.layer && (d.promptTokensTotal ?? 0) > 0));
    // Through the proxy: the server counted fewer prompt tokens, the needle never reached it, the answer says so.
    for (const d of proxied.dispatches) {
      assert.equal(d.completed, false, 'the answer lacks 86400: expectations not met');
      assert.deepEqual(d.layer!.factsLost, [t.ws.needle]);
      assert.ok(d.layer!.linesDropped >= 60, `${d.layer!.linesDropped}`);
      assert.equal(d.layer!.linesInvented, 0);
      assert.deepEqual(d.layer!.toolsInjected, ['headroom_retrieve']);
      assert.deepEqual(d.layer!.toolsAltered, ['exec']);
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
    assert.ok(median(proxied.dispatches.map((d) => d.promptTokensTotal!)) < median(direct.dispatches.map((d) => d.promptTokensTotal!)), 'the server counted fewer prompt tokens through the proxy');
    assert.equal(t.s.answers.filter((a) => a.includes('86400')).length, 3, 'the three direct dispatches answered right');
    // Both sides of the proxy are on the wire; the server side carries each request's layer.
    const wire = readWire(t.lab, proxied.session.id).records;
    assert.ok(wire.some((w) => w.side === 'sent') && wire.some((w) => w.side === undefined && w.layer && w.layer.factsLost.length === 1));
    assert.equal(proxied.session.environment.proxy?.name, 'scripted');

    // The panel's comparison carries the same figures on the proxy arm's line.
    const view = sweepComparison(rec, (sid) => readSession(t.lab, sid).dispatches);
    const line = view.differences.find((x) => x.label.startsWith('transport=scripted'))!.value;
    assert.match(line, /^coupled · /);
    assert.match(line, /prompt tokens \(server\) [\d,]+ \(−\d+ %\) · facts lost 3 of 3: config\/auth\.yaml:3:expiry: 86400 · lines invented 0/);
    assert.match(line, /saves \d+ % of prompt tokens \(server-counted median [\d,]+ → [\d,]+\), loses the planted fact "config\/auth\.yaml:3:expiry: 86400" in 3 of 3, injects `headroom_retrieve`, rewrites older turns in 3 requests \(busts the prompt cache\): protect `exec`/);

    // A fresh proxy for every round of the proxy arm (three), each exiting with no cached decision from another, none left.
    const reports = fs.readFileSync(t.report, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { pid: number; decisionsAtFirstRequest: number | null; event: string });
    const started = reports.filter((x) => x.event === 'start');
    assert.equal(new Set(started.map((x) => x.pid)).size, 3);
    // Each stopped cleanly, and met its first request with no decision of an earlier round's proxy.
    assert.deepEqual(reports.filter((x) => x.event === 'exit').map((x) => x.decisionsAtFirstRequest), [0, 0, 0]);
    assert.deepEqual(livingProxies(started.map((x) => x.pid)), []);
    // The config as it was.
    assert.deepEqual(fs.readFileSync(t.config), t.before);
  });
});
