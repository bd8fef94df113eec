import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { startRecorder, type Recorder } from '../../src/core/lab/wire/recorder.js';
import { WireRecordSchema, type WireRecord } from '../../src/core/lab/wire/schema.js';

/*
 * The recorder between a client and in-process loopback servers that answer in each runtime's documented shapes
 * (../shared/reference/runtimes.md). Self-contained: its servers and client are here.
 */

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;

interface Upstream {
  readonly url: string;
  readonly seen: { method: string; url: string; headers: http.IncomingHttpHeaders; rawHeaders: string[]; body: Buffer }[];
  close(): Promise<void>;
}

const closers: (() => Promise<unknown>)[] = [];
after(() => Promise.all(closers.map((c) => c())));

async function upstream(handler: Handler): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body });
      handler(req, res, body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  closers.push(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close };
}

async function recorder(up: string): Promise<{ rec: Recorder; records: WireRecord[]; next: (n?: number) => Promise<WireRecord[]> }> {
  const records: WireRecord[] = [];
  const waiters: (() => void)[] = [];
  const rec = await startRecorder({
    upstream: up,
    onRecord: (r) => {
      records.push(r);
      for (const w of waiters.splice(0)) w();
    },
  });
  closers.push(() => rec.close());
  /** Resolves once `n` records (in all) have arrived. */
  const next = async (n = records.length + 1) => {
    const deadline = Date.now() + 5000;
    while (records.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} records, have ${records.length}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return records;
  };
  return { rec, records, next };
}

interface Received {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The response broke off before its end. */
  cut: boolean;
}

/** A raw HTTP client: the exact bytes of the body, and whether it ended properly. */
function send(
  base: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; onData?: (c: Buffer, req: http.ClientRequest) => void } = {},
): Promise<Received> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, base);
    const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, method: opts.method ?? (opts.body ? 'POST' : 'GET'), headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let settled = false;
      const done = (cut: boolean) => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), cut });
      };
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        opts.onData?.(c, req);
      });
      res.on('end', () => done(false));
      res.on('error', () => done(true));
      res.on('close', () => done(!res.complete));
    });
    req.on('error', reject);
    // A recorder that holds the answer back fails the test instead of hanging it.
    req.setTimeout(10_000, () => req.destroy(new Error('no bytes for 10 s')));
    req.end(opts.body);
  });
}

const json = { 'content-type': 'application/json' };
const tick = () => new Promise((r) => setTimeout(r, 2));

/** Writes each piece as its own chunk, a tick apart, then ends (or, with `cut`, destroys the socket). */
async function writeChunks(res: http.ServerResponse, pieces: string[], end: 'end' | 'cut' = 'end'): Promise<void> {
  for (const p of pieces) {
    res.write(p);
    await tick();
  }
  if (end === 'end') res.end();
  else res.socket?.destroy();
}

/* Documented shapes (runtimes.md §3, §4, §7). */

const CREATED = 1758108431;
const chunk = (delta: unknown, finish: string | null = null, model = 'qwen/qwen3-coder-30b') =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: CREATED, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

/** LM Studio /v1/chat/completions with stream_options.include_usage (≥ 0.3.18): trailing usage chunk, no cached_tokens. */
const LMSTUDIO_SSE = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'All' }),
  chunk({ content: ' checks' }),
  chunk({ content: ' passed. ' }),
  chunk({ content: 'DONE' }),
  chunk({}, 'stop'),
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: CREATED, model: 'qwen/qwen3-coder-30b', choices: [], usage: { prompt_tokens: 1200, completion_tokens: 5, total_tokens: 1205 } })}\n\n`,
  'data: [DONE]\n\n',
];

/** Ollama /api/chat NDJSON (docs/api.md): content objects, then the final `done: true` object with counts in ns. */
const OLLAMA_NDJSON = [
  JSON.stringify({ model: 'llama3.2', created_at: '2023-08-04T08:52:19.385406455-07:00', message: { role: 'assistant', content: 'The' }, done: false }) + '\n',
  JSON.stringify({ model: 'llama3.2', created_at: '2023-08-04T08:52:19.485406455-07:00', message: { role: 'assistant', content: ' sky is blue.' }, done: false }) + '\n',
  JSON.stringify({
    model: 'llama3.2', created_at: '2023-08-04T19:22:45.499127Z', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop',
    total_duration: 4883583458, load_duration: 1334875, prompt_eval_count: 26, prompt_eval_duration: 342546000, eval_count: 282, eval_duration: 4535599000,
  }) + '\n',
];

/** llama.cpp's tail (ggml-org/llama.cpp#16048, b6497), verbatim from runtimes.md §7. */
const LLAMACPP_TAIL =
  'data: {"choices":[],"created":1758108431,"id":"chatcmpl-Ca3q","model":"google/gemma-3-1b-it-qat-q4_0","system_fingerprint":"b6497-cd08fc3e","object":"chat.completion.chunk","usage":{"completion_tokens":31,"prompt_tokens":75,"total_tokens":106},"timings":{"cache_n":0,"prompt_n":75,"prompt_ms":180.025,"prompt_per_token_ms":2.400333333333333,"prompt_per_second":416.60880433273155,"predicted_n":31,"predicted_ms":875.429,"predicted_per_token_ms":28.239645161290323,"predicted_per_second":35.41120981827196}}\n\ndata: [DONE]\n\n';

/** LM Studio's context-length refusal (HTTP 400), as OpenClaw's overflow patterns see it. */
const LMSTUDIO_CONTEXT_ERROR = JSON.stringify({
  error: 'The number of tokens to keep from the initial prompt is greater than the context length (40123 > 32768). Try to load the model with a larger context length, or provide a shorter input.',
});

const chatBody = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'qwen/qwen3-coder-30b', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'system', content: 'You are a coding agent.' }, { role: 'user', content: 'Run the checks.' }], ...over });

/** The same request straight to the server and through the recorder. */
async function both(up: Upstream, path: string, opts: Parameters<typeof send>[2]) {
  const { rec, next } = await recorder(up.url);
  const bare = await send(up.url, path, opts);
  const wired = await send(rec.url, path, opts);
  const [record] = await next(1);
  return { bare, wired, record: record!, rec };
}

describe('wire recorder: the client receives what the server sent', () => {
  it('LM Studio SSE with a usage chunk: the same bytes, status and headers; the record reads the stream', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': 'abc' });
      void writeChunks(res, [': keepalive\n\n', ...LMSTUDIO_SSE]);
    });
    const { bare, wired, record } = await both(up, '/v1/chat/completions', { headers: json, body: chatBody() });
    assert.equal(bare.body.toString(), LMSTUDIO_SSE.join('').replace(/^/, ': keepalive\n\n'));
    assert.deepEqual(wired.body, bare.body);
    assert.equal(wired.status, 200);
    assert.equal(wired.cut, false);
    assert.equal(wired.headers['content-type'], 'text/event-stream');
    assert.equal(wired.headers['x-request-id'], 'abc');
    assert.equal(wired.headers['cache-control'], 'no-cache');
    assert.ok(WireRecordSchema.safeParse(record).success);
    assert.equal(record.api, 'chat');
    assert.equal(record.model, 'qwen/qwen3-coder-30b');
    assert.equal(record.status, 200);
    assert.equal(record.stream, true);
    assert.equal(record.terminated, true);
    assert.equal(record.finishReason, 'stop');
    assert.deepEqual([record.promptTokens, record.cachedTokens, record.completionTokens], [1200, null, 5]);
    assert.deepEqual([record.messages, record.tools], [2, 0]);
    assert.equal(record.responseBytes, bare.body.length);
    assert.equal(record.requestBytes, Buffer.byteLength(chatBody()));
    assert.ok(record.ttfbMs !== null && record.firstTokenMs !== null && record.ttfbMs <= record.firstTokenMs && record.firstTokenMs <= record.endMs, JSON.stringify(record));
    assert.equal(record.error, null);
  });

  it('Ollama /api/chat NDJSON: the same bytes; counts, durations and done_reason read from the final object', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      void writeChunks(res, OLLAMA_NDJSON);
    });
    const body = JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'why is the sky blue?' }], options: { num_ctx: 8192 } });
    const { bare, wired, record } = await both(up, '/api/chat', { headers: json, body });
    assert.deepEqual(wired.body, bare.body);
    assert.equal(wired.body.toString(), OLLAMA_NDJSON.join(''));
    assert.equal(wired.headers['content-type'], 'application/x-ndjson');
    assert.equal(record.api, 'ollama-chat');
    assert.equal(record.stream, true, 'Ollama streams unless told not to');
    assert.equal(record.terminated, true);
    assert.equal(record.finishReason, 'stop');
    assert.deepEqual([record.promptTokens, record.completionTokens], [26, 282]);
    assert.equal(record.serverPrefillMs, 342.55);
    assert.equal(record.serverGenerationMs, 4535.6);
    assert.equal(record.loadMs, 1.33);
    assert.equal(record.requestedContext, 8192);
    assert.notEqual(record.firstTokenMs, null);
  });

  it('a non-streamed JSON answer: the same bytes; no time to first token is invented', async () => {
    const answer = JSON.stringify({
      id: 'chatcmpl-2', object: 'chat.completion', created: CREATED, model: 'qwen/qwen3-coder-30b',
      choices: [{ index: 0, message: { role: 'assistant', content: 'All checks passed. DONE' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 900, completion_tokens: 6, total_tokens: 906, prompt_tokens_details: { cached_tokens: 512 } },
    });
    const up = await upstream((_req, res) => res.writeHead(200, { ...json, 'content-length': String(Buffer.byteLength(answer)) }).end(answer));
    const { bare, wired, record } = await both(up, '/v1/chat/completions', { headers: json, body: chatBody({ stream: false }) });
    assert.deepEqual(wired.body, bare.body);
    assert.equal(wired.headers['content-length'], String(Buffer.byteLength(answer)));
    assert.equal(record.stream, false);
    assert.equal(record.terminated, true);
    assert.equal(record.firstTokenMs, null);
    assert.deepEqual([record.promptTokens, record.cachedTokens, record.completionTokens], [900, 512, 6]);
  });

  it("LM Studio's 400 context-length error: the same status and body; the record names the refusal", async () => {
    const up = await upstream((_req, res) => res.writeHead(400, json).end(LMSTUDIO_CONTEXT_ERROR));
    const { bare, wired, record } = await both(up, '/v1/chat/completions', { headers: json, body: chatBody() });
    assert.equal(wired.status, 400);
    assert.deepEqual(wired.body, bare.body);
    assert.equal(record.status, 400);
    assert.equal(record.contextRefused, true);
    assert.match(record.serverError ?? '', /greater than the context length \(40123 > 32768\)/);
    assert.equal(record.terminated, true, 'an error body that arrived whole is a proper end');
    assert.equal(record.error, null, 'the exchange itself went fine');
  });

  it('a gzip-encoded answer passes compressed and is still read', async () => {
    const gz = zlib.gzipSync(LLAMACPP_TAIL);
    const up = await upstream((_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' }).end(gz));
    const { bare, wired, record } = await both(up, '/v1/chat/completions', { headers: { ...json, 'accept-encoding': 'gzip' }, body: chatBody() });
    assert.deepEqual(wired.body, bare.body);
    assert.deepEqual(wired.body, gz);
    assert.deepEqual([record.promptTokens, record.completionTokens], [75, 31]);
  });

  it('streams without buffering: the client sees the first chunk while the server still holds the stream open', async () => {
    let clientSawFirst!: () => void;
    const seenFirst = new Promise<void>((r) => (clientSawFirst = r));
    let serverFinished = false;
    const up = await upstream(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(LMSTUDIO_SSE[1]!);
      // Hold the rest until the client has the first chunk; a buffering proxy would never deliver it, and the
      // fallback lets this test fail on the assertion below rather than hang.
      await Promise.race([seenFirst, new Promise((r) => setTimeout(r, 3000))]);
      for (const p of LMSTUDIO_SSE.slice(2)) res.write(p);
      serverFinished = true;
      res.end();
    });
    const { rec, next } = await recorder(up.url);
    let finishedWhenFirstSeen: boolean | undefined;
    const got = await send(rec.url, '/v1/chat/completions', {
      headers: json,
      body: chatBody(),
      onData: () => {
        if (finishedWhenFirstSeen === undefined) {
          finishedWhenFirstSeen = serverFinished;
          clientSawFirst();
        }
      },
    });
    assert.equal(finishedWhenFirstSeen, false, 'the first chunk reached the client before the server finished');
    assert.equal(got.body.toString(), LMSTUDIO_SSE.slice(1).join(''));
    const [record] = await next(1);
    assert.equal(record!.terminated, true);
  });
});

describe('wire recorder: every request passes through', () => {
  it("LM Studio's preload POST /api/v1/models/load reaches the server as sent (body, Authorization) and is recorded", async () => {
    const loadAnswer = JSON.stringify({ type: 'llm', instance_id: 'openai/gpt-oss-20b', load_time_seconds: 9.099, status: 'loaded', load_config: { context_length: 16384 } });
    const up = await upstream((_req, res) => res.writeHead(200, json).end(loadAnswer));
    const { rec, next } = await recorder(up.url);
    const body = JSON.stringify({ model: 'openai/gpt-oss-20b', context_length: 16384 });
    const got = await send(rec.url, '/api/v1/models/load', { headers: { ...json, Authorization: 'Bearer lm-token-1', 'X-Custom': 'kept' }, body });
    assert.equal(got.status, 200);
    assert.equal(got.body.toString(), loadAnswer);
    const seen = up.seen[0]!;
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/api/v1/models/load');
    assert.equal(seen.body.toString(), body);
    assert.equal(seen.headers.authorization, 'Bearer lm-token-1');
    assert.equal(seen.headers['x-custom'], 'kept');
    assert.equal(seen.headers.host, new URL(up.url).host, 'Host names the server, not the recorder');
    const [record] = await next(1);
    assert.equal(record!.api, 'lmstudio-load');
    assert.equal(record!.path, '/api/v1/models/load');
    assert.equal(record!.model, 'openai/gpt-oss-20b');
    assert.equal(record!.status, 200);
    assert.equal(record!.requestedContext, 16384);
    assert.equal(record!.servedContext, 16384);
    assert.equal(record!.loadMs, 9099);
    assert.deepEqual([record!.requestBytes, record!.responseBytes], [Buffer.byteLength(body), Buffer.byteLength(loadAnswer)]);
    assert.equal(JSON.stringify(record).includes('lm-token-1'), false, 'no credential in the record');
  });

  it('any other path and method passes with its query; the record keeps the path without the query', async () => {
    const up = await upstream((req, res) => res.writeHead(req.method === 'DELETE' ? 204 : 200, json).end(req.method === 'DELETE' ? undefined : '{"object":"list","data":[]}'));
    const { rec, next } = await recorder(up.url);
    const a = await send(rec.url, '/api/v0/models?key=secret-q');
    const b = await send(rec.url, '/some/thing', { method: 'DELETE' });
    assert.deepEqual([a.status, b.status], [200, 204]);
    assert.deepEqual(up.seen.map((s) => [s.method, s.url]), [['GET', '/api/v0/models?key=secret-q'], ['DELETE', '/some/thing']]);
    const records = await next(2);
    const byPath = Object.fromEntries(records.map((r) => [r.path, r]));
    assert.equal(byPath['/api/v0/models']!.api, 'lmstudio-rest');
    assert.equal(byPath['/some/thing']!.api, 'other');
    assert.equal(byPath['/some/thing']!.status, 204);
    assert.equal(JSON.stringify(records).includes('secret-q'), false);
    assert.deepEqual(records.map((r) => r.seq).sort(), [0, 1]);
  });

  it('an upstream with a path prefix gets it in front of every request', async () => {
    const up = await upstream((_req, res) => res.writeHead(200, json).end('{}'));
    const { rec } = await recorder(`${up.url}/proxy/`);
    await send(rec.url, '/v1/models');
    assert.equal(up.seen[0]!.url, '/proxy/v1/models');
  });
});

describe('wire recorder: how exchanges end', () => {
  it('a stream the server cuts mid-SSE reaches the client cut, with the same bytes; recorded terminated: false', async () => {
    const pieces = LMSTUDIO_SSE.slice(0, 3);
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      void writeChunks(res, pieces, 'cut');
    });
    const { bare, wired, record } = await both(up, '/v1/chat/completions', { headers: json, body: chatBody() });
    assert.equal(bare.cut, true);
    assert.equal(wired.cut, true, 'the client sees the cut, not a proper end');
    assert.deepEqual(wired.body, bare.body);
    assert.equal(wired.body.toString(), pieces.join(''));
    assert.equal(record.terminated, false);
    assert.equal(record.error?.kind, 'cut');
    assert.equal(record.finishReason, null);
    assert.equal(record.responseBytes, bare.body.length);
  });

  it('upstream down: the client sees a connection that ends without an answer, as without the recorder, and the record says the server was not reached', async () => {
    const dead = await upstream(() => undefined);
    await dead.close();
    await assert.rejects(send(dead.url, '/v1/chat/completions', { headers: json, body: chatBody() }), 'bare: a connection error');
    const { rec, next } = await recorder(dead.url);
    await assert.rejects(send(rec.url, '/v1/chat/completions', { headers: json, body: chatBody() }), /socket hang up|ECONNRESET/, 'through the recorder: a connection error too, not an HTTP answer of its own');
    const [record] = await next(1);
    assert.equal(record!.status, null);
    assert.equal(record!.error?.kind, 'unreachable');
    assert.match(record!.error!.message, /could not reach the model server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    assert.equal(record!.terminated, false);
    assert.equal(record!.ttfbMs, null);
    assert.equal(record!.model, 'qwen/qwen3-coder-30b', 'the request is still read');
  });

  it('a client that goes away aborts the upstream request; recorded as closed by the client', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write(chunk({ content: 'x' })), 5);
      res.on('close', () => {
        clearInterval(timer);
        upstreamClosed();
      });
    });
    const { rec, next } = await recorder(up.url);
    const got = await send(rec.url, '/v1/chat/completions', { headers: json, body: chatBody(), onData: (_c, req) => req.destroy() });
    assert.equal(got.cut, true);
    await Promise.race([closed, new Promise((_r, reject) => setTimeout(() => reject(new Error('the upstream request was not aborted')), 3000))]);
    const [record] = await next(1);
    assert.equal(record!.error?.kind, 'client-closed');
    assert.equal(record!.terminated, false);
  });

  it('a request the server took and dropped is never sent again (it may have run the model): the client sees the drop', async () => {
    // The server reads the first request whole (the helper calls us after its body), then drops the connection without
    // answering; later ones it answers.
    let n = 0;
    const sockets = new Set<Socket>();
    const up = await upstream((req, res) => {
      sockets.add(req.socket);
      if (++n === 1) return void req.socket.destroy();
      res.writeHead(200, json).end('{"ok":true}');
    });
    const { rec, next } = await recorder(up.url);
    const body = chatBody({ stream: false });
    await assert.rejects(send(rec.url, '/v1/chat/completions', { headers: json, body }), /socket hang up|ECONNRESET/);
    const second = await send(rec.url, '/v1/chat/completions', { headers: json, body });
    assert.equal(second.status, 200);
    assert.equal(n, 2, 'the dropped request reached the server once, not again');
    assert.equal(sockets.size, 2, 'each request on a connection of its own');
    const records = await next(2);
    assert.deepEqual(records.map((r) => [r.status, r.error?.kind ?? null]), [[null, 'no-answer'], [200, null]]);
  });

  it('a fresh connection closed without an answer is not retried: the client sees the connection close, as without the recorder', async () => {
    const up = await upstream((req) => req.socket.destroy());
    const { rec, next } = await recorder(up.url);
    await assert.rejects(send(rec.url, '/v1/chat/completions', { headers: json, body: chatBody() }), /socket hang up|ECONNRESET/);
    assert.equal(up.seen.length, 1);
    const [record] = await next(1);
    assert.equal(record!.error?.kind, 'no-answer');
    assert.match(record!.error!.message, /closed the connection without answering/);
  });

  it('a slow server still answers (the recorder adds no idle timeout)', async () => {
    const up = await upstream((_req, res) => setTimeout(() => res.writeHead(200, json).end('{"late":true}'), 1500));
    const { rec } = await recorder(up.url);
    const got = await send(rec.url, '/v1/models');
    assert.deepEqual([got.status, got.body.toString()], [200, '{"late":true}']);
  });

  it('a server that never answers keeps the client waiting (the recorder adds no timeout of its own)', async () => {
    const up = await upstream(() => undefined);
    const { rec, records } = await recorder(up.url);
    const ctl = new AbortController();
    const pending = fetch(`${rec.url}/v1/models`, { signal: ctl.signal }).then(
      () => 'answered',
      () => 'aborted',
    );
    const early = await Promise.race([pending, new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    assert.equal(early, 'waiting');
    ctl.abort();
    assert.equal(await pending, 'aborted');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(records[0]?.error?.kind, 'client-closed');
  });
});

describe('wire recorder: what a request is', () => {
  const sse = (pieces: string[]) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    void writeChunks(res, [...pieces, 'data: [DONE]\n\n']);
  };

  it('structured tool-call deltas vs a tool call written into the content', async () => {
    const structured = await upstream(
      sse([
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'read', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"path":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"notes-0.txt"}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'write', arguments: '{}' } }] }),
        chunk({}, 'tool_calls'),
      ]),
    );
    const asText = await upstream(sse([chunk({ role: 'assistant', content: '' }), chunk({ content: '<tool_' }), chunk({ content: 'call>\n{"name": "read", "arguments": {"path": "notes-0.txt"}}\n</tool_call>' }), chunk({}, 'stop')]));
    const a = await recorder(structured.url);
    const b = await recorder(asText.url);
    const tools = [{ type: 'function', function: { name: 'read', parameters: {} } }, { type: 'function', function: { name: 'write', parameters: {} } }];
    await send(a.rec.url, '/v1/chat/completions', { headers: json, body: chatBody({ tools }) });
    await send(b.rec.url, '/v1/chat/completions', { headers: json, body: chatBody({ tools }) });
    const [ra] = await a.next(1);
    const [rb] = await b.next(1);
    assert.deepEqual(ra!.toolCalls, ['read', 'write']);
    assert.equal(ra!.toolCallsAsText, null);
    assert.equal(ra!.finishReason, 'tool_calls');
    assert.equal(ra!.tools, 2);
    assert.notEqual(ra!.firstTokenMs, null, 'a tool-call delta is a first token');
    assert.deepEqual(rb!.toolCalls, []);
    assert.equal(rb!.toolCallsAsText, '<tool_call>', 'the marker is found across chunk boundaries');
  });

  it('<think> in the content is reasoning leaked into the answer; reasoning in its own field is not', async () => {
    const leaked = await upstream(sse([chunk({ content: '<think>The user wants' }), chunk({ content: ' checks.</think>All passed.' }), chunk({}, 'stop')]));
    const separate = await upstream(sse([chunk({ reasoning: 'The user wants checks.' }), chunk({ content: 'All passed.' }), chunk({}, 'stop')]));
    const a = await recorder(leaked.url);
    const b = await recorder(separate.url);
    await send(a.rec.url, '/v1/chat/completions', { headers: json, body: chatBody() });
    await send(b.rec.url, '/v1/chat/completions', { headers: json, body: chatBody() });
    assert.equal((await a.next(1))[0]!.reasoningInContent, '<think>');
    const rb = (await b.next(1))[0]!;
    assert.equal(rb.reasoningInContent, null);
    assert.notEqual(rb.firstTokenMs, null, 'a reasoning delta is a first token');
  });

  it("OpenClaw's summary request is recognised by its system prompt; the next turn carrying the summary is not one", async () => {
    const up = await upstream(sse([chunk({ content: '## Decisions\n- read' }), chunk({}, 'stop')]));
    const { rec, next } = await recorder(up.url);
    const summaryRequest = chatBody({
      model: 'qwen3-4b-instruct-2507',
      messages: [
        { role: 'system', content: 'You are a context summarization assistant. Your task is to read a conversation between a user and an AI assistant, then produce a structured summary following the exact format specified.' },
        { role: 'user', content: [{ type: 'text', text: '<conversation>\n[User]: Read the notes.\n</conversation>\n\nProduce a compact, factual summary with these exact section headings:\n## Decisions\n## Open TODOs\n## Constraints/Rules\n## Pending user asks\n## Exact identifiers' }] },
      ],
      max_completion_tokens: 819,
    });
    const afterCompaction = chatBody({
      messages: [
        { role: 'system', content: 'You are a coding agent.' },
        { role: 'user', content: 'The conversation history before this point was compacted into the following summary:\n\n<summary>## Decisions\n## Open TODOs\n## Constraints/Rules\n## Pending user asks\n## Exact identifiers</summary>' },
      ],
    });
    await send(rec.url, '/v1/chat/completions', { headers: json, body: summaryRequest });
    await send(rec.url, '/v1/chat/completions', { headers: json, body: afterCompaction });
    const records = await next(2);
    assert.deepEqual(records.map((r) => [r.model, r.summary]), [['qwen3-4b-instruct-2507', true], ['qwen/qwen3-coder-30b', false]]);
  });

  it('firstChangedMessage over three requests of a dispatch, and afresh for the next dispatch', async () => {
    const up = await upstream(sse([chunk({ content: 'ok' }), chunk({}, 'stop')]));
    const { rec, next } = await recorder(up.url);
    const sys = { role: 'system', content: 'You are a coding agent.' };
    const user = { role: 'user', content: 'Read the notes.' };
    const call = { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read', arguments: '{"path":"notes-0.txt"}' } }] };
    const result = { role: 'tool', tool_call_id: 'call_1', content: 'FILE 0 line 0' };
    rec.setDispatch(0);
    await send(rec.url, '/v1/chat/completions', { headers: json, body: chatBody({ messages: [sys, user] }) });
    await send(rec.url, '/v1/chat/completions', { headers: json, body: chatBody({ messages: [sys, user, call, result] }) });
    // The history rewritten from the second message on (as after a compaction).
    await send(rec.url, '/v1/chat/completions', { headers: json, body: chatBody({ messages: [sys, { role: 'user', content: 'Summary: notes-0 read.' }, result] }) });
    rec.setDispatch(1);
    await send(rec.url, '/v1/chat/completions', { headers: json, body: chatBody({ messages: [sys, user] }) });
    const records = await next(4);
    assert.deepEqual(records.map((r) => [r.dispatch, r.seq, r.messages, r.firstChangedMessage]), [[0, 0, 2, null], [0, 1, 4, 2], [0, 2, 3, 1], [1, 3, 2, null]]);
  });

  it('the dispatch callback is asked as each request arrives', async () => {
    const up = await upstream((_req, res) => res.writeHead(200, json).end('{}'));
    let current: number | null = 7;
    const records: WireRecord[] = [];
    const rec = await startRecorder({ upstream: up.url, onRecord: (r) => records.push(r), dispatch: () => current });
    closers.push(() => rec.close());
    await send(rec.url, '/v1/models');
    current = 8;
    await send(rec.url, '/v1/models');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(records.map((r) => r.dispatch), [7, 8]);
  });

  it('a throwing onRecord does not break the request', async () => {
    const up = await upstream((_req, res) => res.writeHead(200, json).end('{"ok":true}'));
    const errors: unknown[] = [];
    const rec = await startRecorder({
      upstream: up.url,
      onRecord: () => {
        throw new Error('disk full');
      },
      onError: (e) => errors.push(e),
    });
    closers.push(() => rec.close());
    const got = await send(rec.url, '/v1/models');
    assert.equal(got.body.toString(), '{"ok":true}');
    await new Promise((r) => setTimeout(r, 50));
    assert.match(String(errors[0]), /disk full/);
  });
});
