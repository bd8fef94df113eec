import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Headroom stand-in (reference/compression.md): the documented behaviours of `headroom proxy` in front of an
 * OpenAI-compatible server, scripted, so the lab's compression tests run where Headroom cannot be installed.
 * The same argv shape as the real proxy, so a declared proxy command works with either:
 *   node out/test/support/scriptedProxy.js proxy --host 127.0.0.1 --port P --openai-api-url http://127.0.0.1:U/v1 [flags]
 * Flags as Headroom spells them: --mode token|cache, --no-cache, --no-rate-limit, --protect-tool-results a,b,
 * --lossless, --no-ccr-inject-tool, --no-ccr-marker. A library too: `startScriptedProxy({ upstream, argv })`.
 *
 * What it does to a chat request (choices where compression.md is silent are marked "chosen"):
 * - `role: "tool"` content is compressed unless its tool (named by the assistant tool_call it answers) is excluded:
 *   `Read, Glob, Grep, Write, Edit` case-insensitive plus --protect-tool-results. In `token` mode a tool result inside
 *   the last RECENT_WINDOW messages is protected (chosen: 4, the floor of Headroom's content_router read-protection
 *   window, headroom/transforms/content_router.py); `cache` mode has no recency window.
 * - Only outputs of MIN_LINES lines or more are touched (chosen: small outputs pass, like Headroom's min_tokens_to_crush).
 * - grep-style (`path:line:content`): keep MAX_MATCHES matches scored by word overlap with the last user message (ties
 *   keep the earlier match), re-sorted by path, `[N matches compressed to M. Retrieve more: hash=<hex>]` appended.
 * - logs: first, last, ERROR and WARN lines, plus a count line whose level counts are over the whole input.
 * - JSON arrays of objects: boundary items (first 3, last 2) and anomalies (a field whose value differs from a >=70 %
 *   majority, e.g. one `"status": "failed"` among `"ok"`), one item a line, then a marker line (no longer valid JSON).
 * - other long line lists (e.g. `ls`): first 15 and last 5 lines plus a count line (chosen: a position-based stand-in
 *   for Headroom's ONNX text compressor).
 * - `--lossless`: no line is dropped or reordered; only trailing whitespace is trimmed and no marker is added (chosen).
 * - `--no-ccr-marker`: no `Retrieve more: hash=` text (the log/list count lines stay, without it).
 * - `fuse` (library option; LAL_SCRIPTED_PROXY_FUSE=1 for the executable; headroom#3545): the first two kept grep matches become one false pair, the first match's
 *   path:line with the second's content (the first's own line is gone), in lossless mode too.
 * - a `headroom_retrieve` tool is injected into every request's `tools` unless --lossless or --no-ccr-inject-tool.
 * - `token` mode shortens assistant texts longer than LONG_ASSISTANT chars outside the recent window (older turns
 *   rewritten: the upstream's prompt cache is busted); `cache` mode leaves them.
 * - every compression decision is cached by content for the proxy's lifetime: the same tool output gets the same
 *   bytes whatever the next prompt says (a second lab arm on the same proxy would see the first arm's decisions).
 * - non-streamed requests hit an exact-match response cache (off with --no-cache); 60 requests/min and 100k
 *   tokens/min are enforced (429) unless --no-rate-limit. `x-headroom-bypass: true` forwards the request untouched.
 */

export const DEFAULT_EXCLUDE_TOOLS = ['Read', 'Glob', 'Grep', 'Write', 'Edit'];
export const RECENT_WINDOW = 4;
export const MIN_LINES = 20;
export const MAX_MATCHES = 30;
export const LONG_ASSISTANT = 600;
export const RETRIEVE_TOOL = 'headroom_retrieve';

export interface ProxyFlags {
  host: string;
  port: number;
  upstream: string | undefined;
  mode: 'token' | 'cache';
  cache: boolean;
  rateLimit: boolean;
  protect: string[];
  lossless: boolean;
  injectTool: boolean;
  marker: boolean;
}

/** Reads Headroom's `proxy` argv (the leading `proxy` verb is optional); throws on an unknown flag, as argparse does. */
export function parseProxyArgv(argv: readonly string[]): ProxyFlags {
  const f: ProxyFlags = { host: '127.0.0.1', port: 8787, upstream: undefined, mode: 'token', cache: true, rateLimit: true, protect: [], lossless: false, injectTool: true, marker: true };
  const args = argv[0] === 'proxy' ? argv.slice(1) : [...argv];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--host') f.host = value();
    else if (flag === '--port') f.port = Number(value());
    else if (flag === '--openai-api-url') f.upstream = value();
    else if (flag === '--mode') {
      const m = value();
      if (m !== 'token' && m !== 'cache') throw new Error(`--mode: token or cache, not ${m}`);
      f.mode = m;
    } else if (flag === '--no-cache') f.cache = false;
    else if (flag === '--no-rate-limit') f.rateLimit = false;
    else if (flag === '--protect-tool-results') f.protect.push(...value().split(',').map((s) => s.trim()).filter(Boolean));
    else if (flag === '--lossless') f.lossless = true;
    else if (flag === '--no-ccr-inject-tool') f.injectTool = false;
    else if (flag === '--no-ccr-marker') f.marker = false;
    else throw new Error(`unrecognized argument: ${a}`);
  }
  return f;
}

const hash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);
const estimateTokens = (s: string): number => Math.ceil(s.length / 4);
const STOP = new Set(['the', 'and', 'for', 'with', 'that', 'this', 'which', 'what', 'file', 'files', 'line', 'lines', 'does', 'from', 'are', 'was', 'any', 'there', 'you', 'your']);
const words = (s: string): string[] => s.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length >= 3 && !STOP.has(w));

export interface CompressOptions {
  /** The last user message: grep matches are scored by word overlap with it. */
  query: string;
  lossless?: boolean;
  marker?: boolean;
  fuse?: boolean;
}

export type ContentKind = 'grep' | 'log' | 'json' | 'lines' | 'small';

// A path has a slash or a dot (so a log's `05:00:12` timestamp is not read as path:line).
const GREP = /^([^\s:]*[./][^\s:]*):(\d+):(.*)$/;
const LEVEL = /\b(ERROR|WARN|WARNING|INFO|DEBUG|TRACE|FATAL)\b/;

export function contentKind(text: string): ContentKind {
  const lines = text.split('\n').filter((l) => l.trim());
  if (lines.length < MIN_LINES) return 'small';
  if (lines.filter((l) => GREP.test(l)).length >= lines.length * 0.8) return 'grep';
  try {
    const v = JSON.parse(text) as unknown;
    if (Array.isArray(v) && v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) return 'json';
  } catch {
    /* not JSON */
  }
  if (lines.filter((l) => LEVEL.test(l)).length >= lines.length * 0.5) return 'log';
  return 'lines';
}

/** One tool output as the proxy would pass it upstream (pure: the proxy caches its results per content). */
export function compressToolOutput(text: string, o: CompressOptions): { text: string; kind: ContentKind } {
  const kind = contentKind(text);
  const marker = o.marker !== false;
  const ref = (n: number, m: number, what: string) => `[${n} ${what} compressed to ${m}.${marker ? ` Retrieve more: hash=${hash(text)}` : ''}]`;
  if (kind === 'small') return { text, kind };
  const lines = text.split('\n');
  if (kind === 'grep') {
    const matches = lines.map((l, i) => ({ l, i, m: GREP.exec(l) })).filter((x) => x.m);
    let kept = matches;
    if (!o.lossless && matches.length > MAX_MATCHES) {
      const q = new Set(words(o.query));
      const score = (c: string) => words(c).filter((w) => q.has(w)).length;
      kept = [...matches].sort((a, b) => score(b.m![3]!) - score(a.m![3]!) || a.i - b.i).slice(0, MAX_MATCHES);
      kept.sort((a, b) => a.m![1]!.localeCompare(b.m![1]!) || Number(a.m![2]) - Number(b.m![2]));
    }
    let out = kept.map((x) => (o.lossless ? x.l.trimEnd() : x.l));
    if (o.fuse && kept.length >= 2) out = [`${kept[0]!.m![1]}:${kept[0]!.m![2]}:${kept[1]!.m![3]}`, ...out.slice(1)];
    if (kept.length < matches.length && marker) out.push(ref(matches.length, kept.length, 'matches'));
    return { text: out.join('\n'), kind };
  }
  if (o.lossless) return { text: lines.map((l) => l.trimEnd()).join('\n'), kind };
  if (kind === 'log') {
    const body = lines.filter((l) => l.trim());
    const counts: Record<string, number> = {};
    for (const l of body) {
      const lv = LEVEL.exec(l)?.[1];
      if (lv) counts[lv] = (counts[lv] ?? 0) + 1;
    }
    const kept = body.filter((l, i) => i === 0 || i === body.length - 1 || /\b(ERROR|WARN|WARNING|FATAL)\b/.test(l));
    // Level counts over the whole input (compression.md: it can claim an omitted ERROR that was kept).
    const tally = Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ');
    return { text: [...kept, `${ref(body.length, kept.length, 'lines').slice(0, -1)}; ${tally}]`].join('\n'), kind };
  }
  if (kind === 'json') {
    const items = JSON.parse(text) as Record<string, unknown>[];
    if (items.length <= 5) return { text, kind };
    const majority = new Map<string, unknown>();
    for (const key of new Set(items.flatMap((x) => Object.keys(x)))) {
      const tally = new Map<string, number>();
      for (const x of items) if (x[key] !== null && typeof x[key] !== 'object') tally.set(JSON.stringify(x[key]), (tally.get(JSON.stringify(x[key])) ?? 0) + 1);
      const top = [...tally].sort((a, b) => b[1] - a[1])[0];
      if (top && top[1] >= items.length * 0.7) majority.set(key, top[0]);
    }
    const anomaly = (x: Record<string, unknown>) => [...majority].some(([k, v]) => k in x && JSON.stringify(x[k]) !== v);
    const kept = items.filter((x, i) => i < 3 || i >= items.length - 2 || anomaly(x));
    const out = ['[', ...kept.map((x, i) => `  ${JSON.stringify(x)}${i < kept.length - 1 ? ',' : ''}`), ']', ref(items.length, kept.length, 'items')];
    return { text: out.join('\n'), kind };
  }
  const body = lines.filter((l) => l.trim());
  const kept = [...body.slice(0, 15), ...body.slice(-5)];
  return { text: [...kept, ref(body.length, kept.length, 'lines')].join('\n'), kind };
}

/** The JSON-array layout the proxy writes (one item a line), so a tool that prints it the same way diffs line by line. */
export const jsonLines = (items: readonly unknown[]): string => ['[', ...items.map((x, i) => `  ${JSON.stringify(x)}${i < items.length - 1 ? ',' : ''}`), ']'].join('\n');

type Msg = { role?: string; content?: unknown; tool_call_id?: string; tool_calls?: { id?: string; function?: { name?: string } }[] };
const textOf = (c: unknown): string => (typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => (p && typeof p === 'object' ? String((p as { text?: unknown }).text ?? '') : '')).join('') : '');

export interface ScriptedProxyOptions {
  /** The model server's base URL (a trailing /v1 is stripped, as Headroom does); overrides --openai-api-url. */
  upstream?: string;
  port?: number;
  argv?: readonly string[];
  /** headroom#3545: fuse two grep matches into a false line/content pair. */
  fuse?: boolean;
}

export interface ScriptedProxy {
  readonly url: string;
  readonly port: number;
  readonly flags: ProxyFlags;
  /** Compression decisions the proxy already held when its first chat request arrived (0 for a fresh proxy). */
  decisionsAtFirstRequest(): number | null;
  close(): Promise<void>;
}

interface Stats {
  total: number;
  cached: number;
  rateLimited: number;
  failed: number;
  byModel: Record<string, number>;
  tokensBefore: number;
  tokensAfter: number;
  tokensOutput: number;
  compressions: number;
  byStrategy: Record<string, number>;
}
const freshStats = (): Stats => ({ total: 0, cached: 0, rateLimited: 0, failed: 0, byModel: {}, tokensBefore: 0, tokensAfter: 0, tokensOutput: 0, compressions: 0, byStrategy: {} });

export async function startScriptedProxy(o: ScriptedProxyOptions): Promise<ScriptedProxy> {
  const flags = parseProxyArgv(o.argv ?? []);
  const upstreamRaw = o.upstream ?? flags.upstream;
  if (!upstreamRaw) throw new Error('scripted proxy: no upstream (--openai-api-url)');
  const upstream = upstreamRaw.replace(/\/+$/, '').replace(/\/v1$/, '');
  const excluded = new Set([...DEFAULT_EXCLUDE_TOOLS, ...flags.protect].map((s) => s.toLowerCase()));
  const decisions = new Map<string, string>();
  let atFirst: number | null = null;
  const responses = new Map<string, { status: number; body: string }>();
  let stats = freshStats();
  const window: { at: number; tokens: number }[] = [];

  /** The messages as they go upstream, and what was done. */
  const transform = (messages: Msg[]): { messages: Msg[]; transforms: string[] } => {
    atFirst ??= decisions.size;
    const transforms: string[] = [];
    const names = new Map<string, string>();
    for (const m of messages) for (const c of m.tool_calls ?? []) if (c.id) names.set(c.id, c.function?.name ?? '');
    let query = '';
    for (const m of messages) if (m.role === 'user') query = textOf(m.content);
    const recentFrom = messages.length - RECENT_WINDOW;
    const out = messages.map((m, i) => {
      const recent = flags.mode === 'token' && i >= recentFrom;
      if (m.role === 'tool') {
        const name = names.get(m.tool_call_id ?? '') ?? '';
        if (recent || excluded.has(name.toLowerCase())) return m;
        const before = textOf(m.content);
        let after = decisions.get(before);
        if (after === undefined) {
          const r = compressToolOutput(before, { query, lossless: flags.lossless, marker: flags.marker, fuse: o.fuse });
          after = r.text;
          decisions.set(before, after);
          if (after !== before) {
            stats.compressions++;
            stats.byStrategy[r.kind] = (stats.byStrategy[r.kind] ?? 0) + 1;
          }
        }
        if (after !== before) transforms.push(`tool:${name || '?'}`);
        return { ...m, content: after };
      }
      if (m.role === 'assistant' && flags.mode === 'token' && !recent && !flags.lossless) {
        const t = textOf(m.content);
        if (t.length > LONG_ASSISTANT) {
          transforms.push('assistant:shortened');
          return { ...m, content: `${t.slice(0, 200)} […]` };
        }
      }
      return m;
    });
    return { messages: out, transforms };
  };

  const metrics = () =>
    [
      '# HELP headroom_requests_total Requests handled by the proxy.',
      '# TYPE headroom_requests_total counter',
      `headroom_requests_total ${stats.total}`,
      '# TYPE headroom_requests_cached_total counter',
      `headroom_requests_cached_total ${stats.cached}`,
      '# TYPE headroom_requests_rate_limited_total counter',
      `headroom_requests_rate_limited_total ${stats.rateLimited}`,
      '# TYPE headroom_tokens_saved_total counter',
      `headroom_tokens_saved_total ${stats.tokensBefore - stats.tokensAfter}`,
      '# TYPE headroom_tokens_input_total counter',
      `headroom_tokens_input_total ${stats.tokensAfter}`,
      '',
    ].join('\n');

  // /stats: the top-level fields of Headroom's `_build_stats_payload` that a lab reads (requests, tokens, compression,
  // cache, rate_limiter) and, for loopback callers, `config` — read in headroomlabs-ai/headroom headroom/proxy/server.py
  // (`@app.get("/stats")`, `_build_stats_payload`, and `_health_payload`'s config block, commit 9fbd47b, 2026-07).
  // The real config block carries `cache` and `rate_limit` but not mode, retrieve-tool injection or protected tools;
  // those are under `scripted` here, labelled as this stand-in's own, so nothing reads them as Headroom's.
  const config = () => ({ backend: 'openai', optimize: true, cache: flags.cache, rate_limit: flags.rateLimit, openai_api_url: upstreamRaw, pid: process.pid });
  const statsPayload = () => {
    const saved = stats.tokensBefore - stats.tokensAfter;
    return {
      summary: { requests: stats.total, tokens_saved: saved, savings_percent: stats.tokensBefore ? Math.round((saved / stats.tokensBefore) * 10000) / 100 : 0 },
      requests: { total: stats.total, cached: stats.cached, rate_limited: stats.rateLimited, failed: stats.failed, by_provider: { openai: stats.total }, by_model: stats.byModel, by_stack: {} },
      tokens: { input: stats.tokensAfter, output: stats.tokensOutput, saved, proxy_compression_saved: saved, proxy_total_before_compression: stats.tokensBefore, total_before_compression: stats.tokensBefore, savings_percent: stats.tokensBefore ? Math.round((saved / stats.tokensBefore) * 10000) / 100 : 0 },
      compressions_by_strategy: stats.byStrategy,
      compression: { ccr_entries: decisions.size, ccr_max_entries: 1000, ccr_retrievals: 0 },
      cache: flags.cache ? { entries: responses.size } : null,
      rate_limiter: flags.rateLimit ? { requests_per_minute: 60, tokens_per_minute: 100_000 } : null,
      config: config(),
      scripted: { mode: flags.mode, ccr_inject_tool: flags.injectTool && !flags.lossless, ccr_marker: flags.marker, lossless: flags.lossless, protect_tool_results: flags.protect },
    };
  };

  const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

  const forward = async (req: http.IncomingMessage, res: http.ServerResponse, path: string, body: string | undefined, extra: Record<string, string> = {}) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'content-length', 'connection', 'x-headroom-bypass'].includes(k)) headers[k] = v;
    let r: Response;
    try {
      r = await fetch(`${upstream}${path}`, { method: req.method, headers, body: body && req.method !== 'GET' ? body : undefined });
    } catch (e) {
      stats.failed++;
      return json(res, 502, { error: { message: `upstream unreachable: ${(e as Error).message}` } });
    }
    const out: Record<string, string> = { ...extra };
    r.headers.forEach((v, k) => {
      if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) out[k] = v;
    });
    res.writeHead(r.status, out);
    if (!r.body) return void res.end();
    const reader = r.body.getReader();
    let buf = '';
    const dec = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      res.write(value);
    }
    res.end();
    return { status: r.status, body: buf };
  };

  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      void handle(req, res, raw).catch((e: unknown) => {
        stats.failed++;
        if (!res.headersSent) json(res, 500, { error: { message: String(e) } });
        else res.end();
      });
    });
  });
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, raw: string) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/livez') return json(res, 200, { service: 'headroom-proxy', status: 'healthy', alive: true, version: 'scripted', uptime_seconds: Math.round(process.uptime()) });
    if (method === 'GET' && (path === '/readyz' || path === '/health')) return json(res, 200, { service: 'headroom-proxy', status: 'healthy', ready: true, version: 'scripted', config: config() });
    if (method === 'GET' && path === '/stats') return json(res, 200, statsPayload());
    if (method === 'POST' && path === '/stats/reset') {
      stats = freshStats();
      return json(res, 200, { status: 'reset' });
    }
    if (method === 'GET' && path === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics());
    if (method === 'POST' && path === '/v1/compress') {
      const body = JSON.parse(raw || '{}') as { messages?: Msg[] };
      const before = JSON.stringify(body.messages ?? []);
      const t = transform(body.messages ?? []);
      const after = JSON.stringify(t.messages);
      return json(res, 200, { messages: t.messages, tokens_before: estimateTokens(before), tokens_after: estimateTokens(after), tokens_saved: estimateTokens(before) - estimateTokens(after), transforms_applied: t.transforms });
    }
    if (method === 'POST' && path === '/v1/chat/completions') {
      const body = JSON.parse(raw || '{}') as { model?: string; stream?: boolean; messages?: Msg[]; tools?: { type?: string; function?: { name?: string } }[] };
      stats.total++;
      if (body.model) stats.byModel[body.model] = (stats.byModel[body.model] ?? 0) + 1;
      if (req.headers['x-headroom-bypass'] === 'true') return void (await forward(req, res, path, raw));
      const before = JSON.stringify(body.messages ?? []);
      if (flags.rateLimit) {
        const now = Date.now();
        while (window.length && window[0]!.at < now - 60_000) window.shift();
        const tokens = window.reduce((n, w) => n + w.tokens, 0) + estimateTokens(before);
        if (window.length >= 60 || tokens > 100_000) {
          stats.rateLimited++;
          return json(res, 429, { error: { message: 'Rate limit exceeded', type: 'rate_limit_error' } }, { 'retry-after': '60' });
        }
        window.push({ at: now, tokens: estimateTokens(before) });
      }
      const cacheKey = flags.cache && !body.stream ? createHash('sha256').update(raw).digest('hex') : undefined;
      const hit = cacheKey ? responses.get(cacheKey) : undefined;
      if (hit) {
        stats.cached++;
        return void res.writeHead(hit.status, { 'content-type': 'application/json', 'x-headroom-cached': 'true' }).end(hit.body);
      }
      const t = transform(body.messages ?? []);
      const next: Record<string, unknown> = { ...body, messages: t.messages };
      if (flags.injectTool && !flags.lossless && !(body.tools ?? []).some((x) => x.function?.name === RETRIEVE_TOOL)) {
        next.tools = [...(body.tools ?? []), { type: 'function', function: { name: RETRIEVE_TOOL, description: 'Retrieve the original content that was compressed, by its hash.', parameters: { type: 'object', properties: { hash: { type: 'string' }, query: { type: 'string' } }, required: ['hash'] } } }];
        t.transforms.push(`inject:${RETRIEVE_TOOL}`);
      }
      const after = JSON.stringify(t.messages);
      stats.tokensBefore += estimateTokens(before);
      stats.tokensAfter += estimateTokens(after);
      // Headroom's per-request report, on non-streamed responses only (compression.md).
      const extra: Record<string, string> = body.stream
        ? {}
        : { 'x-headroom-tokens-before': String(estimateTokens(before)), 'x-headroom-tokens-after': String(estimateTokens(after)), 'x-headroom-tokens-saved': String(estimateTokens(before) - estimateTokens(after)), 'x-headroom-transforms': t.transforms.join(',') };
      const r = await forward(req, res, path, JSON.stringify(next), extra);
      if (r && cacheKey && r.status === 200) responses.set(cacheKey, r);
      if (r && !body.stream) {
        try {
          stats.tokensOutput += (JSON.parse(r.body) as { usage?: { completion_tokens?: number } }).usage?.completion_tokens ?? 0;
        } catch {
          /* not JSON */
        }
      }
      return;
    }
    // Everything else (/v1/models, ...) passes through.
    await forward(req, res, path, raw || undefined);
  };
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? (o.argv?.some((a) => a === '--port' || a.startsWith('--port=')) ? flags.port : 0), flags.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${flags.host}:${port}`,
    port,
    flags,
    decisionsAtFirstRequest: () => atFirst,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// As an executable: `node out/test/support/scriptedProxy.js proxy --port P --openai-api-url URL [flags]`; prints the
// port it listens on (useful with --port 0) and runs until killed. `fuse` comes from the environment
// (LAL_SCRIPTED_PROXY_FUSE=1, a declared proxy's `env`), so the argv stays the real proxy's.
if (/scriptedProxy\.js$/.test(process.argv[1] ?? '')) {
  startScriptedProxy({ argv: process.argv.slice(2), fuse: process.env.LAL_SCRIPTED_PROXY_FUSE === '1' }).then(
    (p) => {
      process.stdout.write(`${p.port}\n`);
      // LAL_PROXY_REPORT (a test's declared env): one line at start and one at exit, so a test sees each proxy the lab started.
      const report = process.env.LAL_PROXY_REPORT;
      const note = (o: object) => report && fs.appendFileSync(report, JSON.stringify({ pid: process.pid, ...o }) + '\n');
      note({ event: 'start' });
      const stop = () =>
        void p.close().then(() => {
          note({ event: 'exit', decisionsAtFirstRequest: p.decisionsAtFirstRequest() });
          process.exit(0);
        });
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    },
    (e: unknown) => {
      process.stderr.write(`scripted proxy: ${(e as Error).message}\n`);
      process.exit(2);
    },
  );
}

/** The argv a declared proxy uses to run this stand-in as a process (the real `headroom proxy`'s shape), plus flags. */
export function scriptedProxyCommand(flags: readonly string[] = []): string[] {
  return [process.execPath, path.resolve('out/test/support/scriptedProxy.js'), 'proxy', '--host', '127.0.0.1', '--port', '{port}', '--openai-api-url', '{upstream}', ...flags];
}

/** Which of these pids still run (a zombie no one reaps counts as gone). */
export function livingProxies(pids: readonly number[]): number[] {
  return pids.filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[0] !== 'Z';
    } catch {
      return false;
    }
  });
}
