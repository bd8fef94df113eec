import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleId } from '../../src/core/findings.js';
import { runRules } from '../../src/core/rules/registry.js';
import type { ServerState } from '../../src/core/servers/types.js';
import { applyPreferred, observe, of } from '../support/observe.js';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv, validateText } from '../support/openclaw.js';
import { cfg, ollama } from '../support/rulesTransport.js';

const { exe, skip } = needsOpenclaw();

describe('preferred fixes of the new rules keep a valid config valid (real OpenClaw 2026.9.6)', { skip }, () => {
  it('stream-usage-missing, ollama-num-ctx-unset, ollama-openai-compat, model-lacks-tools', async () => {
    const env = { ...process.env, ...isolatedEnv() };
    const cases: { text: string; runtimes?: Record<string, ServerState>; rule: RuleId }[] = [
      { text: cfg({}), rule: 'stream-usage-missing' },
      { text: cfg({ row: '"compat": { "supportsTools": true }' }), rule: 'stream-usage-missing' },
      { text: cfg({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434', api: 'ollama' }), rule: 'ollama-num-ctx-unset' },
      { text: cfg({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434', api: 'ollama', row: '"params": { "temperature": 0.6 }' }), rule: 'ollama-num-ctx-unset' },
      { text: cfg({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1' }), rule: 'ollama-openai-compat' },
      { text: cfg({ id: 'local-ollama', baseUrl: 'http://127.0.0.1:11434/v1', api: 'openai-responses' }), rule: 'ollama-openai-compat' },
      { text: cfg({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434', api: 'ollama', row: '"contextTokens": 32768' }), runtimes: { ollama: ollama([{ name: 'qwen3:8b', tools: false }]) }, rule: 'model-lacks-tools' },
    ];
    for (const c of cases) {
      const before = await validateText(exe!, c.text, env);
      assert.equal(before.valid, true, `${c.rule} case is valid before: ${JSON.stringify(before.issues)}`);
      const f = of(runRules(observe(c.text, { runtimes: { local: ollama([]), ...c.runtimes } })), c.rule)[0];
      assert.ok(f, `${c.rule} fires`);
      const after = applyPreferred(c.text, f);
      const r = await validateText(exe!, after, env);
      assert.equal(r.valid, true, `${c.rule}: ${JSON.stringify(r.issues)}\n${after}`);
    }
  });
});
