import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { isolatedEnv, openclawExecutable } from '../support/openclaw.js';
import { runCli } from '../support/cli.js';
import { startServer, type ScriptedServer } from '../support/scriptedServer.js';

const exe = openclawExecutable();
const skip = exe ? false : process.env.CI ? false : 'the real OpenClaw is not installed (npm test installs it)';
const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

type Msg = { role: string; content: string | { text?: string }[] };
/** A scripted model that echoes the Markdown headers of the system prompt it is given. */
async function echoingModel() {
  const s = await startServer({
    '/v1/models': { json: { object: 'list', data: [{ id: 'mock-1', object: 'model' }] } },
    'POST /v1/chat/completions': (req) => {
      const messages = ((req.body as { messages?: Msg[] })?.messages ?? []).filter((m) => m.role === 'system' || m.role === 'developer');
      const system = messages.map((m) => (typeof m.content === 'string' ? m.content : m.content.map((p) => p.text ?? '').join(''))).join('\n');
      return { chat: { reply: ['HEADERS:', ...system.split('\n').filter((l) => /^#{1,6}\s/.test(l)), 'DONE'].join('\n') } };
    },
  });
  servers.push(s);
  return s;
}

describe('probe prompt-sections through the real OpenClaw 2026.9.6', { skip }, () => {
  it('AGENTS.md in the workspace is reported present; with contextInjection "never" it is reported missing (a finding, exit 1)', async () => {
    const s = await echoingModel();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-probe-'));
    const ws = path.join(dir, 'workspace');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'AGENTS.md'), '# House rules\nRun the tests before you say done.\n');
    const config = path.join(dir, 'openclaw.json');
    const write = (extra: object) =>
      fs.writeFileSync(config, JSON.stringify({
        models: { mode: 'merge', providers: { mocklab: { baseUrl: `http://127.0.0.1:${s.port}/v1`, apiKey: 'sk-mock-local', api: 'openai-completions', models: [{ id: 'mock-1', name: 'Mock One', contextWindow: 32768, maxTokens: 1024 }] } } },
        agents: { defaults: { model: { primary: 'mocklab/mock-1' }, workspace: ws, skipBootstrap: true, ...extra } },
      }));
    const env = isolatedEnv();
    write({});
    const present = await runCli(['probe', 'prompt-sections', '--config', config, '--openclaw', exe!, '--json'], { env });
    assert.equal(present.status, 0, present.stderr + present.stdout);
    const a = JSON.parse(present.stdout);
    assert.equal(a.workspaceDir, ws, "OpenClaw's own report names the workspace");
    assert.deepEqual(a.files.find((f: { name: string }) => f.name === 'AGENTS.md'), { name: 'AGENTS.md', exists: true, seen: true, injected: true, injectedChars: a.files.find((f: { name: string }) => f.name === 'AGENTS.md').injectedChars });
    assert.ok(a.headers.includes('# Project Context'));
    assert.deepEqual(a.findings, []);

    write({ contextInjection: 'never' });
    const dropped = await runCli(['probe', 'prompt-sections', '--config', config, '--openclaw', exe!], { env });
    assert.equal(dropped.status, 1, dropped.stderr + dropped.stdout);
    assert.match(dropped.stdout, /^AGENTS\.md\s+yes\s+missing\s+no$/m);
    assert.match(dropped.stdout, /finding: AGENTS\.md exists but did not reach the prompt/);
  });
});
