import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleId } from '../../src/core/findings.js';
import { runRules } from '../../src/core/rules/registry.js';
import type { ServerState } from '../../src/core/servers/types.js';
import { applyPreferred, observe, of } from '../support/observe.js';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv, validateText } from '../support/openclaw.js';
import { cfg, server } from '../support/rulesMore.js';

const { exe, skip } = needsOpenclaw();

describe('preferred edit fixes of rules 5-9 keep a valid config valid (real OpenClaw 2026.9.6)', { skip }, () => {
  it('reasoning-mismatch, lmstudio-jit-context (rename, preload), max-tokens-budget, vllm-responses-api, harmony-tool-calls', async () => {
    const env = { ...process.env, ...isolatedEnv() };
    const cases: { text: string; runtimes: Record<string, ServerState>; rule: RuleId; version?: string }[] = [
      { text: cfg({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434', api: 'ollama', model: 'qwen3:8b', row: '"contextTokens": 32768' }), runtimes: { ollama: server('ollama', [{ identifier: 'qwen3:8b', capabilities: { thinking: true } }], 'http://127.0.0.1:11434') }, rule: 'reasoning-mismatch' },
      { text: cfg({ id: 'lms', defaultsExtra: '"models": { "lms/qwen/qwen3-coder-30b": { "alias": "coder" } }' }), runtimes: { lms: server('lmstudio', []) }, rule: 'lmstudio-jit-context' },
      { text: cfg({ providerExtra: '"params": { "preload": false }' }), runtimes: { lmstudio: server('lmstudio', []) }, rule: 'lmstudio-jit-context' },
      { text: cfg({ row: '"maxTokens": 24000' }), runtimes: {}, rule: 'max-tokens-budget' },
      { text: cfg({ id: 'box', baseUrl: 'http://127.0.0.1:8000/v1', api: 'openai-responses' }), runtimes: { box: server('vllm', [], 'http://127.0.0.1:8000/v1') }, rule: 'vllm-responses-api' },
      { text: cfg({ id: 'lms', model: 'openai/gpt-oss-20b' }), runtimes: { lms: server('lmstudio', []) }, rule: 'harmony-tool-calls' },
    ];
    for (const c of cases) {
      const before = await validateText(exe!, c.text, env);
      assert.equal(before.valid, true, `${c.rule} case is valid before: ${JSON.stringify(before.issues)}`);
      const f = of(runRules(observe(c.text, { runtimes: c.runtimes, version: c.version })), c.rule)[0];
      assert.ok(f, `${c.rule} fires`);
      const after = applyPreferred(c.text, f);
      const r = await validateText(exe!, after, env);
      assert.equal(r.valid, true, `${c.rule}: ${JSON.stringify(r.issues)}\n${after}`);
    }
  });
});
