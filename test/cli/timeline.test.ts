import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { findAnomalies } from '../../src/core/lab/timeline/anomalies.js';
import { startSampler } from '../../src/core/lab/timeline/sampler.js';
import type { TelemetryRecord } from '../../src/core/lab/timeline/telemetry.js';
import { runCli } from '../support/cli.js';
import { panelSession } from '../../src/core/lab/view/panel.js';
import { lmStudioRoutes, startServer, type ChatScript, type Route, type ScriptedServer } from '../support/scriptedServer.js';

/*
 * Anomalies as scripted servers cause them, through a real `lab run` (the CLI, the recorder, the sampler) and
 * read back with `lab show --timeline --json`; a server restarted in a process of its own.
 */

const servers: ScriptedServer[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.close()));
});

const DONE = 'A context window limits how much text the model sees at once. DONE';

describe('the timeline of a lab run', () => {
  it('each dispatch shows what its server did: a reload at another context, a cut stream, a tool call as text, leaked reasoning, a context refusal; none on the clean one', async () => {
    const routes = lmStudioRoutes({ loadedContext: 65536 });
    const load = routes['POST /api/v1/models/load'] as Route;
    const unload = routes['POST /api/v1/models/unload'] as Route;
    // One script per dispatch, in turn.
    const scripts: (() => ChatScript)[] = [
      () => ({ reply: DONE, latencyMs: () => 300 }),
      () => {
        // JIT reload at a smaller context while the request is being answered (LM Studio evicting and reloading).
        setTimeout(() => {
          unload({ method: 'POST', path: '/api/v1/models/unload', body: { instance_id: 'qwen/qwen3-coder-30b' } });
          load({ method: 'POST', path: '/api/v1/models/load', body: { model: 'qwen/qwen3-coder-30b', context_length: 16384 } });
        }, 500);
        return { reply: DONE, latencyMs: () => 1400 };
      },
      () => ({ reply: 'partial answer DONE', drop: true }),
      () => ({ reply: '<tool_call>{"name":"exec","arguments":{"command":"ls"}}</tool_call> DONE' }),
      () => ({ reply: `<think>The user wants a definition.</think> ${DONE}` }),
      () => ({ error: { status: 400, body: { error: "The number of tokens to keep from the initial prompt is greater than the context length. Try to load the model with a larger context length, or provide a shorter input" } } }),
    ];
    let i = 0;
    const s = await startServer({ ...routes, 'POST /v1/chat/completions': () => ({ chat: scripts[Math.min(i++, scripts.length - 1)]!() }) });
    servers.push(s);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-timeline-'));
    const config = path.join(dir, 'openclaw.json');
    fs.writeFileSync(config, `{ models: { providers: { lmstudio: { baseUrl: 'http://127.0.0.1:${s.port}/v1', api: 'openai-completions', models: [{ id: 'qwen/qwen3-coder-30b', name: 'Q', contextWindow: 65536 }] } } }, agents: { defaults: { model: { primary: 'lmstudio/qwen/qwen3-coder-30b' } } } }`);
    fs.mkdirSync(path.join(dir, '.local-ai-lab', 'workloads'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.local-ai-lab', 'workloads', 'under.json'), JSON.stringify({ name: 'under', dispatcher: 'openai', prompt: 'What is a context window?', repeats: 6, timeoutSeconds: 60, expectations: { contains: ['DONE'] } }));

    const run = await runCli(['lab', 'run', 'under', '--config', config, '--sample-ms', '200', '--json'], { cwd: dir });
    const id = JSON.parse(run.stdout).session.id as string;
    const shown = await runCli(['lab', 'show', id, '--timeline', '--json'], { cwd: dir });
    assert.equal(shown.status, 0, shown.stderr);
    const t = JSON.parse(shown.stdout) as { requests: { dispatch: number }[]; samples: TelemetryRecord[]; anomalies: { kind: string; dispatch: number | null; message: string; evidence: { requests?: number[]; samples?: string[] } }[]; dispatches: { anomalies: number }[] };
    // Memory and sampler gaps depend on this machine, not on the server: reported, but not part of the script.
    const scripted = t.anomalies.filter((a) => a.kind !== 'memory-high' && a.kind !== 'sampler-gap');
    assert.deepEqual(
      scripted.map((a) => `${a.kind}@${a.dispatch}`),
      ['loaded-changed@1', 'stream-cut@2', 'tool-calls-as-text@3', 'reasoning-leaked@4', 'context-refused@5'],
      JSON.stringify(t.anomalies, null, 1),
    );
    assert.match(scripted[0]!.message, /during dispatch 2: qwen\/qwen3-coder-30b at 65,536 → qwen\/qwen3-coder-30b at 16,384$/);
    for (const a of scripted) assert.ok((a.evidence.requests?.length ?? 0) + (a.evidence.samples?.length ?? 0) > 0, `${a.kind} names its evidence`);
    for (const m of t.anomalies.filter((a) => a.kind === 'memory-high')) assert.match(m.message, /reached (9\d|100)(\.\d)? %/);
    assert.ok(t.samples.some((x) => x.kind === 'loaded' && x.dispatch === 0), 'sampled during the dispatches');
    assert.equal(t.dispatches[0]!.anomalies, t.anomalies.filter((a) => a.dispatch === 0).length);

    // The panel's session: each point counts its anomalies; the timeline when shown alone, the medians among the
    // evidence lines when compared.
    const alone = panelSession(path.join(dir, '.local-ai-lab'), id, { timeline: true });
    assert.deepEqual(alone.points.map((p) => p.anomalies), t.dispatches.map((d) => d.anomalies));
    assert.equal(alone.timeline!.dispatches.length, 6);
    assert.equal(alone.timeline!.dispatches[1]!.anomalies.find((a) => a.kind === 'loaded-changed')?.samples.length, 2);
    assert.match(alone.timeline!.medians!, /^per request \(median of \d+\)/);
    const compared = panelSession(path.join(dir, '.local-ai-lab'), id, { timeline: false });
    assert.equal(compared.timeline, undefined);
    assert.match(compared.row.evidence!.at(-1)!, /^per request \(median of \d+\)/);
    const text = await runCli(['lab', 'show', id, '--timeline'], { cwd: dir });
    assert.match(text.stdout, /dispatch 2 .*\n(.*\n)*\s+⚠ loaded-changed: /);
    const table = await runCli(['lab', 'show', id], { cwd: dir });
    assert.match(table.stdout, /^per request \(median of \d+\): prefill/m);
    assert.match(table.stdout, /^anomalies: \d+ \(.*loaded-changed.*\): lab show .* --timeline$/m);
  });

  it('a sampler that cannot find a server process says nothing about it; one whose server restarted in another process names both pids', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
    const start = (port: number) =>
      new Promise<{ child: ChildProcess; port: number }>((resolve, reject) => {
        const child = spawn(process.execPath, [path.resolve('out/test/support/serverProcess.js'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
        children.push(child);
        child.once('error', reject);
        child.stdout!.once('data', (d: Buffer) => resolve({ child, port: Number(String(d).trim()) }));
      });
    const a = await start(0);
    const records: TelemetryRecord[] = [];
    // The same process stands for the Gateway too (its port watched as the Gateway's).
    const sampler = await startSampler({ servers: [`http://127.0.0.1:${a.port}/v1`], intervalMs: 100, dispatch: () => 0, gatewayPort: a.port, onRecord: (r) => void records.push(r) });
    await new Promise((r) => setTimeout(r, 250));
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    const b = await start(a.port);
    await new Promise((r) => setTimeout(r, 400));
    await sampler.close();
    const found = findAnomalies({ environment: { compactionThreshold: null }, dispatches: [], requests: [], samples: records });
    const restarted = found.filter((x) => x.kind === 'server-restarted');
    assert.equal(restarted.length, 1, JSON.stringify(records.filter((r) => r.kind === 'process')));
    assert.match(restarted[0]!.message, new RegExp(`restarted during dispatch 1: pid ${a.child.pid} → ${b.child.pid}`));
    assert.deepEqual(
      found.filter((x) => x.kind === 'gateway-restarted').map((x) => x.message),
      [`the Gateway (port ${a.port}) restarted during dispatch 1: pid ${a.child.pid} → ${b.child.pid}`],
    );
  });

  it('a sampler held up for a second inside a dispatch leaves a gap the timeline names', async () => {
    const s = await startServer(lmStudioRoutes());
    servers.push(s);
    const records: TelemetryRecord[] = [];
    const sampler = await startSampler({ servers: [s.url], intervalMs: 100, dispatch: () => 0, onRecord: (r) => void records.push(r) });
    const startedAt = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 250));
    // A blocked event loop (a GC pause, a synchronous flush): no tick can run.
    const until = Date.now() + 1000;
    while (Date.now() < until);
    await new Promise((r) => setTimeout(r, 250));
    const wallMs = Date.now() - Date.parse(startedAt);
    await sampler.close();
    const gaps = findAnomalies({ environment: { compactionThreshold: null }, dispatches: [{ index: 0, startedAt, wallMs }], requests: [], samples: records }).filter((x) => x.kind === 'sampler-gap');
    assert.equal(gaps.length, 1);
    assert.match(gaps[0]!.message, /silent for 1\.\d s during dispatch 1 \(interval 100 ms\)/);
  });
});
