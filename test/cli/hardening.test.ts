import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openAiTarget, resolveApiKey } from '../../src/core/lab/session.js';
import { readSession } from '../../src/core/lab/records/store.js';
import { BUILTIN_WORKLOADS } from '../../src/core/lab/workload.js';
import { readConfig } from '../../src/core/sources.js';
import { check } from '../../src/core/check.js';
import { runCli } from '../support/cli.js';
import { pendingSession } from '../support/labRecords.js';
import { llamaCppRoutes, lmStudioRoutes, mlxRoutes, ollamaRoutes, startServer, vllmRoutes, type ChatScript, type Route, type Reply, type ScriptedServer } from '../support/scriptedServer.js';

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));
const serve = async (routes: Record<string, Reply | Route>) => {
  const s = await startServer(routes);
  servers.push(s);
  return s;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const ok = (ms = 0): ChatScript => ({ reply: 'A context window limits what the model sees. DONE', latencyMs: () => ms });

/** A folder with openclaw.json pointing at `s` (provider `lmstudio` unless given), and a workloads folder. */
function project(s: ScriptedServer, provider = 'lmstudio', extra = '') {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-hard-')));
  const config = path.join(dir, 'openclaw.json');
  fs.writeFileSync(config, `{ models: { providers: { ${provider}: { baseUrl: 'http://127.0.0.1:${s.port}/v1', ${extra} models: [{ id: 'qwen/qwen3-coder-30b', name: 'Q' }] } } }, agents: { defaults: { model: { primary: '${provider}/qwen/qwen3-coder-30b' } } } }`);
  const labDir = path.join(dir, '.local-ai-lab');
  fs.mkdirSync(path.join(labDir, 'workloads'), { recursive: true });
  const workload = (name: string, w: Record<string, unknown>) => fs.writeFileSync(path.join(labDir, 'workloads', `${name}.json`), JSON.stringify({ name, dispatcher: 'openai', prompt: 'hi', repeats: 1, timeoutSeconds: 30, ...w }));
  return { dir, config, labDir, workload };
}

/** A finished six-dispatch lab session against a scripted LM Studio, and its records file's lines. */
async function sixDispatchSession() {
  const s = await serve({ ...lmStudioRoutes(), 'POST /v1/chat/completions': { chat: ok() } });
  const { dir, config, labDir } = project(s);
  const first = await runCli(['lab', 'run', 'quick-check', '-n', '6', '--config', config, '--json'], { cwd: dir });
  assert.equal(first.status, 0, first.stderr);
  const id = JSON.parse(first.stdout).session.id as string;
  const file = path.join(labDir, 'runs', id, 'dispatches.jsonl');
  return { dir, config, labDir, id, file, lines: fs.readFileSync(file, 'utf8').trimEnd().split('\n') };
}

describe('lab sessions survive crashes and concurrency', () => {
  it('a torn last line is ended before the next record: a resumed six-dispatch session shows n = 6', async () => {
    const { dir, config, labDir, id, file, lines } = await sixDispatchSession();
    // As if the lab died while writing the sixth record: five whole lines and half of the sixth.
    fs.writeFileSync(file, lines.slice(0, 5).join('\n') + '\n' + lines[5]!.slice(0, Math.floor(lines[5]!.length / 2)));
    const sessionFile = path.join(labDir, 'runs', id, 'session.json');
    fs.writeFileSync(sessionFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(sessionFile, 'utf8')), status: 'running' }));
    const before = readSession(labDir, id);
    assert.deepEqual([before.dispatches.length, before.skippedLines, before.session.status], [5, 1, 'interrupted']);

    const resumed = await runCli(['lab', 'resume', id, '--config', config, '--json'], { cwd: dir });
    assert.equal(resumed.status, 0, resumed.stderr);
    const show = JSON.parse((await runCli(['lab', 'show', id, '--json'], { cwd: dir })).stdout);
    assert.equal(show.summary.n, 6);
    assert.deepEqual(show.dispatches.map((d: { index: number }) => d.index), [0, 1, 2, 3, 4, 5]);
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.endsWith('}\n'));
    assert.equal(text.split('\n').filter((l) => l.trim()).length, 7, 'five records, the torn line on its own, the resumed record');
    assert.equal(readSession(labDir, id).skippedLines, 1);
  });

  it('a line torn by a real SIGKILL during a write: resume still appends on a line of its own', async () => {
    const { dir, config, id, file, lines } = await sixDispatchSession();
    fs.writeFileSync(file, lines.slice(0, 5).join('\n') + '\n');
    // A process appending one large record is killed while the kernel is still copying it: a real torn line.
    const size = 64 * 1024 * 1024;
    const writer = spawn(process.execPath, ['-e', `const fs = require('fs'); const b = Buffer.alloc(${size}, 120); b.write('{"schemaVersion":1,"index":5,"pad":"'); process.stdout.write('ready'); fs.writeSync(fs.openSync(${JSON.stringify(file)}, 'a'), b);`], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise<void>((r) => writer.stdout.once('data', () => r()));
    const base = fs.statSync(file).size;
    const until = Date.now() + 10_000;
    while (fs.statSync(file).size === base && Date.now() < until) await new Promise((r) => setImmediate(r));
    writer.kill('SIGKILL');
    await new Promise((r) => writer.once('exit', r));
    const torn = fs.statSync(file).size - base;
    assert.ok(torn > 0 && torn < size, `the kill landed mid-write (${torn} of ${size} bytes written)`);
    const resumed = await runCli(['lab', 'resume', id, '--config', config, '--json'], { cwd: dir });
    assert.equal(resumed.status, 0, resumed.stderr);
    const show = JSON.parse((await runCli(['lab', 'show', id, '--json'], { cwd: dir })).stdout);
    assert.equal(show.summary.n, 6);
    assert.deepEqual(show.dispatches.map((d: { index: number }) => d.index), [0, 1, 2, 3, 4, 5]);
  });

  it('two lab resume of one session at once: one runs, the other is refused in one line with exit 2', async () => {
    const s = await serve({ ...lmStudioRoutes(), 'POST /v1/chat/completions': { chat: ok(300) } });
    const { dir, config, labDir } = project(s);
    const session = pendingSession(labDir, config, `${s.url}/v1`);
    const [a, b] = await Promise.all([
      runCli(['lab', 'resume', session.id, '--config', config, '--json'], { cwd: dir }),
      runCli(['lab', 'resume', session.id, '--config', config, '--json'], { cwd: dir }),
    ]);
    const [won, lost] = a.status === 0 ? [a, b] : [b, a];
    assert.equal(won.status, 0, won.stderr);
    assert.equal(lost.status, 2, lost.stderr);
    assert.match(lost.stderr, /^local-ai-lab: lab session \S+ is already running \(process \d+\)[^\n]*\n$/);
    assert.equal(JSON.parse(won.stdout).dispatches.length, 6);
    const chats = s.requests.filter((q) => q.path === '/v1/chat/completions').length;
    assert.equal(chats, 6, 'only one process dispatched');
    assert.equal(readSession(labDir, session.id).dispatches.length, 6);
    assert.ok(!fs.existsSync(path.join(labDir, 'runs', session.id, 'lock')), 'the lock is released');
  });

  it('a lock whose owner died is stale and taken over; while a live process runs, show says running, after its death interrupted', async () => {
    const s = await serve({ ...lmStudioRoutes(), 'POST /v1/chat/completions': { chat: ok(400) } });
    const { dir, config, labDir } = project(s);
    const session = pendingSession(labDir, config, `${s.url}/v1`, 3);
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    fs.writeFileSync(path.join(labDir, 'runs', session.id, 'lock'), JSON.stringify({ pid: dead.pid, host: os.hostname() }));
    assert.equal(readSession(labDir, session.id).session.status, 'interrupted');

    let pid = 0;
    const running = runCli(['lab', 'resume', session.id, '--config', config, '--json'], { cwd: dir, onSpawn: (p) => (pid = p) });
    const deadline = Date.now() + 15_000;
    while (readSession(labDir, session.id).session.status !== 'running' && Date.now() < deadline) await sleep(50);
    assert.equal(readSession(labDir, session.id).session.status, 'running');
    const lock = JSON.parse(fs.readFileSync(path.join(labDir, 'runs', session.id, 'lock'), 'utf8'));
    assert.equal(lock.pid, pid, 'the stale lock was taken over');
    process.kill(pid, 'SIGKILL');
    await running;
    const after = readSession(labDir, session.id);
    assert.equal(after.session.status, 'interrupted', 'a session never stays running after its process died');
    const list = JSON.parse((await runCli(['lab', 'list', '--json'], { cwd: dir })).stdout);
    assert.equal(list[0].status, 'interrupted');
    const resumed = await runCli(['lab', 'resume', session.id, '--config', config, '--json'], { cwd: dir });
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(JSON.parse(resumed.stdout).dispatches.length, 3);
  });

  it('lab show of a path-like or unknown id exits 2 with one line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-hard-'));
    for (const id of ['../x', '/etc', '..', 'a/b', 'no-such-session']) {
      const r = await runCli(['lab', 'show', id], { cwd: dir });
      assert.equal(r.status, 2, id);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${id}: ${r.stderr}`);
      assert.match(r.stderr, /^local-ai-lab: (not a lab session id|no readable lab session|no lab session \S+ in .* \(see lab list\))/);
      assert.equal(r.stdout, '');
    }
  });

  it('lab show and compare take a unique id prefix; an ambiguous one names the matches', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-hard-'));
    const labDir = path.join(dir, '.local-ai-lab');
    for (const id of ['20261201T100000Z-a-1111', '20261201T100500Z-b-2222']) {
      fs.mkdirSync(path.join(labDir, 'runs', id), { recursive: true });
      fs.writeFileSync(path.join(labDir, 'runs', id, 'session.json'), JSON.stringify({ schemaVersion: 1, id, workload: { name: 'w', dispatcher: 'openai', prompt: 'p', repeats: 1 }, prompt: 'p', repeats: 1, environment: { profile: null, loadedModels: [], machine: { memoryBytes: 1, cpus: 1, cpuModel: 'x', os: 'x' } }, startedAt: '2026-12-01T10:00:00.000Z', status: 'complete' }));
      fs.writeFileSync(path.join(labDir, 'runs', id, 'dispatches.jsonl'), '');
    }
    const one = await runCli(['lab', 'show', '20261201T1000', '--json'], { cwd: dir });
    assert.equal(one.status, 0, one.stderr);
    assert.equal(JSON.parse(one.stdout).session.id, '20261201T100000Z-a-1111');
    const both = await runCli(['lab', 'compare', '20261201T1000', '20261201T1005', '--json'], { cwd: dir });
    assert.equal(both.status, 0, both.stderr);
    const many = await runCli(['lab', 'show', '20261201T10'], { cwd: dir });
    assert.equal(many.status, 2);
    assert.match(many.stderr, /^local-ai-lab: 20261201T10 matches 2 lab sessions \(20261201T100000Z-a-1111, 20261201T100500Z-b-2222\); give more of the id\n$/);
  });
});

describe('dispatches are bounded', () => {
  it('a verify command that leaves a child running is stopped at its timeout, with its whole process group', async () => {
    const s = await serve({ ...lmStudioRoutes(), 'POST /v1/chat/completions': { chat: ok() } });
    const { dir, config, workload } = project(s);
    const pidFile = path.join(dir, 'sleeper.pid');
    workload('verify', { expectations: { verify: { command: ['sh', '-c', `sleep 300 & echo $! > ${pidFile}; exit 0`], timeoutSeconds: 1 } } });
    const r = await runCli(['lab', 'run', 'verify', '--config', config, '--json'], { cwd: dir });
    assert.equal(r.status, 1);
    const d = JSON.parse(r.stdout).dispatches[0];
    assert.deepEqual([d.completed, d.expectationsMet], [false, false]);
    assert.match(d.errorMessage, /verify command timed out after 1 s/);
    const sleeper = Number(fs.readFileSync(pidFile, 'utf8'));
    const until = Date.now() + 15_000;
    while (alive(sleeper) && Date.now() < until) await sleep(50);
    assert.equal(alive(sleeper), false, 'the background child was killed with the group');
  });

  it('through the CLI: the timed-out check is in the record, and Ctrl-C during a check still cancels', async () => {
    const s = await serve({ ...lmStudioRoutes(), 'POST /v1/chat/completions': { chat: { reply: 'a'.repeat(40) + '!' } } });
    const { dir, config, workload } = project(s);
    workload('evil', { repeats: 2, expectations: { regex: '^(a+)+$' } });
    let pid = 0;
    let sawDispatch = false;
    const running = runCli(['lab', 'run', 'evil', '--config', config, '--json'], { cwd: dir, onSpawn: (p) => (pid = p) });
    // The first check takes its full 5 s bound; Ctrl-C during the second must end the run promptly.
    const t0 = Date.now();
    while (!sawDispatch && Date.now() - t0 < 20_000) {
      await sleep(100);
      sawDispatch = fs.existsSync(path.join(dir, '.local-ai-lab', 'runs')) && fs.readdirSync(path.join(dir, '.local-ai-lab', 'runs')).some((id) => fs.existsSync(path.join(dir, '.local-ai-lab', 'runs', id, 'dispatches.jsonl')));
    }
    assert.ok(sawDispatch, 'the first dispatch was recorded');
    await sleep(1000);
    process.kill(pid, 'SIGINT');
    const r = await running;
    const out = JSON.parse(r.stdout);
    assert.equal(out.session.status, 'cancelled');
    // Had the check ignored the cancel, it would have run to its bound and recorded the second dispatch.
    assert.equal(out.dispatches.length, 1);
    assert.equal(out.dispatches[0].errorMessage, 'expectation check timed out');
    assert.equal(out.dispatches[0].completed, false);
  });

  it('an endless stream is cut off at maxOutputBytes with errorKind output-too-large', async () => {
    const s = await serve({ ...lmStudioRoutes(), 'POST /v1/chat/completions': { chat: { endless: true } } });
    const { dir, config, labDir, workload } = project(s);
    workload('endless', { maxOutputBytes: 256 * 1024, timeoutSeconds: 60 });
    const r = await runCli(['lab', 'run', 'endless', '--config', config, '--json'], { cwd: dir });
    assert.equal(r.status, 1);
    const out = JSON.parse(r.stdout);
    const d = out.dispatches[0];
    assert.equal(d.errorKind, 'output-too-large');
    assert.match(d.errorMessage, /262144 bytes/);
    const size = fs.statSync(path.join(labDir, 'runs', out.session.id, d.outputFile)).size;
    assert.ok(size <= 256 * 1024 && size > 200 * 1024, `kept ${size} bytes`);
  });
});

describe('long prompts reach OpenClaw', () => {
  it('a prompt over 128 KiB goes through --message-file (no spawn E2BIG); over 4 MiB it is refused before starting', async () => {
    const s = await serve({ ...lmStudioRoutes() });
    const { dir, config, labDir, workload } = project(s);
    const capture = path.join(dir, 'capture.json');
    // A stand-in `openclaw` that records how it got the message (the real one is tested in lab-openclaw).
    const fake = path.join(dir, 'openclaw');
    fs.writeFileSync(
      fake,
      `#!${process.execPath}
const fs = require('fs');
const a = process.argv.slice(2);
if (a[0] === '--version') { console.log('OpenClaw 2026.9.6'); process.exit(0); }
if (a[0] === 'config') { console.log('{"valid":true}'); process.exit(0); }
const i = a.indexOf('--message-file');
const file = i >= 0 ? a[i + 1] : undefined;
fs.writeFileSync(${JSON.stringify(capture)}, JSON.stringify({ inline: a.includes('--message'), file, mode: file ? fs.statSync(file).mode & 0o777 : null, body: file ? fs.readFileSync(file, 'utf8') : a[a.indexOf('--message') + 1] }));
console.log(JSON.stringify({ payloads: [{ text: 'DONE' }], meta: { durationMs: 5, stopReason: 'stop' } }));
`,
      { mode: 0o755 },
    );
    const prompt = 'Refactor this. '.repeat(14_000); // ~210 KB
    fs.writeFileSync(path.join(labDir, 'workloads', 'long.txt'), prompt);
    workload('long', { dispatcher: 'openclaw', transport: 'local', prompt: undefined, promptFile: 'long.txt' });
    const r = await runCli(['lab', 'run', 'long', '--config', config, '--openclaw', fake, '--json'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr + r.stdout.slice(0, 500));
    assert.equal(JSON.parse(r.stdout).dispatches[0].completed, true);
    const seen = JSON.parse(fs.readFileSync(capture, 'utf8'));
    assert.equal(seen.inline, false);
    assert.equal(seen.body, prompt);
    assert.equal(seen.mode, 0o600);
    assert.equal(fs.existsSync(seen.file), false, 'the message file is removed after the dispatch');

    fs.writeFileSync(path.join(labDir, 'workloads', 'huge.txt'), 'x'.repeat(5 * 1024 * 1024));
    workload('huge', { dispatcher: 'openclaw', transport: 'local', prompt: undefined, promptFile: 'huge.txt' });
    fs.rmSync(capture);
    const big = await runCli(['lab', 'run', 'huge', '--config', config, '--openclaw', fake], { cwd: dir });
    assert.equal(big.status, 1);
    assert.match(big.stderr, /the prompt is 5\.0 MiB; openclaw agent reads at most 4 MiB/);
    assert.equal(fs.existsSync(capture), false, 'nothing was dispatched');
  });
});

describe('the openclaw dispatcher is bounded too', () => {
  it('an openclaw that prints forever is stopped at maxOutputBytes, its process group with it', async () => {
    const s = await serve({ ...lmStudioRoutes() });
    const { dir, config, workload } = project(s);
    const pidFile = path.join(dir, 'child.pid');
    const fake = path.join(dir, 'openclaw');
    fs.writeFileSync(fake, `#!/bin/sh\n[ "$1" = "--version" ] && { echo "OpenClaw 2026.9.6"; exit 0; }\n[ "$1" = "config" ] && { echo '{"valid":true}'; exit 0; }\nsleep 300 &\necho $! > ${pidFile}\nexec yes '{"payloads":[]}'\n`, { mode: 0o755 });
    workload('chatty', { dispatcher: 'openclaw', transport: 'local', maxOutputBytes: 64 * 1024 });
    const r = await runCli(['lab', 'run', 'chatty', '--config', config, '--openclaw', fake, '--json'], { cwd: dir });
    assert.equal(r.status, 1, r.stderr);
    const d = JSON.parse(r.stdout).dispatches[0];
    assert.equal(d.errorKind, 'output-too-large');
    const child = Number(fs.readFileSync(pidFile, 'utf8'));
    const until = Date.now() + 15_000;
    while (alive(child) && Date.now() < until) await sleep(50);
    assert.equal(alive(child), false, 'the whole group was stopped');
  });
});

describe('secrets and where requests go', () => {
  it('LM_API_TOKEN goes only to the LM Studio server, never to Ollama, llama.cpp, vLLM or mlx (even one whose provider id is lmstudio)', async () => {
    const token = 'tok-7f3a-secret';
    const lm = await serve(lmStudioRoutes());
    const others = [await serve(ollamaRoutes()), await serve(llamaCppRoutes()), await serve(vllmRoutes()), await serve(mlxRoutes())];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-hard-'));
    const config = path.join(dir, 'openclaw.json');
    const p = (url: string) => `{ baseUrl: '${url}/v1', models: [{ id: 'm', name: 'm' }] }`;
    // The provider named lmstudio is really Ollama; the real LM Studio hides behind another id.
    fs.writeFileSync(config, `{ models: { providers: { lmstudio: ${p(others[0]!.url)}, local: ${p(lm.url)}, llama: ${p(others[1]!.url)}, vllm: ${p(others[2]!.url)}, mlx: ${p(others[3]!.url)} } }, agents: { defaults: { model: 'local/m' } } }`);
    const r = await runCli(['check', '--config', config, '--json'], { cwd: dir, env: { LM_API_TOKEN: token } });
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    const kinds = Object.fromEntries(JSON.parse(r.stdout).runtimes.map((x: { provider: string; kind: string }) => [x.provider, x.kind]));
    assert.deepEqual(kinds, { lmstudio: 'ollama', local: 'lmstudio', llama: 'llamacpp', vllm: 'vllm', mlx: 'mlx' });
    for (const o of others) {
      assert.ok(o.requests.length > 0);
      for (const q of o.requests) assert.equal(q.headers.authorization, undefined, `${q.method} ${q.path} on ${o.url}`);
    }
    assert.equal(lm.requests.find((q) => q.path === '/lmstudio-greeting')?.headers.authorization, undefined, 'not on identification');
    assert.equal(lm.requests.find((q) => q.path === '/api/v1/models')?.headers.authorization, `Bearer ${token}`);
    // The profile path (plan, load/unload actions, re-probe) keeps to the same rule.
    const seen = others.map((o) => o.requests.length);
    await runCli(['lab', 'run', 'quick-check', '-n', '1', '--config', config, '--profile', 'mid-range', '--json'], { cwd: dir, env: { LM_API_TOKEN: token } });
    assert.ok(others.some((o, i) => o.requests.length > seen[i]!), 'the servers were asked again');
    for (const o of others) for (const q of o.requests) assert.equal(q.headers.authorization, undefined, `${q.method} ${q.path} on ${o.url}`);
  });

  it('the lab sends no LM Studio token and no ${HOME} to a model server; a named key variable is resolved', async () => {
    const s = await serve({ ...ollamaRoutes(), 'POST /v1/chat/completions': { chat: ok() } });
    const home = { HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'lal-home-')) };
    const a = project(s, 'lmstudio', `apiKey: '\${HOME}',`);
    const r = await runCli(['lab', 'run', 'quick-check', '-n', '1', '--config', a.config, '--json'], { cwd: a.dir, env: { ...home, LM_API_TOKEN: 'tok-lab-secret' } });
    assert.equal(r.status, 0, r.stderr);
    const all = JSON.stringify(s.requests.map((q) => q.headers));
    assert.ok(!all.includes('tok-lab-secret'), 'no LM Studio token on an Ollama server');
    assert.ok(!all.includes(home.HOME), '${HOME} is not resolved into a key');
    assert.equal(s.requests.find((q) => q.path === '/v1/chat/completions')!.headers.authorization, 'Bearer local');

    const b = project(s, 'ollama', `apiKey: '\${LAL_TEST_PROVIDER_KEY}',`);
    const r2 = await runCli(['lab', 'run', 'quick-check', '-n', '1', '--config', b.config, '--json'], { cwd: b.dir, env: { LAL_TEST_PROVIDER_KEY: 'k-123' } });
    assert.equal(r2.status, 0, r2.stderr);
    assert.equal(s.requests.filter((q) => q.path === '/v1/chat/completions').at(-1)!.headers.authorization, 'Bearer k-123');
    assert.deepEqual(
      [resolveApiKey('${PATH}', { PATH: '/bin' }), resolveApiKey('${XDG_CONFIG_HOME}', { XDG_CONFIG_HOME: '/x' }), resolveApiKey('pre-${KEY}', { KEY: 'k' }), resolveApiKey('${lower}', { lower: 'k' }), resolveApiKey('${KEY}', { KEY: 'k' }), resolveApiKey('lmstudio')],
      [undefined, undefined, undefined, undefined, 'k', 'lmstudio'],
    );
  });

  it('a hosted endpoint is refused before any request unless allowed (--allow-hosted / the machine setting)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-hard-'));
    const config = path.join(dir, 'openclaw.json');
    fs.writeFileSync(config, `{ models: { providers: { openai: { baseUrl: 'https://api.openai.com/v1', apiKey: '\${OPENAI_API_KEY}', models: [{ id: 'gpt-x', name: 'g' }] } } }, agents: { defaults: { model: 'openai/gpt-x' } } }`);
    const r = await runCli(['lab', 'run', 'quick-check', '--config', config], { cwd: dir });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /https:\/\/api\.openai\.com\/v1, which is not on this machine or the local network.*--allow-hosted/);
    assert.ok(!fs.existsSync(path.join(dir, '.local-ai-lab', 'runs')), 'no session was started');
    const obs = check({ doc: readConfig(config).doc }).observation;
    const w = BUILTIN_WORKLOADS[0]!;
    assert.throws(() => openAiTarget(obs, w), /not on this machine/);
    const t = openAiTarget(obs, w, { allowHosted: true });
    assert.equal(t.baseUrl, 'https://api.openai.com/v1');
  });

  it('a key from the environment is not sent to a one-label host name (search domains may resolve it anywhere); a literal key or an address is', () => {
    const target = (baseUrl: string, apiKey: string) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-hard-'));
      const config = path.join(dir, 'openclaw.json');
      fs.writeFileSync(config, `{ models: { providers: { box: { baseUrl: '${baseUrl}', apiKey: '${apiKey}', models: [{ id: 'm', name: 'm' }] } } }, agents: { defaults: { model: 'box/m' } } }`);
      return (o?: { allowHosted?: boolean }) => openAiTarget(check({ doc: readConfig(config).doc }).observation, BUILTIN_WORKLOADS[0]!, o);
    };
    process.env.LAL_TEST_BOX_KEY = 'k-box';
    try {
      assert.throws(() => target('http://gpu-box:1234/v1', '${LAL_TEST_BOX_KEY}')(), /one-label host name .* apiKey comes from the environment \(\$\{LAL_TEST_BOX_KEY\}\).*--allow-hosted/);
      assert.equal(target('http://gpu-box:1234/v1', '${LAL_TEST_BOX_KEY}')({ allowHosted: true }).apiKey, 'k-box');
      assert.equal(target('http://gpu-box:1234/v1', 'literal-key')().apiKey, 'literal-key');
      assert.equal(target('http://192.168.1.20:1234/v1', '${LAL_TEST_BOX_KEY}')().apiKey, 'k-box');
      assert.equal(target('http://localhost:1234/v1', '${LAL_TEST_BOX_KEY}')().apiKey, 'k-box');
      assert.equal(target('http://gpu-box.local:1234/v1', '${LAL_TEST_BOX_KEY}')().apiKey, 'k-box');
    } finally {
      delete process.env.LAL_TEST_BOX_KEY;
    }
  });

  it('item 13: a baseUrl with user:password@ is not contacted, says why, and the password is in no output', async () => {
    const s = await serve({ ...lmStudioRoutes(), 'POST /v1/chat/completions': { chat: ok() } });
    const { dir, config } = project(s);
    fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('http://127.0.0.1', 'http://admin:PASSWORD-91@127.0.0.1'));
    for (const args of [['lab', 'run', 'quick-check', '--config', config], ['lab', 'run', 'quick-check', '--config', config, '--json'], ['check', '--config', config], ['profile', 'list', '--config', config, '--json']]) {
      const r = await runCli(args, { cwd: dir });
      assert.doesNotMatch(r.stdout + r.stderr, /PASSWORD-91/, args.join(' '));
      if (args[0] === 'lab') {
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stderr, /http:\/\/\*\*\*@127\.0\.0\.1:\d+\/v1 carries a user name and password in the URL.*not contacted/, args.join(' '));
        assert.doesNotMatch(r.stderr, /nothing answers/, 'not the wrong reason');
      }
    }
    assert.equal(s.requests.length, 0, 'nothing was contacted');
  });

  it('a promptFile outside the workload folder and the workspace is refused, symlinks resolved first, unless allowed', async () => {
    const s = await serve({ ...lmStudioRoutes(), 'POST /v1/chat/completions': { chat: ok() } });
    const { dir, config, labDir, workload } = project(s);
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'SECRET-CONTENT-42');
    workload('abs', { prompt: undefined, promptFile: '/etc/passwd' });
    workload('rel', { prompt: undefined, promptFile: path.relative(path.join(labDir, 'workloads'), path.join(outside, 'secret.txt')) });
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(labDir, 'workloads', 'link.txt'));
    workload('link', { prompt: undefined, promptFile: 'link.txt' });
    for (const name of ['abs', 'rel', 'link']) {
      const r = await runCli(['lab', 'run', name, '--config', config], { cwd: dir });
      assert.equal(r.status, 2, name);
      assert.match(r.stderr, /is outside the workload's folder and the workspace/, name);
    }
    assert.ok(!JSON.stringify(s.requests).includes('SECRET-CONTENT-42') && !JSON.stringify(s.requests).includes('root:'), 'nothing was sent');
    // Inside the workload folder or the workspace (cwd) is fine.
    fs.writeFileSync(path.join(dir, 'task.md'), 'Workspace prompt DONE');
    workload('ws', { prompt: undefined, promptFile: '../../task.md' });
    assert.equal((await runCli(['lab', 'run', 'ws', '--config', config], { cwd: dir })).status, 0);
    const allowed = await runCli(['lab', 'run', 'link', '--config', config, '--allow-any-prompt-file', '--json'], { cwd: dir });
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.ok(JSON.stringify(s.requests.at(-1)!.body).includes('SECRET-CONTENT-42'), 'with the opt-in the file is read');
  });
});
