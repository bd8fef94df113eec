import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runRules } from '../../src/core/rules/registry.js';
import { applyEdits } from '../../src/core/text.js';
import { observe } from '../support/observe.js';
import { isolatedEnv, openclawExecutable } from '../support/openclaw.js';
import { startServer, type ScriptedServer } from '../support/scriptedServer.js';

/**
 * Premise tests: what a rule claims OpenClaw does, observed on the wire from a real `openclaw agent --local`
 * dispatch into a scripted server. The rule's own preferred fix must change what is sent.
 */
const exe = openclawExecutable();
const skip = exe ? false : process.env.CI ? false : 'the real OpenClaw is not installed (npm test installs it)';
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
