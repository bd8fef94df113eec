import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { BODY_CAP, classifyPath, firstChangedMessage, readRequest, ResponseReader, toRecord, type ResponseFacts } from './parse.js';
import type { WireRecord } from './schema.js';

export interface RecorderOptions {
  /** Base URL of one model server, e.g. http://127.0.0.1:1234 (a path, if any, prefixes every request's). */
  readonly upstream: string;
  /** Called once per request, when its answer has ended (or broke off). Must not throw; if it does, `onError` hears it. */
  readonly onRecord: (r: WireRecord) => void;
  /** The dispatch a request belongs to, asked as it arrives (until `setDispatch` says otherwise). */
  readonly dispatch?: () => number | null;
  /** Sequence numbers shared by the recorders of one session, so `seq` orders every server's requests together. */
  readonly nextSeq?: () => number;
  /** A failure of the recorder's own (onRecord threw): the request itself is not affected. */
  readonly onError?: (err: unknown) => void;
  /**
   * Only when the user opted in to keeping bodies: the request and the (decoded) response of each exchange, each
   * up to BODY_CAP (null past it), given with the record's `seq`.
   */
  readonly onBodies?: (seq: number, request: Buffer | null, response: Buffer | null) => void;
}

export interface Recorder {
  /** http://127.0.0.1:<port>: point the dispatcher here instead of at the upstream. */
  readonly url: string;
  readonly upstream: string;
  /** From now on, requests belong to dispatch `n` (null: to none). */
  setDispatch(n: number | null): void;
  /** Stops listening and ends every open exchange (client and upstream sockets). */
  close(): Promise<void>;
}

/**
 * Headers that describe one connection, not the request (RFC 9110 §7.6.1), plus `expect` (this server already
 * answered the client's 100-continue). Everything else passes as the client sent it; `host` becomes the upstream's.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'expect', 'host']);

function forwardHeaders(raw: readonly string[], host: string | null): string[] {
  const out: string[] = host === null ? [] : ['Host', host];
  for (let i = 0; i + 1 < raw.length; i += 2) if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  return out;
}

const since = (t0: number) => performance.now() - t0;

/**
 * A loopback HTTP proxy in front of one model server that passes every request through unchanged (method,
 * path and query, headers, body; status, headers and body back, streamed chunk by chunk as they arrive) and
 * records each exchange. It adds no timeout of its own: a stalled server stalls the client as it would
 * without the recorder, and a client that goes away aborts the upstream request. The bytes are read as they
 * pass (parse.ts), keeping no body: sizes, hashes and what was read out of them.
 *
 * Upstream connections are pooled (a connect per request cost ~0.4 ms in the bench). A pooled socket the server
 * has closed fails the request written to it before anything was answered; that request is sent once more on a
 * fresh connection, so the pool never turns into a failure the dispatcher would not have had without it.
 */
export async function startRecorder(opts: RecorderOptions): Promise<Recorder> {
  const base = new URL(opts.upstream);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`the wire recorder needs an http(s) upstream, not ${opts.upstream}`);
  const upstream = base.origin + base.pathname.replace(/\/+$/, '');
  const prefix = base.pathname.replace(/\/+$/, '');
  const client = base.protocol === 'https:' ? https : http;
  let seq = 0;
  const nextSeq = opts.nextSeq ?? (() => seq++);
  let fixed: { value: number | null } | undefined;
  const currentDispatch = () => (fixed ? fixed.value : (opts.dispatch?.() ?? null));
  /**
   * Each dispatch's last message hashes, for firstChangedMessage. "Last" is the last exchange to end: a
   * dispatcher sends its model requests one after another, so that is also the last to arrive.
   */
  const lastHashes = new Map<string, string[]>();
  const sockets = new Set<Socket>();
  const inFlight = new Set<http.ClientRequest>();
  // A fresh connection per request, never a pooled one: a pooled connection the server closed under a request
  // cannot be told from a request the server took and dropped, and sending it again would run the model twice.

  const emit = (r: WireRecord) => {
    try {
      opts.onRecord(r);
    } catch (err) {
      opts.onError?.(err);
    }
  };

  const server = http.createServer({ requestTimeout: 0 }, (req, res) => {
    const t0 = performance.now();
    const startedAt = new Date().toISOString();
    const dispatch = currentDispatch();
    const id = nextSeq();
    const target = req.url ?? '/';
    const path = target.split('?')[0]!;
    const method = req.method ?? 'GET';

    // The request, read as it passes.
    const reqHash = createHash('sha256');
    let requestBytes = 0;
    let kept: Buffer[] | null = [];
    let keptBytes = 0;
    let requestWhole = false;
    let requestDone = false;

    // The answer.
    let status: number | null = null;
    let ttfbMs: number | null = null;
    let endMs: number | null = null;
    let reader: ResponseReader | undefined;
    let decoder: Transform | undefined;
    const resHash = createHash('sha256');
    let responseBytes = 0;
    let complete = false;
    let facts: ResponseFacts | null = null;
    let error: { kind: string; message: string } | null = null;
    let responseDone = false;
    let recorded = false;
    // Only with onBodies (the user's opt-in): the answer's decoded bytes, up to BODY_CAP.
    let answer: Buffer[] | null = opts.onBodies ? [] : null;
    let answerBytes = 0;
    const keepAnswer = (c: Buffer) => {
      if (!answer) return;
      answerBytes += c.length;
      if (answerBytes > BODY_CAP) answer = null;
      else answer.push(c);
    };

    const fail = (kind: string, message: string) => {
      error ??= { kind, message };
    };
    let finishing = false;
    const finishResponse = () => {
      if (finishing || !reader) return;
      finishing = true;
      endMs ??= since(t0);
      const r = reader;
      const end = endMs;
      // A compressed body is read through its decoder: wait for what it still holds.
      if (decoder && complete) {
        const settle = () => (facts ??= r.finish(complete, end));
        decoder.once('end', settle);
        decoder.once('error', settle);
        decoder.end();
      } else facts = r.finish(complete, end);
    };
    const maybeRecord = () => {
      if (recorded || !requestDone || !responseDone) return;
      if (reader && !facts) return setImmediate(maybeRecord);
      recorded = true;
      // The request is read now, when the answer has gone to the client: its JSON and message hashes (a few ms
      // for an agent's long history) never stand between the client and its first byte.
      const requestBody = requestWhole && kept ? Buffer.concat(kept) : null;
      const request = readRequest(path, requestBody);
      kept = null;
      if (opts.onBodies) {
        try {
          opts.onBodies(id, requestBody, answer ? Buffer.concat(answer) : null);
        } catch (err) {
          opts.onError?.(err);
        }
        answer = null;
      }
      let changed: number | null = null;
      if (request.messageHashes) {
        const key = String(dispatch);
        changed = firstChangedMessage(lastHashes.get(key), request.messageHashes);
        lastHashes.set(key, request.messageHashes);
      }
      emit(
        toRecord({
          seq: id,
          dispatch,
          upstream,
          startedAt,
          method,
          path,
          request,
          requestBytes,
          requestSha256: reqHash.digest('hex'),
          status,
          response: facts,
          responseBytes,
          responseSha256: resHash.digest('hex'),
          ttfbMs,
          endMs: endMs ?? since(t0),
          firstChangedMessage: changed,
          error,
        }),
      );
    };
    const endRequest = (whole: boolean) => {
      if (requestDone) return;
      requestDone = true;
      requestWhole = whole;
      maybeRecord();
    };

    const open = () => {
      const u = client.request({
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port,
        method,
        path: prefix + target,
        headers: forwardHeaders(req.rawHeaders, base.host),
        agent: false,
      });
      inFlight.add(u);
      u.on('response', onResponse);
      u.on('error', (err: NodeJS.ErrnoException) => onUpstreamError(u, err));
      return u;
    };

    function onResponse(ur: http.IncomingMessage): void {
      ttfbMs = since(t0);
      status = ur.statusCode ?? 0;
      const r = new ResponseReader(classifyPath(path), status, ur.headers);
      reader = r;
      const encoding = String(ur.headers['content-encoding'] ?? '').toLowerCase();
      decoder =
        encoding === 'gzip' || encoding === 'x-gzip'
          ? zlib.createGunzip()
          : encoding === 'deflate'
            ? zlib.createInflate()
            : encoding === 'br'
              ? zlib.createBrotliDecompress()
              : undefined;
      decoder?.on('data', (c: Buffer) => {
        keepAnswer(c);
        r.push(c, since(t0));
      });
      decoder?.on('error', () => undefined);
      if (!res.writableEnded && !res.destroyed) {
        const headers = forwardHeaders(ur.rawHeaders, null);
        res.writeHead(status, ur.statusMessage, headers);
        // Headers the server sent ahead of a streamed body go at the end of this turn of the event loop: with the
        // first chunk if it came in the same read, else alone, so a streaming client sees the status before the
        // first token as it would from the server. A body of known length follows at once, with them.
        if (ur.headers['content-length'] === undefined) setImmediate(() => !res.headersSent && !res.destroyed && res.flushHeaders());
      }
      // Forwarded first, read second: a listener runs in the order it was added, and pipe adds one.
      ur.pipe(res);
      ur.on('data', (c: Buffer) => {
        responseBytes += c.length;
        resHash.update(c);
        if (decoder) decoder.write(c);
        else {
          keepAnswer(c);
          r.push(c, since(t0));
        }
      });
      ur.on('end', () => {
        complete = true;
        endMs = since(t0);
      });
      ur.on('error', () => undefined);
      ur.on('close', () => {
        if (!complete) {
          fail('cut', 'the model server closed the connection before the answer ended');
          // The same cut for the client: everything received so far is flushed, then the connection ends
          // without the body's terminator (as the server did it).
          ur.unpipe(res);
          const s = res.socket;
          if (s && !s.destroyed) s.end(() => s.destroy());
          else res.destroy();
        }
        finishResponse();
      });
    }

    function onUpstreamError(u: http.ClientRequest, err: NodeJS.ErrnoException): void {
      if (u !== up || status !== null) return; // an abandoned attempt; or the answer began, and its own close says what happened
      if (error?.kind === 'client-closed' || res.destroyed || res.writableEnded) return;
      upstreamFailed(err);
    }

    function upstreamFailed(err: NodeJS.ErrnoException, why?: string): void {
      endMs = since(t0);
      const reason = err.code ?? err.message;
      const message =
        err.code === 'ECONNRESET' || err.message === 'socket hang up'
          ? `the model server at ${upstream} closed the connection without answering (${reason})`
          : `could not reach the model server at ${upstream} (${reason})`;
      fail(err.code === 'ECONNRESET' ? 'no-answer' : 'unreachable', why ? `${message}; ${why}` : message);
      // The client sees what it would have seen without the recorder: a connection closed without an answer
      // (a 502 of ours would read as the model server's own error). The record says which it was.
      req.resume();
      res.destroy();
    }

    const up = open();
    // Forwarded first, read second (as for the answer).
    req.pipe(up);
    req.on('data', (c: Buffer) => {
      requestBytes += c.length;
      reqHash.update(c);
      if (!kept) return;
      keptBytes += c.length;
      if (keptBytes > BODY_CAP) kept = null;
      else kept.push(c);
    });
    req.on('end', () => endRequest(true));
    req.on('close', () => endRequest(false));
    req.on('error', () => undefined);

    res.on('close', () => {
      inFlight.delete(up);
      if (!res.writableFinished && error === null) {
        // The client went away first: the model server stops working for nobody.
        fail('client-closed', 'the client closed the connection before the answer ended');
        endMs ??= since(t0);
      }
      if (!up.destroyed && !complete) up.destroy();
      responseDone = true;
      finishResponse();
      maybeRecord();
    });
  });

  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    upstream,
    setDispatch(n) {
      fixed = { value: n };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const up of inFlight) up.destroy();
        for (const s of sockets) s.destroy();
      }),
  };
}
