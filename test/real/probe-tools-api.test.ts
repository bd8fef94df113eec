import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { validateConfig } from '../../src/core/openclaw/cli.js';
import { parseDocument, toValue } from '../../src/core/openclaw/document.js';
import { openProbeWire } from '../../src/core/lab/probes/probeWire.js';
import { withApi } from '../../src/core/lab/probes/tools.js';
import { MODE_API, API_MODES } from '../../src/core/lab/probes/toolsAnalysis.js';
import { millis } from '../../src/core/units.js';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';

const { exe, skip } = needsOpenclaw();

/**
 * The tools probe runs another API mode on the probe wire's private copy with the provider's `api` rewritten; that
 * copy must be one the real OpenClaw 2026.9.6 accepts, in every mode, comments and all.
 */
describe('probe tools: the rewired private copy, judged by the real OpenClaw 2026.9.6', { skip }, () => {
  it('each API mode (openai-completions, openai-responses, ollama) gives a copy the validator accepts, pointing at the recorder', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-tools-api-'));
    const file = path.join(dir, 'openclaw.json');
    const text = `// mine\n{\n  models: { providers: { mocklab: { baseUrl: 'http://127.0.0.1:11434/v1', apiKey: 'ollama-local', api: 'openai-completions', models: [{ id: 'qwen3:8b', name: 'Qwen3 8B', contextWindow: 32768 }] } } }, // the server\n  agents: { defaults: { model: { primary: 'mocklab/qwen3:8b' } } },\n}\n`;
    fs.writeFileSync(file, text);
    const env = isolatedEnv();
    for (const mode of API_MODES) {
      const api = MODE_API[mode];
      const w = await openProbeWire(file, parseDocument(file, text), { rewrite: (t) => withApi(file, t, 'mocklab/qwen3:8b', api) });
      try {
        const copy = fs.readFileSync(w.config.file, 'utf8');
        assert.ok(copy.includes('// the server'), 'comments kept');
        const p = (toValue(parseDocument(w.config.file, copy).root) as { models: { providers: { mocklab: { api: string; baseUrl: string } } } }).models.providers.mocklab;
        assert.equal(p.api, api);
        assert.match(p.baseUrl, mode === 'ollama' ? /^http:\/\/127\.0\.0\.1:\d+$/ : /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
        assert.ok(!p.baseUrl.includes(':11434'), 'the copy points at the recorder');
        const v = await validateConfig(exe!, w.config.file, { timeoutMs: millis(120_000), env: { ...process.env, ...env } });
        assert.equal(v.valid, true, `${api}: ${JSON.stringify(v.issues)}`);
      } finally {
        await w.close();
      }
    }
    assert.equal(fs.readFileSync(file, 'utf8'), text, "the user's file is untouched");
  });
});
