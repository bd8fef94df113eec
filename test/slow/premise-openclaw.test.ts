import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runRules } from '../../src/core/rules/registry.js';
import { applyEdits } from '../../src/core/text.js';
import { observe } from '../support/observe.js';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';
import { startServer, type ScriptedServer } from '../support/scriptedServer.js';

/**
 * Premise tests: what a rule claims OpenClaw does, observed on the wire from a real `openclaw agent --local`
 * dispatch into a scripted server. The rule's own preferred fix must change what is sent.
 */
const { exe, skip } = needsOpenclaw();
const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

function dispatch(config: string, env: Record<string, string>, key: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(exe!, ['agent', '--local', '--json', '--agent', 'main', '--session-key', key, '--message', 'Say DONE.', '--timeout', '120'], {
      env: { ...process.env, ...env, OPENCLAW_CONFIG_PATH: config },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('stream-usage-missing premise (real OpenClaw 2026.9.6)', { skip }, () => {
  it('a server on 127.0.0.2 under a custom provider id gets no stream_options.include_usage; after the fix it does', { timeout: 600_000 }, async () => {
    const s = await startServer({ 'POST /v1/chat/completions': { chat: { reply: 'DONE' } }, '/v1/models': { json: { object: 'list', data: [{ id: 'mock-1', object: 'model' }] } } }, 0, '127.0.0.2');
    servers.push(s);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-premise-'));
    const config = path.join(dir, 'openclaw.json');
    const text = `{
  "models": { "mode": "merge", "catalogRefresh": { "enabled": false }, "providers": { "mocklab": {
    "baseUrl": "${s.url}/v1", "apiKey": "sk-mock-local", "api": "openai-completions",
    "models": [ { "id": "mock-1", "name": "Mock One", "contextWindow": 32768, "maxTokens": 1024 } ] } } },
  "agents": { "defaults": { "model": { "primary": "mocklab/mock-1" } } }
}
`;
    fs.writeFileSync(config, text);
    const env = isolatedEnv();
    const chats = () => s.requests.filter((q) => q.path === '/v1/chat/completions').map((q) => q.body as { stream?: boolean; stream_options?: { include_usage?: boolean } });

    const before = await dispatch(config, env, 'agent:main:premise-before');
    assert.ok(chats().length >= 1, `OpenClaw dispatched to the server: ${before.stderr.slice(-2000)}`);
    for (const body of chats()) {
      assert.equal(body.stream, true);
      assert.notEqual(body.stream_options?.include_usage, true, 'no usage requested from 127.0.0.2');
    }

    const [finding] = runRules(observe(text, { file: config })).filter((f) => f.rule === 'stream-usage-missing');
    assert.ok(finding, 'the rule fires on this config');
    assert.equal(finding.severity, 'error');
    const fixed = applyEdits(text, finding.fixes.find((f) => f.preferred)!.plan!.edits.flatMap((e) => e.edits));
    fs.writeFileSync(config, fixed);
    const seen = chats().length;

    const afterFix = await dispatch(config, env, 'agent:main:premise-after');
    const later = chats().slice(seen);
    assert.ok(later.length >= 1, `OpenClaw dispatched again: ${afterFix.stderr.slice(-2000)}`);
    for (const body of later) assert.equal(body.stream_options?.include_usage, true, 'usage requested once the row says so');
  });
});

/** Ollama's native `/api/chat` stream (NDJSON), as docs/api.md shows it. */
function ollamaChat(req: { body: unknown }): { text: string } {
  const model = (req.body as { model?: string })?.model ?? 'qwen3:8b';
  const at = '2025-10-17T16:47:07.93355Z';
  const lines = [
    { model, created_at: at, message: { role: 'assistant', content: 'DONE' }, done: false },
    { model, created_at: at, message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', total_duration: 4883583458, load_duration: 1334875, prompt_eval_count: 1200, prompt_eval_duration: 342546000, eval_count: 2, eval_duration: 4535599 },
  ];
  return { text: lines.map((l) => JSON.stringify(l)).join('\n') + '\n' };
}

describe('ollama-num-ctx-unset premise (real OpenClaw 2026.9.6)', { skip }, () => {
  it('native Ollama with only contextWindow gets no options.num_ctx; after the fix it gets C', { timeout: 600_000 }, async () => {
    const s = await startServer({
      '/': { text: 'Ollama is running' },
      '/api/version': { json: { version: '0.12.3' } },
      '/api/tags': { json: { models: [{ name: 'qwen3:8b', model: 'qwen3:8b', size: 1, details: { parameter_size: '8.2B' } }] } },
      'POST /api/show': { json: { parameters: 'temperature 0.6', model_info: { 'general.architecture': 'qwen3', 'qwen3.context_length': 40960 }, capabilities: ['completion', 'tools'] } },
      '/api/ps': { json: { models: [] } },
      'POST /api/chat': ollamaChat,
    });
    servers.push(s);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-premise-'));
    const config = path.join(dir, 'openclaw.json');
    const text = `{
  "models": { "mode": "merge", "catalogRefresh": { "enabled": false }, "providers": { "ollama": {
    "baseUrl": "${s.url}", "apiKey": "ollama-local", "api": "ollama",
    "models": [ { "id": "qwen3:8b", "name": "Qwen3 8B", "contextWindow": 32768, "maxTokens": 1024 } ] } } },
  "agents": { "defaults": { "model": { "primary": "ollama/qwen3:8b" } } }
}
`;
    fs.writeFileSync(config, text);
    const env = isolatedEnv();
    const chats = () => s.requests.filter((q) => q.path === '/api/chat').map((q) => q.body as { options?: { num_ctx?: number } });

    const before = await dispatch(config, env, 'agent:main:premise-ollama-before');
    assert.equal(before.status, 0, before.stderr.slice(-2000));
    assert.ok(chats().length >= 1, `OpenClaw dispatched to /api/chat: ${JSON.stringify(s.requests.map((q) => q.path))}`);
    for (const body of chats()) assert.equal(body.options?.num_ctx, undefined, 'contextWindow alone is not sent');

    const [finding] = runRules(observe(text, { file: config })).filter((f) => f.rule === 'ollama-num-ctx-unset');
    assert.ok(finding, 'the rule fires on this config');
    const fixed = applyEdits(text, finding.fixes.find((f) => f.preferred)!.plan!.edits.flatMap((e) => e.edits));
    fs.writeFileSync(config, fixed);
    const seen = chats().length;

    const afterFix = await dispatch(config, env, 'agent:main:premise-ollama-after');
    const later = chats().slice(seen);
    assert.ok(later.length >= 1, `OpenClaw dispatched again: ${afterFix.stderr.slice(-2000)}`);
    for (const body of later) assert.equal(body.options?.num_ctx, 32768, 'num_ctx is C once params.num_ctx/contextTokens are set');
  });
});
