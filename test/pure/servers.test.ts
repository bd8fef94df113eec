import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fromV0Models, fromV1Models, loadedFromLmsPs } from '../../src/core/servers/lmstudio.js';
import { ollamaLoaded, ollamaShow, vllmLoaded } from '../../src/core/servers/others.js';
import { inspectServer } from '../../src/core/servers/inspect.js';
import { runRules } from '../../src/core/rules/registry.js';
import { config, observe } from '../support/observe.js';
import { lmStudioRoutes, ollamaRoutes, serverPool, startServer, vllmRoutes } from '../support/scriptedServer.js';

const FIX = path.resolve('test/fixtures/servers');
const fixture = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(FIX, name), 'utf8'));
const opts = { timeoutMs: 1500 };
const pool = serverPool();
const start = pool.start;
after(pool.closeAll);

describe('readers tolerate every server version', () => {
  it('every fixture is listed in MANIFEST.md with a source', () => {
    const manifest = fs.readFileSync(path.join(FIX, 'MANIFEST.md'), 'utf8');
    for (const f of fs.readdirSync(FIX).filter((n) => n.endsWith('.json'))) assert.match(manifest, new RegExp('`' + f.replace('.', '\\.') + '`'), f);
  });

  it('lms ps --json before 2025-02 (identifier/path, no modelKey/contextLength): models read, context unknown', () => {
    const loaded = loadedFromLmsPs(fixture('lms-ps-pre-2025-02.json'));
    assert.deepEqual(loaded.map((m) => [m.identifier, m.loadedContextLength]), [['qwen2.5-7b-instruct', undefined]]);
    assert.match(loaded[0]!.note!, /does not report the loaded context/);
    assert.throws(() => loadedFromLmsPs([{ sizeBytes: 1 }]), /names no model/, 'a row naming no model is still not lms ps output');
  });

  it('vLLM /v1/models with "max_model_len": null on a LoRA adapter: the adapter is skipped, the base model kept', () => {
    assert.deepEqual(vllmLoaded(fixture('vllm-models-lora.json')).map((m) => [m.identifier, m.loadedContextLength]), [['Qwen/Qwen2.5-7B-Instruct', 32768]]);
  });

  it('vLLM with a null-length adapter is still probed as vLLM and read', async () => {
    const s = await start({ ...vllmRoutes(), '/v1/models': { json: fixture('vllm-models-lora.json') } });
    const st = await inspectServer(`${s.url}/v1`, opts);
    assert.equal(st.status, 'ok', st.detail);
    assert.equal(st.kind, 'vllm');
    assert.deepEqual(st.loaded.map((m) => m.identifier), ['Qwen/Qwen2.5-7B-Instruct']);
  });

  it('LM Studio /api/v0/models rows without type but with loaded_context_length: an LLM, loaded', () => {
    const { loaded, downloaded } = fromV0Models(fixture('lmstudio-v0-models-untyped.json'));
    assert.deepEqual(loaded.map((m) => [m.identifier, m.loadedContextLength]), [['qwen3-4b-instruct-2507', 68000]]);
    assert.equal(downloaded.find((d) => d.modelKey === 'qwen3-4b-instruct-2507')?.type, 'llm');
    assert.equal(downloaded.find((d) => d.modelKey === 'text-embedding-nomic-embed-text-v1.5')?.type, 'embedding');
    const noState = fromV0Models({ data: [{ id: 'm', loaded_context_length: 8192 }, { id: 'n' }] });
    assert.deepEqual(noState.loaded.map((m) => m.identifier), ['m'], 'no state but a loaded context: loaded; neither: not loaded');
  });

  it('LM Studio v1 capabilities: trained_for_tool_use and reasoning (0.4.8+); absence of reasoning proves nothing', () => {
    const { loaded, downloaded } = fromV1Models(fixture('lmstudio-v1-models-capabilities.json'));
    assert.deepEqual(loaded[0]!.capabilities, { tools: true, thinking: true });
    assert.deepEqual(downloaded.find((d) => d.modelKey === 'tinyllama-1.1b-chat')!.capabilities, { tools: false });
  });

  it('Ollama /api/show: Modelfile num_ctx, trained context, capabilities; older servers leave them unknown', () => {
    assert.deepEqual(ollamaShow(fixture('ollama-show-qwen3.json')), { maxContextLength: 40960, modelfileNumCtx: 40960, capabilities: { tools: true, thinking: true } });
    assert.deepEqual(ollamaShow(fixture('ollama-show-gemma3.json')), { maxContextLength: 131072, capabilities: { tools: false, thinking: false } });
    assert.deepEqual(ollamaShow(fixture('ollama-show-pre-capabilities.json')), { maxContextLength: 131072 });
    assert.deepEqual(ollamaLoaded(fixture('ollama-ps.json')).map((m) => [m.identifier, m.loadedContextLength]), [['qwen3:8b', 4096]]);
  });

  it('the Ollama probe reads /api/show for downloaded models too (capabilities of what the config names)', async () => {
    const s = await start({
      ...ollamaRoutes(),
      '/api/tags': { json: { models: [{ name: 'gemma4', size: 1 }, { name: 'gemma3:4b', size: 1 }] } },
      'POST /api/show': (req) => ({ json: fixture((req.body as { model: string }).model === 'gemma3:4b' ? 'ollama-show-gemma3.json' : 'ollama-show-qwen3.json') }),
    });
    const st = await inspectServer(`${s.url}`, opts);
    assert.equal(st.kind, 'ollama');
    assert.deepEqual(st.downloaded?.find((d) => d.modelKey === 'gemma3:4b')?.capabilities, { tools: false, thinking: false });
    assert.equal(st.loaded[0]!.modelfileNumCtx, 40960);
  });
});

describe('probe wording: answered but …, never "nothing answers" for a server that answered', () => {
  const everywhere = (reply: Parameters<typeof startServer>[0][string]) =>
    Object.fromEntries(['/lmstudio-greeting', '/api/version', '/props', '/v1/models', '/health'].map((p) => [p, reply]));

  it('500 on every endpoint', async () => {
    const s = await start(everywhere({ text: 'Internal Server Error', status: 500 }));
    const st = await inspectServer(`${s.url}/v1`, opts);
    assert.equal(st.status, 'unreadable');
    assert.match(st.detail!, /answered at .*, but never usably \(HTTP 500\)/);
    assert.doesNotMatch(st.detail!, /nothing answers/);
  });

  it('a redirect (to a login page) is not followed and is reported as an answer', async () => {
    const s = await start(everywhere({ redirect: 'http://login.example.invalid/sso' }));
    const st = await inspectServer(`${s.url}/v1`, opts);
    assert.equal(st.status, 'unreadable');
    assert.match(st.detail!, /answered at .*HTTP 302 redirect to http:\/\/login\.example\.invalid\/sso/);
  });

  it('a torn body (headers, then the connection drops)', async () => {
    const s = await start(everywhere({ torn: '{"data": [{"id": "qwen' }));
    const st = await inspectServer(`${s.url}/v1`, opts);
    assert.equal(st.status, 'unreadable');
    assert.match(st.detail!, /answered at .* broke off mid-body/);
  });

  it('LM Studio whose model list tears is "LM Studio answered …", and a closed port is still "nothing answers"', async () => {
    const lm = await start({ ...lmStudioRoutes(), '/api/v1/models': { torn: '{"models": [' }, '/api/v0/models': { torn: '{"data": [' } });
    const st = await inspectServer(`${lm.url}/v1`, opts);
    assert.equal(st.kind, 'lmstudio');
    assert.match(st.detail!, /LM Studio answered neither .*broke off mid-body/);
    const gone = await start({});
    await gone.close();
    assert.match((await inspectServer(`${gone.url}/v1`, opts)).detail!, /nothing answers/);
  });

  it('a server state with unknown context (old lms) raises no context-window-mismatch', () => {
    const obs = observe(config({ window: 32768 }), {
      runtimes: { lmstudio: { baseUrl: 'http://127.0.0.1:1234/v1', status: 'ok', kind: 'lmstudio', via: 'lms', loaded: loadedFromLmsPs([{ identifier: 'qwen/qwen3-coder-30b', path: 'x/y.gguf' }]) } },
    });
    assert.deepEqual(runRules(obs).filter((f) => f.rule === 'context-window-mismatch'), []);
  });
});
