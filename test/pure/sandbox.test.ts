import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import OpenAI from 'openai';
import { parseDocument, toValue } from '../../src/core/openclaw/document.js';
import { createSandbox, LOADED_CONTEXT, PLANTED_CONTEXT_WINDOW, type Sandbox } from '../support/sandbox.js';
import { bimodal } from '../support/scriptedServer.js';

describe('the sandbox', () => {
  let sb: Sandbox;
  after(() => sb?.close());

  it('plants the problems in a JSON5 config with comments, pointing at its own loopback server', async () => {
    sb = await createSandbox({ fastMs: 5, slowMs: 50, slowShare: 0.5 });
    const text = fs.readFileSync(sb.configPath, 'utf8');
    assert.match(text, /^\/\/ Sandbox/);
    const v = toValue(parseDocument(sb.configPath, text).root) as { models: { providers: { lmstudio: { baseUrl: string; models: { contextWindow: number }[] } } } };
    assert.equal(v.models.providers.lmstudio.baseUrl, `${sb.server.url}/v1`);
    assert.equal(v.models.providers.lmstudio.models[0]!.contextWindow, PLANTED_CONTEXT_WINDOW);
    assert.notEqual(PLANTED_CONTEXT_WINDOW, LOADED_CONTEXT);
    assert.ok(sb.server.url.startsWith('http://127.0.0.1:'));
  });

  it('streams OpenAI-compatible chat with usage, readable by the openai client', async () => {
    const client = new OpenAI({ baseURL: `${sb.server.url}/v1`, apiKey: 'sk-local', maxRetries: 0, timeout: 5000 });
    const stream = await client.chat.completions.create({ model: 'qwen/qwen3-coder-30b', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: { completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.match(text, /^A context window limits .* DONE$/, 'the whole reply, ending with the wrap-up the built-in workload expects');
    assert.equal(usage?.completion_tokens, text.split(/\s+/).length);
  });

  it('draws latencies from two clusters', () => {
    let i = 0;
    const seq = [0.1, 0.5, 0.9, 0.5, 0.2, 0.5]; // rand() values: cluster choice, then jitter
    const draw = bimodal(100, 1000, 0.3, () => seq[i++ % seq.length]!);
    const a = draw();
    const b = draw();
    const c = draw();
    assert.ok(a >= 900 && a <= 1100, `slow draw ${a}`);
    assert.ok(b >= 90 && b <= 110, `fast draw ${b}`);
    assert.ok(c >= 900 && c <= 1100, `slow draw ${c}`);
  });
});
