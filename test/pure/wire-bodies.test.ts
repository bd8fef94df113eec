import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { redactBody, REDACTED } from '../../src/core/lab/wire/bodies.js';
import { startRecorder } from '../../src/core/lab/wire/recorder.js';

const closers: (() => Promise<unknown>)[] = [];
after(() => Promise.all(closers.map((c) => c())));

describe('kept bodies (the opt-in)', () => {
  it('redacts secrets by key in JSON, by shape anywhere; keeps everything else', () => {
    const body = JSON.stringify({ model: 'm', apiKey: 'abc', nested: [{ Authorization: 'Bearer x' }], messages: [{ role: 'user', content: 'use sk-proj-ABCDEFGHIJKLMNOPQRSTUV and http://admin:hunter2@10.0.0.2/v1 with Bearer abcdefghijk' }] });
    const out = JSON.parse(redactBody(Buffer.from(body)));
    assert.equal(out.apiKey, REDACTED);
    assert.equal(out.nested[0].Authorization, REDACTED);
    assert.equal(out.model, 'm');
    assert.equal(out.messages[0].content, 'use [redacted] and http://***@10.0.0.2/v1 with Bearer [redacted]');
    // Not JSON (an SSE stream): by shape only.
    assert.equal(redactBody(Buffer.from('data: {"content":"key sk-ABCDEFGHIJKLMNOPQRSTUVWX"}\n\n')), 'data: {"content":"key [redacted]"}\n\n');
    assert.doesNotMatch(redactBody(Buffer.from('{"password":"p","user":"u"}')), /"p"/);
  });

  it('the recorder hands over the exact request and the decoded answer with the seq of its record; nothing without the opt-in', async () => {
    const answer = 'data: {"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' }).end(zlib.gzipSync(answer)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(r)));
    const kept: { seq: number; request: string | null; response: string | null }[] = [];
    const seqs: number[] = [];
    const upstream = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const rec = await startRecorder({ upstream, onRecord: (r) => void seqs.push(r.seq), onBodies: (seq, q, a) => void kept.push({ seq, request: q?.toString('utf8') ?? null, response: a?.toString('utf8') ?? null }) });
    closers.push(() => rec.close());
    const body = JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    await (await fetch(`${rec.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(kept, [{ seq: seqs[0], request: body, response: answer }]);
    // Without onBodies: nothing kept (the option is how the lab opts in).
    const plain = await startRecorder({ upstream, onRecord: () => undefined });
    closers.push(() => plain.close());
    await (await fetch(`${plain.url}/v1/chat/completions`, { method: 'POST', body })).text();
    assert.equal(kept.length, 1);
  });
});
