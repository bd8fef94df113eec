import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { lmStudioRoutes, startServer, type ScriptedServer } from '../support/scriptedServer.js';

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

describe('lab run --wire-bodies', () => {
  it('keeps each body owner-only with secrets redacted; without the flag no body is kept', async () => {
    const s = await startServer({ ...lmStudioRoutes(), 'POST /v1/chat/completions': () => ({ chat: { reply: 'The key was sk-live-ABCDEFGHIJKLMNOPQRSTU. DONE' } }) });
    servers.push(s);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-bodies-'));
    const config = path.join(dir, 'openclaw.json');
    fs.writeFileSync(config, `{ models: { providers: { lmstudio: { baseUrl: 'http://127.0.0.1:${s.port}/v1', api: 'openai-completions', models: [{ id: 'qwen/qwen3-coder-30b', name: 'Q', contextWindow: 32768 }] } } }, agents: { defaults: { model: { primary: 'lmstudio/qwen/qwen3-coder-30b' } } } }`);
    fs.mkdirSync(path.join(dir, '.local-ai-lab', 'workloads'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.local-ai-lab', 'workloads', 'secret.json'), JSON.stringify({ name: 'secret', dispatcher: 'openai', prompt: 'Repeat sk-test-ABCDEFGHIJKLMNOPQRSTU back, then DONE', repeats: 1, timeoutSeconds: 30, expectations: { contains: ['DONE'] } }));
    const kept = await runCli(['lab', 'run', 'secret', '--config', config, '--wire-bodies', '--json'], { cwd: dir });
    assert.equal(kept.status, 0, kept.stderr);
    const id = JSON.parse(kept.stdout).session.id as string;
    const bodies = path.join(dir, '.local-ai-lab', 'runs', id, 'bodies');
    const files = fs.readdirSync(bodies).sort();
    const chat = JSON.parse(fs.readFileSync(path.join(dir, '.local-ai-lab', 'runs', id, 'wire.jsonl'), 'utf8').trim().split('\n').at(-1)!) as { seq: number };
    const name = String(chat.seq).padStart(6, '0');
    assert.ok(files.includes(`${name}.request.json`) && files.includes(`${name}.response.txt`), files.join(' '));
    const request = fs.readFileSync(path.join(bodies, `${name}.request.json`), 'utf8');
    const response = fs.readFileSync(path.join(bodies, `${name}.response.txt`), 'utf8');
    assert.match(request, /Repeat \[redacted\] back/);
    assert.doesNotMatch(request + response, /ABCDEFGHIJKLMNOPQRSTU/, 'no secret on disk');
    assert.match(response, /\[redacted\]/, 'the key in the streamed answer (its own SSE event) is redacted too');
    if (process.platform !== 'win32') {
      assert.equal(fs.statSync(bodies).mode & 0o777, 0o700);
      assert.equal(fs.statSync(path.join(bodies, `${name}.request.json`)).mode & 0o777, 0o600);
    }
    const plain = await runCli(['lab', 'run', 'secret', '--config', config, '--json'], { cwd: dir });
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(fs.existsSync(path.join(dir, '.local-ai-lab', 'runs', JSON.parse(plain.stdout).session.id, 'bodies')), false);
  });
});
