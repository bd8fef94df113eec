import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readSession } from '../../src/core/lab/records/store.js';
import { startServer, lmStudioRoutes, type ChatScript, type ScriptedServer } from '../support/scriptedServer.js';
import { runCli } from '../support/cli.js';

const CLI = path.resolve('dist/cli.js');
const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

/** A scripted LM Studio whose chat replies follow `scripts` in turn (the last one repeats). */
async function lab(scripts: ChatScript[]) {
  let i = 0;
  const s = await startServer({ ...lmStudioRoutes(), 'POST /v1/chat/completions': () => ({ chat: scripts[Math.min(i++, scripts.length - 1)]! }) });
  servers.push(s);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-lab-'));
  const config = path.join(dir, 'openclaw.json');
  fs.writeFileSync(config, `{ models: { providers: { lmstudio: { baseUrl: 'http://127.0.0.1:${s.port}/v1', api: 'openai-completions', models: [{ id: 'qwen/qwen3-coder-30b', name: 'Q', contextWindow: 32768 }] } } }, agents: { defaults: { model: { primary: 'lmstudio/qwen/qwen3-coder-30b' } } } }`);
  return { s, dir, config, labDir: path.join(dir, '.local-ai-lab') };
}

const run = (args: string[], cwd: string) => runCli(args, { cwd });

const ok = (ms: number): ChatScript => ({ reply: 'A context window limits how much text the model sees at once. DONE', latencyMs: () => ms });

describe('lab run through the OpenAI-compatible API', () => {
  it('runs six dispatches, persists a self-describing session, and finds the fast/slow split', async () => {
    const { dir, config, labDir } = await lab([ok(40), ok(900), ok(45), ok(60), ok(50), ok(800)]);
    const r = await run(['lab', 'run', 'quick-check', '--config', config, '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.session.status, 'complete');
    assert.equal(out.dispatches.length, 6);
    assert.ok(out.dispatches.every((d: { completed: boolean; stopReason: string; tokensOut: number; ttftMs: number }) => d.completed && d.stopReason === 'stop' && d.tokensOut > 0 && d.ttftMs >= 0));
    assert.equal(out.summary.split.split, true);
    assert.deepEqual(out.dispatches.map((d: { cluster: string }) => d.cluster), ['fast', 'slow', 'fast', 'fast', 'fast', 'slow'], JSON.stringify(out.dispatches.map((d: { wallMs: number }) => d.wallMs)));
    const loaded = readSession(labDir, out.session.id);
    assert.equal(loaded.dispatches.length, 6);
    assert.equal(loaded.session.environment.endpoint?.endsWith('/v1'), true);
    assert.ok(loaded.session.environment.loadedModels.some((m) => m.id === 'qwen/qwen3-coder-30b' && m.context === 32768));
    assert.ok(fs.existsSync(path.join(labDir, 'runs', out.session.id, 'outputs', '001.txt')), 'dispatch 1 is 001.txt, as the panel numbers it');
  });

  it('the first dispatch is measured like the others: its record carries the same evidence (its excess over the others is a bench figure)', async () => {
    const { dir, config } = await lab([ok(150)]);
    const r = await run(['lab', 'run', 'quick-check', '-n', '3', '--config', config, '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    for (const d of out.dispatches) assert.deepEqual([d.finalMessage, d.turns, d.toolCalls, d.requests >= 1, d.wallMs >= 150], ['present', 1, 0, true, true]);
  });

  it('a clean exit without the wrap-up is not a success; overflow, drops and hangs are named', async () => {
    const { dir, config } = await lab([
      { reply: 'A context window limits the text.' }, // no DONE
      { error: { status: 400, body: { error: { message: "This model's maximum context length is 4096 tokens", code: 'context_length_exceeded' } } } },
      { reply: 'partial answer DONE', drop: true },
      ok(10),
    ]);
    fs.mkdirSync(path.join(dir, '.local-ai-lab', 'workloads'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.local-ai-lab', 'workloads', 'edge.json'), JSON.stringify({ name: 'edge', dispatcher: 'openai', prompt: 'hi', repeats: 4, timeoutSeconds: 60, expectations: { contains: ['DONE'] } }));
    const r = await run(['lab', 'run', 'edge', '--config', config, '--json'], dir);
    assert.equal(r.status, 1, 'not every dispatch completed');
    const d = JSON.parse(r.stdout).dispatches as { completed: boolean; expectationsMet: boolean; errorKind?: string; stopReason?: string }[];
    assert.deepEqual(d.map((x) => [x.completed, x.errorKind ?? null]), [
      [false, null],
      [false, 'context_overflow'],
      [false, d[2]!.errorKind],
      [true, null],
    ]);
    assert.equal(d[0]!.stopReason, 'stop', 'it exited cleanly');
    assert.equal(d[0]!.expectationsMet, false);
    assert.ok(['incomplete', 'connection'].includes(d[2]!.errorKind!), d[2]!.errorKind);
  });

  it('a hung server costs the workload timeout, not forever', async () => {
    const s = await startServer({ ...lmStudioRoutes(), 'POST /v1/chat/completions': { hang: true } });
    servers.push(s);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-lab-'));
    const config = path.join(dir, 'openclaw.json');
    fs.writeFileSync(config, `{ models: { providers: { lmstudio: { baseUrl: 'http://127.0.0.1:${s.port}/v1', models: [{ id: 'm', name: 'm' }] } } }, agents: { defaults: { model: 'lmstudio/m' } } }`);
    fs.mkdirSync(path.join(dir, '.local-ai-lab', 'workloads'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.local-ai-lab', 'workloads', 'hang.json'), JSON.stringify({ name: 'hang', dispatcher: 'openai', prompt: 'hi', repeats: 1, timeoutSeconds: 1 }));
    const r = await run(['lab', 'run', 'hang', '--config', config, '--json'], dir);
    assert.equal(r.status, 1);
    assert.equal(JSON.parse(r.stdout).dispatches[0].errorKind, 'timeout');
  });

  it('fails, saying what to start, when nothing answers', async () => {
    const s = await startServer({});
    await s.close();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-lab-'));
    const config = path.join(dir, 'openclaw.json');
    fs.writeFileSync(config, `{ models: { providers: { lmstudio: { baseUrl: 'http://127.0.0.1:${s.port}/v1', models: [{ id: 'm', name: 'm' }] } } }, agents: { defaults: { model: 'lmstudio/m' } } }`);
    const r = await run(['lab', 'run', 'quick-check', '--config', config], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /nothing answers at .*Start the model server/);
  });

  it('killed with SIGKILL midway, the finished dispatches are on disk and lab resume completes the session', async () => {
    const { dir, config, labDir } = await lab([ok(400)]);
    const child = spawn(process.execPath, [CLI, 'lab', 'run', 'quick-check', '--config', config, '--json'], { cwd: dir, stdio: 'ignore' });
    const jsonl = () => {
      const runs = path.join(labDir, 'runs');
      const id = fs.existsSync(runs) ? fs.readdirSync(runs)[0] : undefined;
      return id ? { id, lines: (fs.readFileSync(path.join(runs, id, 'dispatches.jsonl'), { flag: 'a+' }).toString().match(/\n/g) ?? []).length } : undefined;
    };
    const deadline = Date.now() + 20_000;
    while ((jsonl()?.lines ?? 0) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const { id, lines } = jsonl()!;
    assert.ok(lines >= 2 && lines < 6, `${lines} dispatches before the kill`);
    const killed = readSession(labDir, id);
    assert.equal(killed.session.status, 'interrupted', 'a session whose process died says so');
    assert.equal(killed.dispatches.length, lines);
    const resumed = await run(['lab', 'resume', id, '--config', config, '--json'], dir);
    assert.equal(resumed.status, 0, resumed.stderr);
    const out = JSON.parse(resumed.stdout);
    assert.equal(out.session.status, 'complete');
    assert.deepEqual(out.dispatches.map((d: { index: number }) => d.index), [0, 1, 2, 3, 4, 5]);
    const list = JSON.parse((await run(['lab', 'list', '--json'], dir)).stdout);
    assert.deepEqual([list.length, list[0].done, list[0].status], [1, 6, 'complete']);
    const show = await run(['lab', 'show', id], dir);
    assert.match(show.stdout, /run +time \(s\) +cluster +completed +compactions/);
  });

  it('compares two sessions, and bad usage is exit 2', async () => {
    const { dir, config, labDir } = await lab([ok(30)]);
    const a = JSON.parse((await run(['lab', 'run', 'quick-check', '-n', '6', '--config', config, '--json'], dir)).stdout).session.id;
    const b = JSON.parse((await run(['lab', 'run', 'quick-check', '-n', '6', '--config', config, '--json'], dir)).stdout).session.id;
    const c = await run(['lab', 'compare', a, b, '--json'], dir);
    assert.equal(c.status, 0, c.stderr);
    const out = JSON.parse(c.stdout);
    assert.deepEqual(out.sessions, { a, b });
    assert.ok(out.medianSeconds.low <= out.medianSeconds.value && out.medianSeconds.value <= out.medianSeconds.high);
    assert.deepEqual([out.completion.a, out.completion.b], [1, 1]);
    assert.equal((await run(['lab', 'run', 'nope', '--config', config], dir)).status, 2);
    assert.equal((await run(['lab', 'run', 'quick-check', '-n', '0', '--config', config], dir)).status, 2);
    assert.equal((await run(['lab', 'show', 'no-such-session'], dir)).status, 2);
    assert.equal((await run(['lab'], dir)).status, 2);
    void labDir;
  });

  it('item 5: after lab run --profile, a model the profile loaded that was not loaded before is unloaded again', async () => {
    const { s, dir, config } = await lab([ok(5)]);
    const loadedNow = async () =>
      ((await (await fetch(`${s.url}/api/v1/models`)).json()) as { models: { key: string; loaded_instances: { config: { context_length: number } }[] }[] }).models.flatMap((m) => m.loaded_instances.map((i) => `${m.key}@${i.config.context_length}`)).sort();
    const before = await loadedNow();
    // A profile with a compactor the server has downloaded but not loaded.
    const profiles = path.join(dir, 'profiles.json');
    fs.writeFileSync(profiles, JSON.stringify([{ name: 'with-compactor', primary: { context: 40000 }, compactor: { model: 'lmstudio/qwen3-4b-instruct-2507', context: 16384 }, budget: 32000 }]));
    const r = await run(['lab', 'run', 'quick-check', '-n', '1', '--config', config, '--profile', 'with-compactor', '--profiles', profiles, '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    const loads = s.requests.filter((q) => q.path === '/api/v1/models/load').map((q) => (q.body as { model: string }).model);
    assert.ok(loads.some((m) => m !== 'qwen/qwen3-coder-30b'), `the profile loaded a model that was not loaded before (${loads.join(', ')})`);
    assert.deepEqual(await loadedNow(), before, 'LM Studio holds what it held before, nothing more');
  });

  it('a tool call is a first token and a stop reason of its own; --profile applies the profile before the first dispatch and restores the one from before after the last', async () => {
    const { s, dir, config, labDir } = await lab([{ toolCall: { name: 'read', arguments: '{"path":"README.md"}' } }]);
    fs.mkdirSync(path.join(labDir, 'workloads'), { recursive: true });
    fs.writeFileSync(path.join(labDir, 'workloads', 'tools.json'), JSON.stringify({ name: 'tools', dispatcher: 'openai', prompt: 'read it', repeats: 2, timeoutSeconds: 60 }));
    const configBefore = fs.readFileSync(config, 'utf8');
    const r = await run(['lab', 'run', 'tools', '--config', config, '--profile', 'mid-range', '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.dispatches.map((d: { stopReason: string; completed: boolean }) => [d.stopReason, d.completed]), [['tool_calls', true], ['tool_calls', true]]);
    // What the dispatch did, from the stream: one request, one tool call named in its first delta, no final text.
    assert.deepEqual(
      out.dispatches.map((d: { turns: number; toolCalls: number; tools: object; compactions: unknown[]; finalMessage: string; strategy: string }) => [d.turns, d.toolCalls, d.tools, d.compactions, d.finalMessage, d.strategy]),
      [[1, 1, { read: 1 }, [], 'missing', 'all-at-once'], [1, 1, { read: 1 }, [], 'missing', 'all-at-once']],
    );
    assert.ok(out.dispatches.every((d: { ttftMs: number }) => d.ttftMs >= 0));
    assert.equal(out.session.environment.profile, 'mid-range');
    assert.equal(out.session.environment.profileBefore, null, 'the session records the profile in force before (none)');
    const loads = s.requests.filter((q) => q.path === '/api/v1/models/load' && (q.body as { model: string }).model === 'qwen/qwen3-coder-30b').map((q) => (q.body as { context_length: number }).context_length);
    const window = loads[0]!;
    assert.ok(window > 32768, 'the profile loaded the model at its context before the first dispatch');
    assert.ok(out.session.environment.loadedModels.some((m: { id: string; context: number }) => m.id === 'qwen/qwen3-coder-30b' && m.context === window), 'the snapshot shows the state the lab ran under');
    // Afterwards the state from before is back: the config's bytes, no recorded profile, the model at 32,768 again.
    assert.equal(fs.readFileSync(config, 'utf8'), configBefore, 'openclaw.json restored');
    assert.equal(loads[loads.length - 1], 32768, 'the model loaded again at its context from before');
    assert.match(r.stderr, /profile mid-range: the state from before the lab is back \(openclaw\.json restored\)/);
    assert.equal(fs.existsSync(path.join(path.dirname(config), 'local-ai-lab', 'profile.json')), false);
  });
});
