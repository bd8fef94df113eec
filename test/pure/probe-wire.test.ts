import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { parseDocument, toValue } from '../../src/core/openclaw/document.js';
import { contentText, modelExchanges, openProbeWire, requestJson } from '../../src/core/lab/probes/probeWire.js';
import { startServer, type ScriptedServer } from '../support/scriptedServer.js';

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

describe('the probe wire', () => {
  it('points a private config copy at a recorder per server, and hands the probe each exchange with its bodies, by turn', async () => {
    const s = await startServer({ 'POST /v1/chat/completions': { chat: { reply: 'nonce-42 seen' } } });
    servers.push(s);
    const text = `// mine\n{ models: { providers: { mocklab: { baseUrl: 'http://127.0.0.1:${s.port}/v1', api: 'openai-completions', models: [] }, hosted: { baseUrl: 'https://api.example.com/v1', models: [] } } } }\n`;
    const doc = parseDocument('/somewhere/openclaw.json', text);
    const w = await openProbeWire('/somewhere/openclaw.json', doc);
    try {
      const copy = toValue(parseDocument(w.config.file, fs.readFileSync(w.config.file, 'utf8')).root) as { models: { providers: Record<string, { baseUrl: string }> } };
      const via = copy.models.providers.mocklab!.baseUrl;
      assert.notEqual(via, `http://127.0.0.1:${s.port}/v1`);
      assert.equal(w.config.env.OPENCLAW_CONFIG_PATH, w.config.file);
      assert.ok(w.notes.some((n) => n.startsWith('provider hosted:')));
      w.setTurn(3);
      const r = await fetch(`${via}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: 'hello ' }, { type: 'text', text: 'there' }] }] }) });
      assert.match(await r.text(), /nonce-42/);
      w.setTurn(null);
      await new Promise((res) => setTimeout(res, 50));
      const xs = modelExchanges(w.exchanges());
      assert.equal(xs.length, 1);
      assert.equal(xs[0]!.record.dispatch, 3);
      const body = requestJson(xs[0]!) as { messages: { content: unknown }[] };
      assert.equal(contentText(body.messages[0]!.content), 'hello there');
      assert.match(xs[0]!.response!.toString('utf8'), /nonce-42/);
    } finally {
      await w.close();
    }
    assert.equal(fs.existsSync(w.config.file), false, 'the private copy is gone after close');
  });
});
