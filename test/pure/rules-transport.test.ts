import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { runRules } from '../../src/core/rules/registry.js';
import type { ServerState } from '../../src/core/servers/types.js';
import { applyPreferred, dotted, observe, of } from '../support/observe.js';
import { cfg, ollama } from '../support/rulesTransport.js';

describe('stream-usage-missing', () => {
  it('a LAN host on a custom provider id: error on the primary, at the row id; the fix adds compat', () => {
    const text = cfg({});
    const [f, ...rest] = of(runRules(observe(text)), 'stream-usage-missing');
    assert.equal(rest.length, 0);
    assert.equal(f!.severity, 'error');
    assert.equal(dotted(f!), 'models.providers.box.models.0.id');
    const after = applyPreferred(text, f!);
    assert.match(after, /"compat": \{ "supportsUsageInStreaming": true \}/);
    assert.deepEqual(of(runRules(observe(after)), 'stream-usage-missing'), []);
  });

  it('warning when the row is not the primary; 127.0.0.2 is not local; a row api/baseUrl overrides the provider', () => {
    const text = cfg({ baseUrl: 'http://127.0.0.1:8080/v1', defaultsExtra: '"models": {}' }).replace('"primary": "box/qwen3:8b"', '"primary": "anthropic/claude-sonnet-4"');
    assert.deepEqual(of(runRules(observe(text)), 'stream-usage-missing'), [], '127.0.0.1 is local');
    const two = cfg({ baseUrl: 'http://127.0.0.2:8080/v1' }).replace('"primary": "box/qwen3:8b"', '"primary": "anthropic/claude-sonnet-4"');
    assert.equal(of(runRules(observe(two)), 'stream-usage-missing')[0]!.severity, 'warning');
    const rowOverride = cfg({ baseUrl: 'http://127.0.0.1:8080/v1', row: '"baseUrl": "http://gpubox.tail1234.ts.net:8080/v1"' });
    assert.equal(dotted(of(runRules(observe(rowOverride)), 'stream-usage-missing')[0]!), 'models.providers.box.models.0.id');
    const rowApi = cfg({ row: '"api": "openai-responses"' });
    assert.deepEqual(of(runRules(observe(rowApi)), 'stream-usage-missing'), [], 'the row speaks responses, not completions');
  });

  it('close negatives: provider ids lmstudio/vllm/sglang (any case), *.local/*.internal/[::1] hosts, compat written (even false), api unset on a custom id still counts', () => {
    for (const id of ['lmstudio', 'vLLM', 'sglang']) assert.deepEqual(of(runRules(observe(cfg({ id }))), 'stream-usage-missing'), [], id);
    for (const baseUrl of ['http://studio.local:1234/v1', 'http://host.docker.internal:8000/v1', 'http://[::1]:8080/v1', 'http://box.localhost:8080/v1']) {
      assert.deepEqual(of(runRules(observe(cfg({ baseUrl }))), 'stream-usage-missing'), [], baseUrl);
    }
    assert.deepEqual(of(runRules(observe(cfg({ row: '"compat": { "supportsUsageInStreaming": false }' }))), 'stream-usage-missing'), [], 'an explicit choice');
    const unset = cfg({ api: null });
    assert.equal(of(runRules(observe(unset)), 'stream-usage-missing').length, 1, 'custom providers default to openai-completions');
    const withCompat = cfg({ row: '"compat": { "supportsTools": true }' });
    assert.match(applyPreferred(withCompat, of(runRules(observe(withCompat)), 'stream-usage-missing')[0]!), /"compat": \{ "supportsTools": true, "supportsUsageInStreaming": true \}/);
  });
});

describe('ollama-num-ctx-unset', () => {
  const native = (o: Parameters<typeof cfg>[0] = {}) => cfg({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434', api: 'ollama', ...o });

  it('native Ollama without num_ctx or contextTokens: warning at the row id; the fix sets both to C', () => {
    const text = native();
    const [f] = of(runRules(observe(text, { runtimes: { ollama: ollama([{ name: 'qwen3:8b', max: 40960 }]) } })), 'ollama-num-ctx-unset');
    assert.equal(f!.severity, 'warning');
    assert.equal(dotted(f!), 'models.providers.ollama.models.0.id');
    const after = applyPreferred(text, f!);
    assert.match(after, /"contextWindow": 32768, "contextTokens": 32768, "params": \{ "num_ctx": 32768 \} \}/);
    assert.deepEqual(of(runRules(observe(after)), 'ollama-num-ctx-unset'), []);
  });

  it('error when the server context is known to be below C − R (Modelfile num_ctx, else /api/ps)', () => {
    const text = native();
    const ps = of(runRules(observe(text, { runtimes: { ollama: ollama([{ name: 'qwen3:8b', ctx: 4096 }]) } })), 'ollama-num-ctx-unset');
    assert.equal(ps[0]!.severity, 'error');
    assert.match(ps[0]!.message, /4,096/);
    const modelfile = of(runRules(observe(text, { runtimes: { ollama: ollama([{ name: 'qwen3:8b', ctx: 32768, numCtx: 8192 }]) } })), 'ollama-num-ctx-unset');
    assert.equal(modelfile[0]!.severity, 'error', 'the Modelfile num_ctx is what a request without num_ctx gets');
    const enough = of(runRules(observe(text, { runtimes: { ollama: ollama([{ name: 'qwen3:8b', ctx: 32768 }]) } })), 'ollama-num-ctx-unset');
    assert.equal(enough[0]!.severity, 'warning');
  });

  it('close negatives: num_ctx from provider params, agents.defaults.models params or row params; contextTokens; :cloud; openai-completions', () => {
    const runs = (text: string) => of(runRules(observe(text)), 'ollama-num-ctx-unset');
    assert.deepEqual(runs(native({ providerExtra: '"params": { "num_ctx": 32768 }' })), []);
    assert.deepEqual(runs(native({ defaultsExtra: '"models": { "ollama/qwen3:8b": { "params": { "num_ctx": 32768 } } }' })), []);
    assert.deepEqual(runs(native({ row: '"params": { "num_ctx": 32768 }' })), []);
    assert.deepEqual(runs(native({ row: '"contextTokens": 32768' })), []);
    for (const modelId of ['glm-4.6:cloud', 'gpt-oss:120b-cloud']) assert.deepEqual(runs(native({ modelId })), [], modelId);
    assert.equal(runs(native({ modelId: 'cloudy:8b' })).length, 1, 'only a cloud tag counts');
    assert.equal(runs(native({ row: '"params": { "num_ctx": 0 }' })).length, 1, 'zero is not a positive num_ctx');
    assert.equal(runs(native({ providerExtra: '"params": { "num_ctx": 32768 }', row: '"params": { "num_ctx": -1 }' })).length, 1, 'the row replaces the provider value');
    assert.deepEqual(runs(cfg({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1' })), [], 'not native: ollama-openai-compat covers it');
    assert.equal(runs(cfg({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434', api: null })).length, 1, 'the bundled ollama id defaults to the native api');
  });
});

describe('ollama-openai-compat', () => {
  it('openai-completions to Ollama with num_ctx injected (provider id ollama): warning at the api; the fix switches to native and drops /v1', () => {
    const text = cfg({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1' });
    const [f] = of(runRules(observe(text, { runtimes: { ollama: ollama([{ name: 'qwen3:8b', ctx: 32768 }]) } })), 'ollama-openai-compat');
    assert.equal(f!.severity, 'warning');
    assert.equal(dotted(f!), 'models.providers.ollama.api');
    const after = applyPreferred(text, f!);
    assert.match(after, /"baseUrl": "http:\/\/127\.0\.0\.1:11434",\n\s+"api": "ollama"/);
  });

  it('error when num_ctx will not be sent: responses api, a LAN host under another id, injectNumCtxForOpenAICompat false', () => {
    const st = { box: ollama([{ name: 'qwen3:8b', ctx: 4096 }]) };
    const sev = (text: string) => of(runRules(observe(text, { runtimes: st })), 'ollama-openai-compat').map((f) => f.severity);
    assert.deepEqual(sev(cfg({ baseUrl: 'http://127.0.0.1:11434/v1', api: 'openai-responses' })), ['error']);
    assert.deepEqual(sev(cfg({ baseUrl: 'http://192.168.1.20:11434/v1' })), ['error'], 'a LAN host under id "box"');
    assert.deepEqual(sev(cfg({ baseUrl: 'http://127.0.0.1:11434/v1', providerExtra: '"injectNumCtxForOpenAICompat": false' })), ['error']);
    assert.deepEqual(sev(cfg({ baseUrl: 'http://127.0.0.1:11434/v1' })), ['warning'], 'loopback on 11434 gets num_ctx');
    const named = { 'my-ollama': ollama([{ name: 'qwen3:8b' }]) };
    assert.equal(of(runRules(observe(cfg({ id: 'my-ollama', baseUrl: 'http://192.168.1.20:11434/v1' }), { runtimes: named })), 'ollama-openai-compat')[0]!.severity, 'warning', 'id contains ollama, port 11434, path /v1');
    assert.equal(of(runRules(observe(cfg({ id: 'my-ollama', baseUrl: 'http://192.168.1.20:11434/proxy/v1' }), { runtimes: named })), 'ollama-openai-compat')[0]!.severity, 'error', 'any other path');
  });

  it('two rows under one provider-level api: one finding at that api, one fix (the real corpus file 04)', () => {
    const text = fs.readFileSync('test/fixtures/corpus/04-ollama-strings.json', 'utf8');
    const fs4 = of(runRules(observe(text)), 'ollama-openai-compat');
    assert.deepEqual(fs4.map((f) => [dotted(f), f.severity]), [['models.providers.ollama.api', 'warning']]);
    assert.match(fs4[0]!.message, /ollama\/qwen2\.5:7b, ollama\/llama3\.2:3b talk to Ollama/);
    const after = applyPreferred(text, fs4[0]!);
    assert.match(after, /"baseUrl": "http:\/\/127\.0\.0\.1:11434",\n\s+"api": "ollama"/);
  });

  it('close negatives: native api; a non-Ollama server on 11434 that the probe identified; LM Studio', () => {
    assert.deepEqual(of(runRules(observe(cfg({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434', api: 'ollama', row: '"contextTokens": 32768' }))), 'ollama-openai-compat'), []);
    const llama: ServerState = { baseUrl: 'http://127.0.0.1:11434/v1', status: 'ok', kind: 'llamacpp', loaded: [], via: 'test' };
    assert.deepEqual(of(runRules(observe(cfg({ baseUrl: 'http://127.0.0.1:11434/v1' }), { runtimes: { box: llama } })), 'ollama-openai-compat'), []);
    assert.deepEqual(of(runRules(observe(cfg({ id: 'lmstudio', baseUrl: 'http://127.0.0.1:1234/v1' }))), 'ollama-openai-compat'), []);
  });
});

describe('model-lacks-tools', () => {
  const lm = (tools: boolean | undefined): ServerState => ({
    baseUrl: 'http://127.0.0.1:1234/v1',
    status: 'ok',
    kind: 'lmstudio',
    via: 'test',
    loaded: [{ identifier: 'qwen3:8b', modelKey: 'qwen3:8b', loadedContextLength: 32768, ...(tools === undefined ? {} : { capabilities: { tools } }) }],
  });

  it('Ollama model without "tools" used by an agent: error at the row id; the fix sets compat.supportsTools false', () => {
    const text = cfg({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434', api: 'ollama', row: '"contextTokens": 32768' });
    const [f] = of(runRules(observe(text, { runtimes: { ollama: ollama([{ name: 'qwen3:8b', tools: false }]) } })), 'model-lacks-tools');
    assert.equal(f!.severity, 'error');
    assert.equal(dotted(f!), 'models.providers.ollama.models.0.id');
    const after = applyPreferred(text, f!);
    assert.match(after, /"compat": \{ "supportsTools": false \}/);
    assert.deepEqual(of(runRules(observe(after, { runtimes: { ollama: ollama([{ name: 'qwen3:8b', tools: false }]) } })), 'model-lacks-tools'), []);
  });

  it('LM Studio not trained for tool use: warning; unknown or true: nothing; a model nobody uses: nothing; a compactor only: nothing', () => {
    const text = cfg({ id: 'lmstudio', baseUrl: 'http://127.0.0.1:1234/v1' });
    assert.equal(of(runRules(observe(text, { runtimes: { lmstudio: lm(false) } })), 'model-lacks-tools')[0]!.severity, 'warning');
    assert.deepEqual(of(runRules(observe(text, { runtimes: { lmstudio: lm(undefined) } })), 'model-lacks-tools'), []);
    assert.deepEqual(of(runRules(observe(text, { runtimes: { lmstudio: lm(true) } })), 'model-lacks-tools'), []);
    const unused = text.replace('"primary": "lmstudio/qwen3:8b"', '"primary": "anthropic/claude-sonnet-4"');
    assert.deepEqual(of(runRules(observe(unused, { runtimes: { lmstudio: lm(false) } })), 'model-lacks-tools'), []);
    const compactorOnly = unused.replace('"compaction": { "mode": "default" }', '"compaction": { "mode": "default", "model": "lmstudio/qwen3:8b" }');
    assert.deepEqual(of(runRules(observe(compactorOnly, { runtimes: { lmstudio: lm(false) } })), 'model-lacks-tools'), []);
  });

  it('Ollama "qwen3" matches the server\'s "qwen3:latest"; an older Ollama without capabilities says nothing', () => {
    const text = cfg({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434', api: 'ollama', modelId: 'qwen3', row: '"contextTokens": 32768' });
    assert.equal(of(runRules(observe(text, { runtimes: { ollama: ollama([{ name: 'qwen3:latest', tools: false }]) } })), 'model-lacks-tools').length, 1);
    assert.deepEqual(of(runRules(observe(text, { runtimes: { ollama: ollama([{ name: 'qwen3:latest' }]) } })), 'model-lacks-tools'), []);
  });
});
