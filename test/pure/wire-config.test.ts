import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseDocument, toValue } from '../../src/core/openclaw/document.js';
import { sweepStale, wiredConfigText, writePrivateConfig } from '../../src/core/lab/wire/privateConfig.js';

const TEXT = `// my homelab
{
  $include: ['./agents.json5'],
  models: {
    providers: {
      lmstudio: { api: 'openai-completions', models: [{ id: 'qwen', name: 'Qwen', contextWindow: 32768 }] }, // default base URL
      ollama: { baseUrl: 'http://127.0.0.1:11434/v1', api: 'openai-completions', models: [] },
      hosted: { baseUrl: 'https://api.example.com/v1', apiKey: '\${KEY}', models: [] },
    },
  },
}
`;

describe('the wire sees a private copy of the config', () => {
  it('moves each local provider to its recorder, keeps every other byte, leaves hosted APIs alone, makes $include absolute', () => {
    const file = path.join(os.tmpdir(), 'home', '.openclaw', 'openclaw.json');
    const doc = parseDocument(file, TEXT);
    const w = wiredConfigText(doc, (id) => (id === 'lmstudio' ? 'http://127.0.0.1:5001' : 'http://127.0.0.1:5002'));
    assert.deepEqual([...w.upstreams], [['lmstudio', 'http://localhost:1234'], ['ollama', 'http://127.0.0.1:11434']]);
    assert.deepEqual(w.notWired.map((n) => n.provider), ['hosted']);
    const v = toValue(parseDocument(file, w.text).root) as { $include: string[]; models: { providers: Record<string, { baseUrl?: string }> } };
    assert.equal(v.models.providers.lmstudio!.baseUrl, 'http://127.0.0.1:5001/v1', 'the default LM Studio URL is written out, aimed at its recorder');
    assert.equal(v.models.providers.ollama!.baseUrl, 'http://127.0.0.1:5002/v1');
    assert.equal(v.models.providers.hosted!.baseUrl, 'https://api.example.com/v1');
    assert.deepEqual(v.$include, [path.join(path.dirname(file), 'agents.json5')]);
    assert.ok(w.text.startsWith('// my homelab\n') && w.text.includes('// default base URL'), 'comments kept');
    assert.ok(w.text.includes("apiKey: '${KEY}'"), 'references stay references');
  });

  it('the private copy is readable only by its owner, points OpenClaw at itself, and is swept once its process is gone', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-wt-'));
    const p = writePrivateConfig('/somewhere/openclaw.json', '{}', tmp);
    assert.equal(p.env.OPENCLAW_CONFIG_PATH, p.file);
    assert.ok(p.env.OPENCLAW_INCLUDE_ROOTS!.split(path.delimiter).includes('/somewhere'));
    assert.equal(fs.statSync(path.dirname(p.file)).mode & 0o777, 0o700);
    assert.equal(fs.statSync(p.file).mode & 0o777, 0o600);
    // A folder left by a process that died (pid 2^22 + 1 is above Linux's pid_max) is swept; ours is not.
    const stale = path.join(tmp, `lal-wire-${4194305}-x`);
    fs.mkdirSync(stale);
    assert.deepEqual(sweepStale(tmp), [stale]);
    assert.ok(fs.existsSync(p.file));
    p.dispose();
    assert.ok(!fs.existsSync(path.dirname(p.file)));
  });
});
