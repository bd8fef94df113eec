import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { exportTrajectory, summarizeTrajectory } from '../../src/core/lab/dispatch/trajectory.js';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';
import { runCli } from '../support/cli.js';
import { lmStudioRoutes, startServer, type ScriptedServer } from '../support/scriptedServer.js';

const { exe, skip } = needsOpenclaw();
const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

const run = (args: string[], cwd: string, env: Record<string, string>, onSpawn?: (pid: number) => void) => runCli(args, { cwd, env, onSpawn });

async function setup(chat: Parameters<typeof startServer>[0][string], gateway?: { port: number; token: string }) {
  const s = await startServer({ ...lmStudioRoutes(), 'POST /v1/chat/completions': chat });
  servers.push(s);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-ocl-'));
  const config = path.join(dir, 'openclaw.json');
  // The reference's minimal valid config for a loopback OpenAI-compatible server.
  fs.writeFileSync(config, JSON.stringify({
    models: { mode: 'merge', providers: { mocklab: { baseUrl: `http://127.0.0.1:${s.port}/v1`, apiKey: 'sk-mock-local', api: 'openai-completions', models: [{ id: 'mock-1', name: 'Mock One', contextWindow: 32768, maxTokens: 1024 }] } } },
    agents: { defaults: { model: { primary: 'mocklab/mock-1' } } },
    ...(gateway ? { gateway: { mode: 'local', port: gateway.port, bind: 'loopback', auth: { mode: 'token', token: gateway.token } } } : {}),
  }));
  fs.mkdirSync(path.join(dir, '.local-ai-lab', 'workloads'), { recursive: true });
  return { s, dir, config };
}

describe('lab run through the real OpenClaw 2026.9.6', { skip }, () => {
  it('dispatches openclaw agent --local into the scripted server and parses each result into a record', async () => {
    const { s, dir, config } = await setup({ chat: { reply: 'I would check the loaded context, the compactor and memory. DONE' } });
    fs.writeFileSync(path.join(dir, '.local-ai-lab', 'workloads', 'turn.json'), JSON.stringify({ name: 'turn', dispatcher: 'openclaw', prompt: 'Say DONE.', repeats: 2, timeoutSeconds: 180, expectations: { contains: ['DONE'] } }));
    const env = isolatedEnv();
    const r = await run(['lab', 'run', 'turn', '--config', config, '--openclaw', exe!, '--json'], dir, env);
    assert.equal(r.status, 0, r.stderr + r.stdout.slice(0, 2000));
    const out = JSON.parse(r.stdout);
    assert.equal(out.dispatches.length, 2);
    for (const d of out.dispatches) {
      assert.equal(d.completed, true);
      assert.equal(d.stopReason, 'stop');
      assert.equal(d.transport, 'local');
      assert.ok(d.runtimeMs > 0 && d.runtimeMs < d.wallMs, 'meta.durationMs excludes the CLI boot');
      assert.ok(d.tokensIn > 1000, 'OpenClaw sent its own system prompt');
      // What it did, from OpenClaw's own meta: one model response, no tools, no compaction, a final message.
      assert.deepEqual([d.compactions, d.turns, d.toolCalls, d.tools, d.finalMessage, d.strategy], [[], 1, 0, {}, 'present', 'all-at-once']);
    }
    const chats = s.requests.filter((q) => q.path === '/v1/chat/completions');
    assert.equal(chats.length, 2);
    // The export the lab runs after a compacting dispatch works on these sessions (none compacted: no events).
    const events = await exportTrajectory(exe!, `agent:main:lab-${out.session.id}-0`, { ...env, OPENCLAW_CONFIG_PATH: config });
    assert.ok(events !== undefined, 'the export ran');
    assert.deepEqual(summarizeTrajectory(events).compactions, []);
    assert.equal(new Set(out.dispatches.map((d: { outputSha256: string }) => d.outputSha256)).size, 1);
  });

  it('a prompt over 128 KiB reaches the model through --message-file (no spawn E2BIG)', async () => {
    const { s, dir, config } = await setup({ chat: { reply: 'Read it all. DONE' } });
    // Room for the long prompt: OpenClaw checks the context window before it sends.
    const cfg = JSON.parse(fs.readFileSync(config, 'utf8'));
    cfg.models.providers.mocklab.models[0].contextWindow = 262144;
    fs.writeFileSync(config, JSON.stringify(cfg));
    const marker = 'END-OF-LONG-PROMPT-7c1e';
    const prompt = 'Read this line and go on. '.repeat(6000) + marker; // ~156 KB
    fs.writeFileSync(path.join(dir, '.local-ai-lab', 'workloads', 'long.txt'), prompt);
    fs.writeFileSync(path.join(dir, '.local-ai-lab', 'workloads', 'long.json'), JSON.stringify({ name: 'long', dispatcher: 'openclaw', transport: 'local', promptFile: 'long.txt', repeats: 1, timeoutSeconds: 180, expectations: { contains: ['DONE'] } }));
    const r = await run(['lab', 'run', 'long', '--config', config, '--openclaw', exe!, '--json'], dir, isolatedEnv());
    assert.equal(r.status, 0, r.stderr + r.stdout.slice(0, 2000));
    const d = JSON.parse(r.stdout).dispatches[0];
    assert.deepEqual([d.completed, d.errorKind ?? null], [true, null]);
    const chat = s.requests.find((q) => q.path === '/v1/chat/completions');
    assert.ok(JSON.stringify(chat?.body).includes(marker), 'the whole prompt reached the model server');
  });

  it('cancel (SIGINT) stops the running dispatch and leaves no OpenClaw process behind', async () => {
    const { dir, config } = await setup({ hang: true });
    fs.writeFileSync(path.join(dir, '.local-ai-lab', 'workloads', 'stuck.json'), JSON.stringify({ name: 'stuck', dispatcher: 'openclaw', prompt: 'hi', repeats: 3, timeoutSeconds: 300 }));
    let pid = 0;
    const running = run(['lab', 'run', 'stuck', '--config', config, '--openclaw', exe!, '--json'], dir, isolatedEnv(), (p) => (pid = p));
    const ours = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('--session-key agent:main:lab-') && l.includes('stuck'));
    const deadline = Date.now() + 60_000;
    while (ours().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(ours().length > 0, 'the dispatch started');
    await new Promise((r) => setTimeout(r, 3000)); // it is waiting on the hung server now
    process.kill(pid, 'SIGINT');
    const r = await running;
    assert.equal(r.status, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.session.status, 'cancelled');
    assert.equal(out.dispatches.length, 0, 'the interrupted dispatch is not a sample');
    const until = Date.now() + 30_000;
    while (ours().length && Date.now() < until) await new Promise((r2) => setTimeout(r2, 200));
    assert.deepEqual(ours(), [], 'no OpenClaw process is left');
  });

  it('with a Gateway running, transport auto sends each dispatch through it and records "gateway"', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const { dir, config } = await setup({ chat: { reply: 'Through the gateway. DONE' } }, { port, token: 'lab-test-token' });
    fs.writeFileSync(path.join(dir, '.local-ai-lab', 'workloads', 'gw.json'), JSON.stringify({ name: 'gw', dispatcher: 'openclaw', transport: 'auto', prompt: 'Say DONE.', repeats: 2, timeoutSeconds: 120, expectations: { contains: ['DONE'] } }));
    const env = isolatedEnv();
    // The Gateway renames its process and starts a broker in another process group; SIGTERM stops both.
    const gw = spawn(path.join(process.env.LAL_NODE24_BIN!, 'node'), [process.env.LAL_OPENCLAW_ENTRY!, 'gateway', 'run', '--port', String(port), '--bind', 'loopback'], {
      env: { ...process.env, ...env, OPENCLAW_CONFIG_PATH: config },
      detached: true,
      stdio: 'ignore',
    });
    try {
      const deadline = Date.now() + 90_000;
      const listening = () => new Promise<boolean>((r) => { const c = net.connect({ host: '127.0.0.1', port }); c.once('connect', () => { c.destroy(); r(true); }); c.once('error', () => r(false)); });
      while (!(await listening()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
      const r = await run(['lab', 'run', 'gw', '--config', config, '--openclaw', exe!, '--json'], dir, env);
      assert.equal(r.status, 0, r.stderr + r.stdout.slice(0, 2000));
      const out = JSON.parse(r.stdout);
      assert.deepEqual(out.dispatches.map((d: { transport: string; completed: boolean; stopReason: string }) => [d.transport, d.completed, d.stopReason]), [['gateway', true, 'stop'], ['gateway', true, 'stop']]);
      assert.ok(out.dispatches.every((d: { runtimeMs: number }) => d.runtimeMs > 0), 'the Gateway result carries meta.durationMs');
    } finally {
      const exited = new Promise((r) => gw.once('exit', r));
      gw.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      try {
        process.kill(-gw.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
});
