import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { runRules } from '../../src/core/rules/registry.js';
import { inspectServer } from '../../src/core/servers/inspect.js';
import type { ServerState } from '../../src/core/servers/types.js';
import { applyPreferred, dotted, observe, of } from '../support/observe.js';
import { llamaCppRoutes, ollamaRoutes, serverPool } from '../support/scriptedServer.js';

/**
 * Rules decide by what the server is (the probe's identification of a loopback server replaying a documented
 * response), not by the provider's name. Configs are OpenClaw's own docs examples and a real public config
 * (test/fixtures/identity/MANIFEST.md, test/fixtures/corpus-real/MANIFEST.json); server bodies are
 * test/fixtures/servers (MANIFEST.md).
 */
const read = (p: string) => fs.readFileSync(p, 'utf8');
const body = (f: string) => JSON.parse(read(`test/fixtures/servers/${f}`));
const pool = serverPool();
after(pool.closeAll);

/** LM Studio answering with the docs' REST v1 body: gemma-4-26b-a4b JIT-loaded at 4,096. */
async function lmStudioFromDocs(): Promise<ServerState> {
  const s = await pool.start({ '/lmstudio-greeting': { json: { lmstudio: true } }, '/api/v1/models': { json: body('lmstudio-v1-models-capabilities.json') } });
  return inspectServer(`${s.url}/v1`, { timeoutMs: 1500 });
}
/** vLLM answering with its documented /v1/models body (max_model_len 32,768; a LoRA card without one). */
async function vllmFromDocs(): Promise<ServerState> {
  const s = await pool.start({ '/health': { text: '' }, '/v1/models': { json: body('vllm-models-lora.json') } });
  return inspectServer(`${s.url}/v1`, { timeoutMs: 1500 });
}
async function llamaCpp(): Promise<ServerState> {
  const s = await pool.start(llamaCppRoutes());
  return inspectServer(`${s.url}/v1`, { timeoutMs: 1500 });
}
/** The agents block an operator adds to put a docs example in use (the docs show the provider alone). */
const withPrimary = (text: string, ref: string) => text.replace(/\}\s*$/, `  agents: { defaults: { model: { primary: "${ref}" } } },\n}\n`);

describe('rules by server identity: LM Studio', () => {
  it('a provider without models[] rows under a custom id: the server\'s list says the model OpenClaw discovers is JIT-loaded at 4,096 → error at the provider', async () => {
    const lms = await lmStudioFromDocs();
    assert.equal(lms.kind, 'lmstudio');
    const text = `{ models: { providers: { "lm-studio": { baseUrl: "http://localhost:1234/v1", api: "openai-completions" } } },
  agents: { defaults: { model: { primary: "lm-studio/google/gemma-4-26b-a4b" } } } }`;
    const [f, ...rest] = of(runRules(observe(text, { runtimes: { 'lm-studio': lms } })), 'lmstudio-jit-context');
    assert.deepEqual(rest, []);
    assert.equal(f!.severity, 'error');
    assert.equal(dotted(f!), 'models.providers.lm-studio');
    assert.match(f!.message, /google\/gemma-4-26b-a4b is loaded at 4,096, below OpenClaw's first turn/);
    assert.match(applyPreferred(text, f!), /"?lmstudio"?: \{[^]*primary: "lmstudio\/google\/gemma-4-26b-a4b"/);
    // Close negatives: the same rows-less provider under the bundled id (OpenClaw preloads it); the same custom id on a server that is not LM Studio.
    const bundled = text.replaceAll('lm-studio', 'lmstudio');
    assert.deepEqual(of(runRules(observe(bundled, { runtimes: { lmstudio: lms } })), 'lmstudio-jit-context'), []);
    assert.deepEqual(of(runRules(observe(text, { runtimes: { 'lm-studio': await vllmFromDocs() } })), 'lmstudio-jit-context'), []);
  });

  it('OpenClaw\'s docs example under a custom provider id (rows): JIT at LM Studio\'s default context → warning; under "lmstudio" nothing', async () => {
    const lms = await lmStudioFromDocs();
    const docs = withPrimary(read('test/fixtures/identity/openclaw-docs-lmstudio-preload-false.json5').replace('        params: { preload: false },\n', ''), 'lmstudio/qwen/qwen3.5-9b');
    const custom = docs.replace('lmstudio: {', '"LM Studio": {').replace('"lmstudio/', '"LM Studio/');
    const [f] = of(runRules(observe(custom, { runtimes: { 'LM Studio': lms } })), 'lmstudio-jit-context');
    assert.equal(f!.severity, 'warning', 'the model is not loaded yet: no loaded context to call too small');
    assert.match(f!.message, /Provider "LM Studio" points at LM Studio, but OpenClaw preloads models at their registered context only under the bundled provider id "lmstudio"/);
    assert.deepEqual(of(runRules(observe(docs, { runtimes: { lmstudio: lms } })), 'lmstudio-jit-context'), []);
  });

  it('OpenClaw\'s own "Disabling preload" example, in use: warning at params.preload, the fix removes it; without the line nothing', async () => {
    const lms = await lmStudioFromDocs();
    const docs = withPrimary(read('test/fixtures/identity/openclaw-docs-lmstudio-preload-false.json5'), 'lmstudio/qwen/qwen3.5-9b');
    const [f] = of(runRules(observe(docs, { runtimes: { lmstudio: lms } })), 'lmstudio-jit-context');
    assert.equal(dotted(f!), 'models.providers.lmstudio.params.preload');
    assert.match(f!.message, /params\.preload is false: LM Studio loads these models at its own default context/);
    const fixed = applyPreferred(docs, f!);
    assert.doesNotMatch(fixed, /preload/);
    assert.deepEqual(of(runRules(observe(fixed, { runtimes: { lmstudio: lms } })), 'lmstudio-jit-context'), []);
  });
});

describe('rules by server identity: vLLM', () => {
  // A real public config (corpus-real 041: vLLM over openai-responses), its provider renamed: the name is not what decides.
  const real = read('test/fixtures/corpus-real/041-dykij-vllm-small-windows.json5').replaceAll('"vllm": {', '"gpu-box": {').replaceAll('"vllm/', '"gpu-box/');

  it('vLLM behind a provider named "gpu-box": vllm-responses-api fires because the server is vLLM; a llama.cpp server behind the same name does not', async () => {
    const vllm = await vllmFromDocs();
    assert.equal(vllm.kind, 'vllm');
    const fs1 = of(runRules(observe(real, { runtimes: { 'gpu-box': vllm } })), 'vllm-responses-api');
    assert.equal(fs1.length, 1);
    assert.equal(dotted(fs1[0]!), 'models.providers.gpu-box.api');
    assert.deepEqual(of(runRules(observe(real, { runtimes: { 'gpu-box': await llamaCpp() } })), 'vllm-responses-api'), []);
  });

  it('maxTokens plus the first turn over vLLM\'s real max_model_len (not the registered 128,000) → warning; 8,192 fits', async () => {
    const vllm = await vllmFromDocs();
    // OpenClaw's docs example, pointed at the model the server serves, under another provider name.
    const docs = read('test/fixtures/identity/openclaw-docs-vllm.json5').replace('your-model-id', 'Qwen/Qwen2.5-7B-Instruct').replace('vllm: {', '"local-gpu": {');
    const inUse = withPrimary(docs, 'local-gpu/Qwen/Qwen2.5-7B-Instruct');
    assert.deepEqual(of(runRules(observe(inUse, { runtimes: { 'local-gpu': vllm } })), 'max-tokens-budget'), [], 'the docs\' 8,192 leaves room below 32,768');
    // 16,384 is what a real config (corpus-real 047) registers for a vLLM model with contextWindow 128,000.
    const big = inUse.replace('maxTokens: 8192', 'maxTokens: 16384');
    const [f] = of(runRules(observe(big, { runtimes: { 'local-gpu': vllm } })), 'max-tokens-budget');
    assert.match(f!.message, /^maxTokens 16,384 plus the first turn exceeds the 32,768 vLLM serves: requests are rejected\..*the row registers 128,000/);
    assert.match(applyPreferred(big, f!), /maxTokens: 8192,/);
    // Close negative: the registered window alone (no server identified) does not flag it.
    assert.deepEqual(of(runRules(observe(big)), 'max-tokens-budget'), []);
  });
});

describe('rules by server identity: Ollama and LM Studio capabilities', () => {
  // A real public config (corpus-real 043: Ollama through its OpenAI API from a container), reached by another host name
  // and port with openai-responses: neither the name nor port 11434 says Ollama; the probe does.
  const real = read('test/fixtures/corpus-real/043-alexz005-ollama-openai-compat-docker.json5');
  const elsewhere = (url: string) => real.replace('"api": "openai-completions"', '"api": "openai-responses"').replace('http://host.docker.internal:11434/v1', url);

  it('Ollama reached as "gpu-box:8080" over openai-responses → ollama-openai-compat error (no num_ctx on that route); llama.cpp at the same address → nothing', async () => {
    const s = await pool.start(ollamaRoutes());
    const ollama = await inspectServer(`${s.url}/v1`, { timeoutMs: 1500 });
    assert.equal(ollama.kind, 'ollama');
    const text = elsewhere('http://gpu-box:8080/v1');
    const [f, ...rest] = of(runRules(observe(text, { runtimes: { ollama } })), 'ollama-openai-compat');
    assert.deepEqual(rest, []);
    assert.equal(f!.severity, 'error');
    assert.match(f!.message, /never for openai-responses/);
    assert.match(applyPreferred(text, f!), /"api": "ollama"[^]*"baseUrl": "http:\/\/gpu-box:8080"/);
    assert.deepEqual(of(runRules(observe(text, { runtimes: { ollama: await llamaCpp() } })), 'ollama-openai-compat'), []);
  });

  it("LM Studio says the model reasons (capabilities.reasoning) and the row says nothing → reasoning-mismatch; reasoning: true → nothing; a model LM Studio lists without it → nothing", async () => {
    const lms = await lmStudioFromDocs();
    const row = (extra: string, id = 'google/gemma-4-26b-a4b') => `{ models: { providers: { "my-lms": { baseUrl: "http://localhost:1234/v1", api: "openai-completions", models: [{ id: "${id}", name: "G", contextWindow: 4096${extra} }] } } },
  agents: { defaults: { model: { primary: "my-lms/${id}" } } } }`;
    const [f] = of(runRules(observe(row(''), { runtimes: { 'my-lms': lms } })), 'reasoning-mismatch');
    assert.match(f!.message, /This model thinks, but reasoning is unset/);
    assert.match(applyPreferred(row(''), f!), /reasoning: true/);
    assert.deepEqual(of(runRules(observe(row(', reasoning: true'), { runtimes: { 'my-lms': lms } })), 'reasoning-mismatch'), []);
    // LM Studio's absence of capabilities.reasoning proves nothing: a row that says true is left alone.
    assert.deepEqual(of(runRules(observe(row(', reasoning: true', 'tinyllama-1.1b-chat'), { runtimes: { 'my-lms': lms } })), 'reasoning-mismatch'), []);
  });
});
