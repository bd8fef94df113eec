import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isLocalServer } from '../../src/core/servers/address.js';
import { inspectServer } from '../../src/core/servers/inspect.js';
import { llamaCppRoutes, lmStudioRoutes, mlxRoutes, ollamaRoutes, serverPool, vllmRoutes } from '../support/scriptedServer.js';

const opts = { timeoutMs: 1500 };
const pool = serverPool();
const start = pool.start;
after(pool.closeAll);

describe('inspectServer against real loopback servers', () => {
  it('LM Studio REST v1: loaded context per instance, downloads with their maximum', async () => {
    const s = await start(lmStudioRoutes({ loadedContext: 32768 }));
    const st = await inspectServer(`${s.url}/v1`, opts);
    assert.equal(st.status, 'ok');
    assert.equal(st.kind, 'lmstudio');
    assert.deepEqual(st.loaded.map((m) => [m.identifier, m.loadedContextLength, m.maxContextLength]), [['qwen/qwen3-coder-30b', 32768, 262144]]);
    assert.ok(st.downloaded?.some((d) => d.modelKey === 'qwen3-4b-instruct-2507' && d.paramsString === '4B'));
  });

  it('LM Studio without v1 falls back to /api/v0/models', async () => {
    const s = await start(lmStudioRoutes({ loadedContext: 4096, v1: false }));
    const st = await inspectServer(`${s.url}/v1`, opts);
    assert.deepEqual(st.loaded.map((m) => m.loadedContextLength), [4096]);
  });

  it('LM Studio that wants a token says how to give it one', async () => {
    const s = await start(lmStudioRoutes({ requireToken: 'secret' }));
    const st = await inspectServer(`${s.url}/v1`, opts);
    assert.equal(st.status, 'unreadable');
    assert.match(st.detail!, /Set LM Studio API Token/);
  });

  it('Ollama: /api/ps context per request, /api/show trained maximum', async () => {
    const s = await start(ollamaRoutes());
    const st = await inspectServer(`${s.url}/v1`, opts);
    assert.equal(st.kind, 'ollama');
    assert.deepEqual(st.loaded.map((m) => [m.identifier, m.loadedContextLength, m.maxContextLength]), [['gemma4', 4096, 131072]]);
  });

  it('llama.cpp: per-slot n_ctx from /props, trained context from /v1/models meta', async () => {
    const s = await start(llamaCppRoutes(8192, 4));
    const st = await inspectServer(`${s.url}/v1`, opts);
    assert.equal(st.kind, 'llamacpp');
    assert.equal(st.loaded[0]!.loadedContextLength, 8192);
    assert.equal(st.loaded[0]!.maxContextLength, 131072);
    assert.match(st.loaded[0]!.note!, /per slot, 4 slots/);
  });

  it('vLLM: max_model_len', async () => {
    const s = await start(vllmRoutes());
    const st = await inspectServer(`${s.url}/v1`, opts);
    assert.equal(st.kind, 'vllm');
    assert.equal(st.loaded[0]!.loadedContextLength, 32768);
  });

  it('mlx_lm.server: says unknown, never guesses', async () => {
    const s = await start(mlxRoutes());
    const st = await inspectServer(`${s.url}/v1`, opts);
    assert.equal(st.kind, 'mlx');
    assert.equal(st.knowsLoaded, false);
    assert.deepEqual(st.loaded, []);
    assert.match(st.detail!, /unknown/);
  });

  it('a hung server costs one timeout, not one per endpoint', async () => {
    const s = await start({ '/lmstudio-greeting': { hang: true }, '/api/version': { hang: true }, '/props': { hang: true }, '/v1/models': { hang: true }, '/health': { hang: true } });
    const t0 = Date.now();
    const st = await inspectServer(`${s.url}/v1`, { timeoutMs: 400 });
    const took = Date.now() - t0;
    assert.equal(st.status, 'unreachable');
    assert.match(st.detail!, /no answer within 400 ms/);
    assert.ok(took < 1500, `took ${took} ms`);
  });

  it('500s, garbage and wrong shapes give "could not read", never a throw', async () => {
    const s500 = await start({ '/lmstudio-greeting': { json: { lmstudio: true } }, '/api/v1/models': { json: {}, status: 500 }, '/api/v0/models': { text: 'boom', status: 500 } });
    assert.equal((await inspectServer(`${s500.url}/v1`, opts)).status, 'unreadable');
    const garbage = await start({ '/lmstudio-greeting': { json: { lmstudio: true } }, '/api/v1/models': { text: '<html>nope' }, '/api/v0/models': { json: { data: 'not an array' } } });
    const g = await inspectServer(`${garbage.url}/v1`, opts);
    assert.equal(g.status, 'unreadable');
    const stranger = await start({ '/': { text: 'hello' }, '/health': { text: 'fine' } });
    assert.equal((await inspectServer(`${stranger.url}/v1`, opts)).status, 'unreadable');
  });

  it('a slow but answering server is read', async () => {
    const routes = lmStudioRoutes();
    const slow = Object.fromEntries(Object.entries(routes).map(([k, r]) => [k, (req: Parameters<Extract<typeof r, Function>>[0]) => ({ ...(typeof r === 'function' ? r(req) : r), delayMs: 300 })]));
    const s = await start(slow as never);
    const t0 = Date.now();
    assert.equal((await inspectServer(`${s.url}/v1`, { timeoutMs: 1500 })).status, 'ok');
    assert.ok(Date.now() - t0 >= 550, 'the answers really were slow (two round trips of 300 ms)');
  });

  it('nothing listening is unreachable', async () => {
    const s = await start({});
    await s.close();
    const st = await inspectServer(`${s.url}/v1`, opts);
    assert.equal(st.status, 'unreachable');
  });
});

describe('isLocalServer', () => {
  it('probes only this machine and the local network', () => {
    for (const u of ['http://localhost:1234/v1', 'http://127.0.0.1:8080', 'http://[::1]:11434', 'http://192.168.1.20:1234/v1', 'http://10.0.0.5:8000', 'http://studio.local:1234', 'http://gpubox:8080']) assert.ok(isLocalServer(u), u);
    for (const u of ['https://api.openai.com/v1', 'http://8.8.8.8:80', 'not a url', 'http://172.32.0.1']) assert.ok(!isLocalServer(u), u);
  });

  it('#27 Also: a cloud metadata address is not local, though link-local (it hands out credentials)', () => {
    for (const u of ['http://169.254.169.254/latest/v1', 'http://[fd00:ec2::254]/v1', 'http://metadata/computeMetadata/v1', 'http://169.254.170.2/v1']) assert.ok(!isLocalServer(u), u);
    assert.ok(isLocalServer('http://169.254.10.20:1234/v1'), 'another link-local address still is');
  });
});
