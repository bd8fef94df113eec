import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server that speaks a model server's REST shapes (LM Studio, Ollama, llama.cpp,
 * vLLM, mlx_lm.server) from a route table, and can misbehave on purpose: hang, 500, garbage, slow.
 * Bound to loopback only (127.0.0.1 unless told another 127.x address); `close()` ends every open socket.
 */
export type Reply =
  | { chat: ChatScript }
  | { json: unknown; status?: number; delayMs?: number }
  | { text: string; status?: number; delayMs?: number }
  | { hang: true }
  /** A 3xx with a Location header. */
  | { redirect: string; status?: number }
  /** Status and headers promise a longer JSON body; the socket closes after these bytes. */
  | { torn: string };

export type Route = (req: { method: string; path: string; body: unknown }) => Reply | undefined;

export interface ScriptedServer extends LoopbackServer {
  /** Every request, with its headers (lower-case names), so tests can see where a credential went. */
  readonly requests: { method: string; path: string; body: unknown; headers: import('node:http').IncomingHttpHeaders }[];
}

/** A loopback HTTP server whose handler gets each request with its whole body read; `close()` ends every open socket. */
export interface LoopbackServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function serveLoopback(handle: (req: http.IncomingMessage, res: http.ServerResponse, raw: string) => void, port = 0, host = '127.0.0.1'): Promise<LoopbackServer> {
  if (!host.startsWith('127.')) throw new Error(`scripted servers bind loopback only, not ${host}`);
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => handle(req, res, raw));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** `host` is a loopback address (127.0.0.1 by default; 127.0.0.2 is loopback too, but not "local" to OpenClaw). */
export async function startServer(routes: Record<string, Reply | Route>, port = 0, host = '127.0.0.1'): Promise<ScriptedServer> {
  const requests: ScriptedServer['requests'] = [];
  const server = await serveLoopback(
    (req, res, raw) => {
      const path = (req.url ?? '/').split('?')[0]!;
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const entry = { method: req.method ?? 'GET', path, body, headers: req.headers };
      requests.push(entry);
      const route = routes[`${entry.method} ${path}`] ?? routes[path];
      const reply = typeof route === 'function' ? route(entry) : route;
      if (!reply) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      if ('hang' in reply) return; // never answer
      if ('redirect' in reply) return void res.writeHead(reply.status ?? 302, { location: reply.redirect }).end();
      if ('torn' in reply) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(reply.torn) + 4096) });
        res.write(reply.torn, () => res.socket?.destroy());
        return;
      }
      if ('chat' in reply) return writeChatStream(res, (body ?? {}) as { model?: string; stream?: boolean }, reply.chat);
      const send = () => {
        if ('json' in reply) res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(reply.json));
        else res.writeHead(reply.status ?? 200, { 'content-type': 'text/plain' }).end(reply.text);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    },
    port,
    host,
  );
  return { ...server, requests };
}

/* Route tables in each runtime's real shapes (reference/runtimes.md). */

export interface LmStudioOptions {
  loadedContext?: number;
  /** The model loaded at start (default the coder); a test whose variants must fit any machine loads the 4B. */
  loadedModel?: string;
  requireToken?: string;
  v1?: boolean;
  /** Model keys whose load request answers 500 (to test failure midway). */
  failLoads?: string[];
}

interface LmModel {
  key: string;
  display_name: string;
  params_string: string;
  size_bytes: number;
  architecture: string;
  max_context_length: number;
  type: 'llm' | 'embedding';
}

const LM_MODELS: LmModel[] = [
  { key: 'qwen/qwen3-coder-30b', display_name: 'Qwen3 Coder 30B', params_string: '30B-A3B', size_bytes: 18556684928, architecture: 'qwen3moe', max_context_length: 262144, type: 'llm' },
  { key: 'qwen3-4b-instruct-2507', display_name: 'Qwen3 4B Instruct 2507', params_string: '4B', size_bytes: 2497281632, architecture: 'qwen3', max_context_length: 262144, type: 'llm' },
  { key: 'text-embedding-nomic-embed-text-v1.5', display_name: 'Nomic Embed Text v1.5', params_string: '137M', size_bytes: 84106624, architecture: 'nomic-bert', max_context_length: 2048, type: 'embedding' },
];

/**
 * LM Studio's REST shapes over live state: loads and unloads change what /api/v1/models and
 * /api/v0/models report, as in LM Studio. `loaded` (exported through the routes' closure) starts with
 * `loadedModel` (the coder unless told) at `loadedContext`.
 */
export function lmStudioRoutes(opts: LmStudioOptions = {}): Record<string, Reply | Route> {
  const first = opts.loadedModel ?? 'qwen/qwen3-coder-30b';
  const loaded = new Map<string, { key: string; context: number }>([[first, { key: first, context: opts.loadedContext ?? 32768 }]]);
  const denied: Reply = { json: { error: 'unauthorized' }, status: 401 };
  const v1 = (): Reply => ({
    json: {
      models: LM_MODELS.map((m) => ({
        type: m.type,
        publisher: m.key.includes('/') ? m.key.split('/')[0] : 'lmstudio-community',
        key: m.key,
        display_name: m.display_name,
        architecture: m.architecture,
        quantization: { name: 'Q4_K_M', bits_per_weight: 4 },
        size_bytes: m.size_bytes,
        params_string: m.params_string,
        loaded_instances: [...loaded].filter(([, l]) => l.key === m.key).map(([id, l]) => ({ id, config: { context_length: l.context, eval_batch_size: 512, parallel: 4, flash_attention: true } })),
        max_context_length: m.max_context_length,
        format: 'gguf',
        capabilities: { vision: false, trained_for_tool_use: m.type === 'llm' },
        description: null,
      })),
    },
  });
  const v0 = (): Reply => ({
    json: {
      object: 'list',
      data: LM_MODELS.map((m) => {
        const l = [...loaded.values()].find((x) => x.key === m.key);
        return { id: m.key, object: 'model', type: m.type === 'llm' ? 'llm' : 'embeddings', publisher: 'qwen', arch: m.architecture, compatibility_type: 'gguf', quantization: 'Q4_K_M', state: l ? 'loaded' : 'not-loaded', max_context_length: m.max_context_length, ...(l ? { loaded_context_length: l.context } : {}) };
      }),
    },
  });
  return {
    '/lmstudio-greeting': { json: { lmstudio: true } },
    '/v1/models': () => ({ json: { data: [...loaded.keys()].map((id) => ({ id, object: 'model', owned_by: 'organization_owner' })), object: 'list' } }),
    ...(opts.v1 === false ? {} : { '/api/v1/models': () => (opts.requireToken ? denied : v1()) }),
    '/api/v0/models': () => (opts.requireToken ? denied : v0()),
    'POST /api/v1/models/load': (req) => {
      const body = (req.body ?? {}) as { model?: string; context_length?: number };
      const m = LM_MODELS.find((x) => x.key === body.model);
      if (!m) return { json: { error: { message: `model not found: ${body.model}` } }, status: 404 };
      if (opts.failLoads?.includes(m.key)) return { json: { error: { message: 'Failed to load model: insufficient memory' } }, status: 500 };
      let id = m.key;
      for (let i = 2; loaded.has(id); i++) id = `${m.key}:${i}`;
      const context = body.context_length ?? 4096;
      loaded.set(id, { key: m.key, context });
      return { json: { type: 'llm', instance_id: id, load_time_seconds: 0.05, status: 'loaded', load_config: { context_length: context } } };
    },
    'POST /api/v1/models/unload': (req) => {
      const id = (req.body as { instance_id?: string })?.instance_id ?? '';
      if (!loaded.delete(id)) return { json: { error: { message: `no instance ${id}` } }, status: 404 };
      return { json: { instance_id: id } };
    },
  };
}

export function ollamaRoutes(): Record<string, Reply> {
  return {
    '/': { text: 'Ollama is running' },
    '/api/version': { json: { version: '0.12.3' } },
    '/api/ps': {
      json: {
        models: [
          {
            name: 'gemma4', model: 'gemma4', size: 6591830464, digest: 'c6eb396d',
            details: { parent_model: '', format: 'gguf', family: 'gemma4', families: ['gemma4'], parameter_size: '8.0B', quantization_level: 'Q4_K_M' },
            expires_at: '2025-10-17T16:47:07.93355-07:00', size_vram: 5333539264, context_length: 4096,
          },
        ],
      },
    },
    'POST /api/show': { json: { model_info: { 'general.architecture': 'gemma4', 'gemma4.context_length': 131072 }, capabilities: ['completion', 'tools'] } },
    '/api/tags': { json: { models: [{ name: 'gemma4', size: 6591830464, details: { parameter_size: '8.0B', context_length: 131072 } }] } },
    '/v1/models': { json: { object: 'list', data: [{ id: 'gemma4', object: 'model', owned_by: 'library' }] } },
  };
}

export function llamaCppRoutes(nCtx = 8192, slots = 4): Record<string, Reply> {
  return {
    '/health': { json: { status: 'ok' } },
    '/props': {
      json: {
        default_generation_settings: { id: 0, id_task: -1, n_ctx: nCtx, speculative: false, is_processing: false, params: { n_predict: -1, temperature: 0.8 } },
        total_slots: slots, model_path: '../models/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf', chat_template: '...', modalities: { vision: false }, build_info: 'b6497-cd08fc3e', is_sleeping: false,
      },
    },
    '/v1/models': {
      json: { object: 'list', data: [{ id: 'Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf', object: 'model', created: 1758108431, owned_by: 'llamacpp', meta: { vocab_type: 2, n_vocab: 128256, n_ctx: nCtx, n_ctx_train: 131072, n_embd: 4096, n_params: 8030261248, size: 4912898304 } }] },
    },
  };
}

export function vllmRoutes(): Record<string, Reply> {
  return {
    '/health': { text: '' },
    '/v1/models': { json: { object: 'list', data: [{ id: 'Qwen/Qwen2.5-7B-Instruct', object: 'model', created: 1760000000, owned_by: 'vllm', root: 'Qwen/Qwen2.5-7B-Instruct', parent: null, max_model_len: 32768, permission: [] }] } },
  };
}

export function mlxRoutes(): Record<string, Reply> {
  return {
    '/health': { json: { status: 'ok' } },
    '/v1/models': { json: { object: 'list', data: [{ id: 'mlx-community/Qwen3-4B-Instruct-2507-4bit', object: 'model', created: 1760000000 }] } },
  };
}

/**
 * OpenAI-compatible `POST /v1/chat/completions` with SSE streaming, a trailing usage chunk, optional
 * tool calls, and a latency drawn per request from `latencyMs` (e.g. a fast and a slow cluster).
 */
export interface ChatScript {
  readonly reply?: string;
  readonly latencyMs?: () => number;
  readonly toolCall?: { name: string; arguments: string };
  /** Send part of the stream, then destroy the socket. */
  readonly drop?: boolean;
  /** Answer with this HTTP error and body instead of a stream. */
  readonly error?: { status: number; body: unknown };
  /** Stream content chunks forever (until the client goes away), never a finish reason. */
  readonly endless?: boolean;
  /** The usage chunk to send (default: 1200 prompt tokens and one per word). */
  readonly usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** Writes the SSE body for a chat request; kept apart so the route table stays declarative. */
export function writeChatStream(res: import('node:http').ServerResponse, body: { model?: string; stream?: boolean }, script: ChatScript): void {
  const id = `chatcmpl-${Math.random().toString(36).slice(2, 10)}`;
  const model = body.model ?? 'qwen/qwen3-coder-30b';
  const text = script.reply ?? 'Done. All checks passed.';
  const delay = script.latencyMs ? script.latencyMs() : 0;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: unknown, finish: string | null = null) => ({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] });
  const usage = script.usage ?? { prompt_tokens: 1200, completion_tokens: text.split(/\s+/).length, total_tokens: 1200 + text.split(/\s+/).length };
  setTimeout(() => {
    if (script.error) {
      res.writeHead(script.error.status, { 'content-type': 'application/json' }).end(JSON.stringify(script.error.body));
      return;
    }
    if (body.stream === false) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    res.write(': keepalive\n\n');
    send(chunk({ role: 'assistant', content: '' }));
    if (script.endless) {
      const piece = chunk({ content: 'x'.repeat(4096) });
      const pump = () => {
        while (!res.destroyed && res.write(`data: ${JSON.stringify(piece)}\n\n`));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
      return;
    }
    if (script.toolCall) {
      send(chunk({ tool_calls: [{ index: 0, id: `call_${Math.random().toString(36).slice(2, 10)}`, type: 'function', function: { name: script.toolCall.name, arguments: script.toolCall.arguments } }] }));
      send(chunk({}, 'tool_calls'));
    } else {
      for (const word of text.split(/(\s+)/)) if (word) send(chunk({ content: word }));
      if (script.drop) {
        res.socket?.destroy();
        return;
      }
      send(chunk({}, 'stop'));
    }
    send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
    res.end('data: [DONE]\n\n');
  }, delay);
}

/** Draws from two clusters: `slowShare` of requests take `slowMs`, the rest `fastMs` (± 10 %). */
export function bimodal(fastMs: number, slowMs: number, slowShare: number, rand = Math.random): () => number {
  return () => {
    const base = rand() < slowShare ? slowMs : fastMs;
    return Math.round(base * (0.9 + 0.2 * rand()));
  };
}

/** Scripted servers started by a test file, all closed by `closeAll` (call it from `after`). */
export function serverPool() {
  const started: ScriptedServer[] = [];
  return {
    start: async (routes: Parameters<typeof startServer>[0]) => {
      const s = await startServer(routes);
      started.push(s);
      return s;
    },
    closeAll: () => Promise.all(started.map((s) => s.close())),
  };
}
