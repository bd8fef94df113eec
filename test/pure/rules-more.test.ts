import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runRules } from '../../src/core/rules/registry.js';
import type { ServerState } from '../../src/core/servers/types.js';
import { applyPreferred, dotted, observe, of } from '../support/observe.js';
import { cfg, server } from '../support/rulesMore.js';

describe('reasoning-mismatch', () => {
  it('Ollama says it thinks, the row says nothing: warning at the row id; the fix adds reasoning: true', () => {
    const text = cfg({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434', api: 'ollama', model: 'qwen3:8b', row: '"contextTokens": 32768' });
    const st = { ollama: server('ollama', [{ identifier: 'qwen3:8b', capabilities: { tools: true, thinking: true } }], 'http://127.0.0.1:11434') };
    const [f] = of(runRules(observe(text, { runtimes: st })), 'reasoning-mismatch');
    assert.equal(f!.severity, 'warning');
    assert.equal(dotted(f!), 'models.providers.ollama.models.0.id');
    const after = applyPreferred(text, f!);
    assert.match(after, /"contextTokens": 32768, "reasoning": true \}/);
    assert.deepEqual(of(runRules(observe(after, { runtimes: st })), 'reasoning-mismatch'), []);
  });

  it('reasoning: true on an Ollama model without "thinking": at the reasoning value; the fix writes false', () => {
    const text = cfg({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434', api: 'ollama', model: 'gemma3:4b', row: '"contextTokens": 32768, "reasoning": true' });
    const st = { ollama: server('ollama', [{ identifier: 'gemma3:4b', capabilities: { tools: false, thinking: false } }], 'http://127.0.0.1:11434') };
    const [f] = of(runRules(observe(text, { runtimes: st })), 'reasoning-mismatch');
    assert.equal(dotted(f!), 'models.providers.ollama.models.0.reasoning');
    assert.match(applyPreferred(text, f!), /"reasoning": false \}/);
  });

  it('LM Studio: capabilities.reasoning present vs reasoning unset is a mismatch; its absence (before 0.4.8) proves nothing', () => {
    const text = cfg({ row: '"reasoning": true' });
    assert.deepEqual(of(runRules(observe(text, { runtimes: { lmstudio: server('lmstudio', [{ capabilities: { tools: true } }]) } })), 'reasoning-mismatch'), []);
    const unset = cfg({});
    assert.equal(of(runRules(observe(unset, { runtimes: { lmstudio: server('lmstudio', [{ capabilities: { tools: true, thinking: true } }]) } })), 'reasoning-mismatch').length, 1);
    assert.deepEqual(of(runRules(observe(text, { runtimes: { lmstudio: server('lmstudio', [{ capabilities: { thinking: true } }]) } })), 'reasoning-mismatch'), [], 'agreeing');
  });
});

describe('lmstudio-jit-context', () => {
  it('LM Studio under another provider id: warning at the provider key; the fix renames it and every ref', () => {
    const text = cfg({ id: 'lms', defaultsExtra: '"models": { "lms/qwen/qwen3-coder-30b": { "alias": "coder" } }' });
    const [f] = of(runRules(observe(text, { runtimes: { lms: server('lmstudio', [{ loadedContextLength: 32768 }]) } })), 'lmstudio-jit-context');
    assert.equal(f!.severity, 'warning');
    assert.equal(dotted(f!), 'models.providers.lms');
    assert.equal(text.slice(f!.span[0], f!.span[1]), '"lms"');
    const after = applyPreferred(text, f!);
    assert.match(after, /"lmstudio": \{/);
    assert.match(after, /"primary": "lmstudio\/qwen\/qwen3-coder-30b"/);
    assert.match(after, /"lmstudio\/qwen\/qwen3-coder-30b": \{ "alias": "coder" \}/);
    assert.doesNotMatch(after, /"lms[/"]/);
  });

  it('error when a used model is loaded below the first turn; preload false is flagged at its value and removed', () => {
    const small = of(runRules(observe(cfg({ id: 'lms' }), { runtimes: { lms: server('lmstudio', [{ loadedContextLength: 4096 }]) } })), 'lmstudio-jit-context');
    assert.equal(small[0]!.severity, 'error');
    assert.match(small[0]!.message, /4,096/);
    const off = cfg({ providerExtra: '"params": { "preload": false }' });
    const [p] = of(runRules(observe(off, { runtimes: { lmstudio: server('lmstudio', [{ loadedContextLength: 32768 }]) } })), 'lmstudio-jit-context');
    assert.equal(dotted(p!), 'models.providers.lmstudio.params.preload');
    assert.match(applyPreferred(off, p!), /"params": \{\s*\}/);
  });

  it('rename declines when "lmstudio" is taken or a ref is an ${ENV} value', () => {
    const env = cfg({ id: 'lms', primary: '${PRIMARY_MODEL}' }).replace('"compaction": { "mode": "default" }', '"compaction": { "mode": "default", "model": "lms/qwen/qwen3-coder-30b" }');
    const [f] = of(runRules(observe(env, { runtimes: { lms: server('lmstudio', []) } })), 'lmstudio-jit-context');
    assert.match(f!.fixes[0]!.declined!, /PRIMARY_MODEL/);
  });

  it('two loaded instances at different contexts: the one not at the registered context is unloaded', () => {
    const st = server('lmstudio', [{ identifier: 'qwen/qwen3-coder-30b', loadedContextLength: 32768 }, { identifier: 'qwen/qwen3-coder-30b:2', modelKey: 'qwen/qwen3-coder-30b', loadedContextLength: 8192 }]);
    const [f] = of(runRules(observe(cfg({}), { runtimes: { lmstudio: st } })), 'lmstudio-jit-context');
    assert.equal(f!.severity, 'error', 'the extra one is below the first turn');
    assert.equal(dotted(f!), 'models.providers.lmstudio.models.0.id');
    assert.deepEqual(f!.fixes[0]!.plan!.actions, [{ kind: 'unload', runtime: 'lmstudio', baseUrl: 'http://127.0.0.1:1234/v1', identifier: 'qwen/qwen3-coder-30b:2' }]);
  });

  it('close negatives: provider lmstudio with preload on; one instance; two at the same context; an unused provider; not LM Studio', () => {
    const quiet = (text: string, st: ServerState, id = 'lmstudio') => assert.deepEqual(of(runRules(observe(text, { runtimes: { [id]: st } })), 'lmstudio-jit-context'), []);
    quiet(cfg({}), server('lmstudio', [{ loadedContextLength: 32768 }]));
    quiet(cfg({}), server('lmstudio', [{ loadedContextLength: 32768 }, { identifier: 'qwen/qwen3-coder-30b:2', modelKey: 'qwen/qwen3-coder-30b', loadedContextLength: 32768 }]));
    quiet(cfg({ id: 'lms', primary: 'anthropic/claude-sonnet-4' }), server('lmstudio', []), 'lms');
    quiet(cfg({ id: 'box', baseUrl: 'http://127.0.0.1:8080/v1' }), server('llamacpp', [], 'http://127.0.0.1:8080/v1'), 'box');
  });
});

describe('max-tokens-budget', () => {
  it('maxTokens that leaves less than the first turn below C: warning at maxTokens; the fix writes min(8192, C/4)', () => {
    const text = cfg({ row: '"maxTokens": 24000' });
    const [f] = of(runRules(observe(text)), 'max-tokens-budget');
    assert.equal(f!.severity, 'warning');
    assert.equal(dotted(f!), 'models.providers.lmstudio.models.0.maxTokens');
    assert.match(applyPreferred(text, f!), /"maxTokens": 8192 \}/);
  });

  it('above vLLM max_model_len; C/4 below 8192 for a small budget', () => {
    const v = cfg({ id: 'vllm', baseUrl: 'http://127.0.0.1:8000/v1', model: 'Qwen/Qwen2.5-7B-Instruct', row: '"contextTokens": 131072, "maxTokens": 40000' }).replace('"contextWindow": 32768', '"contextWindow": 131072');
    const st = { vllm: server('vllm', [{ identifier: 'Qwen/Qwen2.5-7B-Instruct', loadedContextLength: 32768, maxContextLength: 32768 }], 'http://127.0.0.1:8000/v1') };
    const [f] = of(runRules(observe(v, { runtimes: st })), 'max-tokens-budget');
    assert.match(f!.message, /max_model_len/);
    const small = cfg({ row: '"contextTokens": 24000, "maxTokens": 8192' });
    assert.match(applyPreferred(small, of(runRules(observe(small)), 'max-tokens-budget')[0]!), /"maxTokens": 6000 \}/);
  });

  it('close negatives: 8192 on 32,768; maxTokens ≥ contextWindow (OpenClaw replaces it with min(8192, window)); no maxTokens', () => {
    assert.deepEqual(of(runRules(observe(cfg({ row: '"maxTokens": 8192' }))), 'max-tokens-budget'), []);
    assert.deepEqual(of(runRules(observe(cfg({ row: '"maxTokens": 32768' }))), 'max-tokens-budget'), []);
    assert.deepEqual(of(runRules(observe(cfg({}))), 'max-tokens-budget'), []);
  });
});

describe('vllm-responses-api', () => {
  it('vLLM with openai-responses: warning at the api; the fix writes openai-completions; close negatives', () => {
    const text = cfg({ id: 'box', baseUrl: 'http://127.0.0.1:8000/v1', api: 'openai-responses' });
    const st = (kind: ServerState['kind']) => ({ box: server(kind, [], 'http://127.0.0.1:8000/v1') });
    const [f] = of(runRules(observe(text, { runtimes: st('vllm') })), 'vllm-responses-api');
    assert.equal(f!.severity, 'warning');
    assert.equal(dotted(f!), 'models.providers.box.api');
    assert.match(applyPreferred(text, f!), /"api": "openai-completions"/);
    assert.deepEqual(of(runRules(observe(text, { runtimes: st('llamacpp') })), 'vllm-responses-api'), []);
    assert.deepEqual(of(runRules(observe(cfg({ id: 'box', baseUrl: 'http://127.0.0.1:8000/v1' }), { runtimes: st('vllm') })), 'vllm-responses-api'), []);
  });
});

describe('harmony-tool-calls', () => {
  it('gpt-oss before 2026.5.12: warning at the row id with the upgrade and rename advice; from 2026.5.12 under lmstudio: nothing', () => {
    const text = cfg({ model: 'openai/gpt-oss-20b' });
    const [f] = of(runRules(observe(text, { version: '2026.5.7' })), 'harmony-tool-calls');
    assert.equal(f!.severity, 'warning');
    assert.equal(dotted(f!), 'models.providers.lmstudio.models.0.id');
    assert.match(f!.message, /2026\.5\.12/);
    assert.ok(f!.fixes.some((x) => x.declined?.includes('npm install -g openclaw')));
    assert.deepEqual(of(runRules(observe(text, { version: '2026.5.12' })), 'harmony-tool-calls'), []);
    assert.deepEqual(of(runRules(observe(cfg({}), { version: '2026.5.7' })), 'harmony-tool-calls'), [], 'not gpt-oss');
  });

  it('from 2026.5.12, gpt-oss on LM Studio under another id: the rename is the preferred fix', () => {
    const text = cfg({ id: 'lms', model: 'openai/gpt-oss-20b' });
    const [f] = of(runRules(observe(text, { runtimes: { lms: server('lmstudio', []) } })), 'harmony-tool-calls');
    assert.match(applyPreferred(text, f!), /"primary": "lmstudio\/openai\/gpt-oss-20b"/);
    assert.deepEqual(of(runRules(observe(cfg({ id: 'box', baseUrl: 'http://127.0.0.1:8000/v1', model: 'openai/gpt-oss-20b' }), { runtimes: { box: server('vllm', [], 'http://127.0.0.1:8000/v1') } })), 'harmony-tool-calls'), [], 'vLLM parses Harmony itself');
  });
});
