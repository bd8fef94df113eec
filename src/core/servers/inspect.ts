import * as z from 'zod/mini';
import { requestJson, type HttpFailure, type HttpResult } from './http.js';
import { fromV0Models, fromV1Models, downloadedFromLmsLs, loadedFromLmsPs, LmsServerStatusSchema } from './lmstudio.js';
import { llamacppLoaded, LlamaPropsSchema, mlxDownloaded, ollamaDownloaded, ollamaLoaded, ollamaShow, type OllamaShowFacts, OpenAiModelsSchema, openAiIds, vllmLoaded } from './others.js';
import { HeadroomHealthSchema, readHeadroom } from './proxies.js';
import { RUNTIME_NAMES, type DownloadedModel, type LoadedModel, type RuntimeKind, type ServerState } from './types.js';
import { lmStudioAuthHeaders } from './secrets.js';
import { credentialsRefusal, hasUrlCredentials, redactCredentials, serverRoot } from './address.js';

/** Runs `lms` with arguments (never a shell string) and returns stdout; injected so core stays testable. */
export type LmsRunner = (args: readonly string[], timeoutMs: number, signal?: AbortSignal) => Promise<{ stdout: string; exitCode: number }>;

export interface InspectOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /**
   * LM Studio ≥ 0.4 may require `Authorization: Bearer <token>`. From SecretStorage or LM_API_TOKEN. Sent
   * only where `tokenFor` (secrets.ts) allows: a local server identified as LM Studio.
   */
  readonly lmStudioToken?: string;
  /** Fallback when LM Studio's REST API refuses us (auth). Gated on `lms server status --json`. */
  readonly lms?: LmsRunner;
}


function describe(f: HttpFailure): string {
  return f.message;
}

const Greeting = z.looseObject({ lmstudio: z.literal(true) });
const OllamaVersion = z.looseObject({ version: z.string() });
const Health = z.looseObject({ status: z.string() });

/** Finds what kind of server answers at `baseUrl` and reads what it has loaded. Never throws. */
export async function inspectServer(baseUrl: string, opts: InspectOptions): Promise<ServerState> {
  const root = serverRoot(baseUrl);
  if (!root) return { baseUrl: redactCredentials(baseUrl), status: 'unreadable', detail: `not an http(s) URL: ${redactCredentials(baseUrl)}`, loaded: [], via: 'probe' };
  if (hasUrlCredentials(baseUrl)) return { baseUrl: redactCredentials(baseUrl), status: 'unreadable', detail: credentialsRefusal(baseUrl), loaded: [], via: 'probe' };
  // Identification carries no credentials: the kind is not known yet (see secrets.ts).
  const get = (p: string) => requestJson(root + p, { timeoutMs: opts.timeoutMs, signal: opts.signal });

  // One round of identification requests, in parallel, so a hung server costs one timeout, not five.
  const [greeting, ollamaVer, props, models, health] = await Promise.all([
    get('/lmstudio-greeting'),
    get('/api/version'),
    get('/props'),
    get('/v1/models'),
    get('/health'),
  ]);
  const all = [greeting, ollamaVer, props, models, health];
  if (all.every((r) => !r.ok && (r.failure.kind === 'unreachable' || r.failure.kind === 'timeout'))) {
    const f = (all[0] as { failure: HttpFailure }).failure;
    return { baseUrl, status: 'unreachable', detail: `nothing answers at ${root} (${describe(f)})`, loaded: [], via: 'probe' };
  }

  const parsesAs = <T>(r: HttpResult<unknown>, schema: z.ZodMiniType<T>): T | undefined => (r.ok ? schema.safeParse(r.value).data : undefined);
  const port = new URL(root).port;
  let kind: RuntimeKind | undefined;
  // A compression proxy forwards the model servers' paths to the one behind it: recognised first, by its own /health
  // (proxies.ts), so the round stays five requests.
  if (parsesAs(health, HeadroomHealthSchema)) kind = 'headroom';
  else if (parsesAs(greeting, Greeting)) kind = 'lmstudio';
  else if (parsesAs(ollamaVer, OllamaVersion)) kind = 'ollama';
  else if (props.ok && LlamaPropsSchema.safeParse(props.value).success && isLlamaProps(props.value)) kind = 'llamacpp';
  else if (parsesAs(models, OpenAiModelsSchema)?.data.some((c) => c.owned_by === 'vllm' || c.max_model_len !== undefined)) kind = 'vllm';
  else if (parsesAs(health, Health)?.status === 'ok' && parsesAs(models, OpenAiModelsSchema)) kind = 'mlx';
  else if (port === '1234') kind = 'lmstudio'; // an older LM Studio without the greeting
  else if (parsesAs(models, OpenAiModelsSchema)) kind = 'openai-compatible';

  if (!kind) return { baseUrl, status: 'unreadable', detail: answeredBut(root, all), loaded: [], via: 'probe' };
  try {
    switch (kind) {
      case 'lmstudio':
        return await readLmStudio(baseUrl, root, opts, lmStudioAuthHeaders(baseUrl, kind, opts.lmStudioToken));
      case 'ollama':
        return await readOllama(baseUrl, root, opts);
      case 'llamacpp':
        return { baseUrl, status: 'ok', kind, loaded: llamacppLoaded((props as { value: unknown }).value, models.ok ? models.value : undefined), via: 'probe' };
      case 'vllm':
        return { baseUrl, status: 'ok', kind, loaded: vllmLoaded((models as { value: unknown }).value), via: 'probe' };
      case 'mlx':
        return {
          baseUrl,
          status: 'ok',
          kind,
          knowsLoaded: false,
          detail: 'mlx_lm.server reports neither what is loaded nor at what context: unknown',
          loaded: [],
          downloaded: mlxDownloaded((models as { value: unknown }).value),
          via: 'probe',
        };
      case 'headroom':
        return await readHeadroom(baseUrl, root, opts);
      case 'openai-compatible':
        return {
          baseUrl,
          status: 'ok',
          kind,
          knowsLoaded: false,
          detail: `serves ${openAiIds((models as { value: unknown }).value).length} model(s) but reports no context: unknown`,
          loaded: [],
          via: 'probe',
        };
    }
  } catch (err) {
    return { baseUrl, status: 'unreadable', kind, detail: `${RUNTIME_NAMES[kind]} answered in an unexpected shape (${shortError(err)})`, loaded: [], via: 'probe' };
  }
}

/** "answered but …": something listens, so never "nothing answers"; say what its answers were. */
function answeredBut(root: string, results: readonly HttpResult<unknown>[]): string {
  const failures = [...new Set(results.flatMap((r) => (!r.ok && r.failure.kind !== 'unreachable' && r.failure.kind !== 'timeout' ? [r.failure.message] : [])))];
  const anyOk = results.some((r) => r.ok);
  if (!anyOk && failures.length) return `a server answered at ${root}, but never usably (${failures.slice(0, 3).join('; ')})`;
  return `a server answered at ${root}, but not as a model server Local AI Lab knows${failures.length ? ` (${failures.slice(0, 3).join('; ')})` : ''}`;
}

function isLlamaProps(v: unknown): boolean {
  const o = v as Record<string, unknown>;
  return typeof o === 'object' && o !== null && ('default_generation_settings' in o || 'n_ctx' in o || 'total_slots' in o);
}

function shortError(err: unknown): string {
  // Duck-typed: naming zod's core namespace here would pull every locale into the bundle.
  const issues = (err as { issues?: { path: PropertyKey[]; message: string }[] } | null)?.issues;
  if (Array.isArray(issues)) {
    const i = issues[0];
    return i ? `${i.path.join('.') || 'body'}: ${i.message}` : 'invalid';
  }
  return err instanceof Error ? err.message : String(err);
}

async function readLmStudio(baseUrl: string, root: string, opts: InspectOptions, headers: Record<string, string>): Promise<ServerState> {
  const get = (p: string) => requestJson(root + p, { timeoutMs: opts.timeoutMs, signal: opts.signal, headers });
  const v1 = await get('/api/v1/models');
  if (v1.ok) {
    const parsed = V1Safe(v1.value);
    if (parsed) return { baseUrl, status: 'ok', kind: 'lmstudio', ...parsed, via: 'probe' };
  }
  const v0 = await get('/api/v0/models');
  if (v0.ok) return { baseUrl, status: 'ok', kind: 'lmstudio', ...fromV0Models(v0.value), via: 'probe' };
  const authRefused = [v1, v0].some((r) => !r.ok && r.failure.kind === 'status' && (r.failure.status === 401 || r.failure.status === 403));
  if (authRefused && opts.lms) {
    const viaLms = await readViaLms(baseUrl, opts);
    if (viaLms) return viaLms;
  }
  const why = authRefused
    ? 'LM Studio requires an API token: run "Local AI Lab: Set LM Studio API Token" (or set LM_API_TOKEN)'
    : `LM Studio answered neither /api/v1/models nor /api/v0/models (${!v0.ok ? describe(v0.failure) : 'unexpected shape'})`;
  return { baseUrl, status: 'unreadable', kind: 'lmstudio', detail: why, loaded: [], via: 'probe' };
}

function V1Safe(value: unknown) {
  try {
    return fromV1Models(value);
  } catch {
    return undefined;
  }
}

/** `lms ps/ls` can start LM Studio and block for a minute; only call them once `server status` says it runs. */
async function readViaLms(baseUrl: string, opts: InspectOptions): Promise<ServerState | undefined> {
  const lms = opts.lms!;
  try {
    const status = await lms(['server', 'status', '--json'], 3000, opts.signal);
    const s = LmsServerStatusSchema.safeParse(JSON.parse(status.stdout));
    if (!s.success || !s.data.running) return undefined;
    const [ps, ls] = await Promise.all([lms(['ps', '--json'], 10000, opts.signal), lms(['ls', '--json'], 10000, opts.signal)]);
    if (ps.exitCode !== 0) return undefined;
    return {
      baseUrl,
      status: 'ok',
      kind: 'lmstudio',
      loaded: loadedFromLmsPs(JSON.parse(ps.stdout)),
      downloaded: ls.exitCode === 0 ? downloadedFromLmsLs(JSON.parse(ls.stdout)) : undefined,
      via: 'lms',
    };
  } catch {
    return undefined;
  }
}

/** Models whose `/api/show` we read: the loaded ones and up to this many downloaded ones (capabilities, Modelfile num_ctx). */
const OLLAMA_SHOW_LIMIT = 32;

async function readOllama(baseUrl: string, root: string, opts: InspectOptions): Promise<ServerState> {
  const o = { timeoutMs: opts.timeoutMs, signal: opts.signal };
  const [ps, tags] = await Promise.all([requestJson(root + '/api/ps', o), requestJson(root + '/api/tags', o)]);
  if (!ps.ok) return { baseUrl, status: 'unreadable', kind: 'ollama', detail: `Ollama answered, but /api/ps failed: ${describe(ps.failure)}`, loaded: [], via: 'probe' };
  const loaded = ollamaLoaded(ps.value);
  let downloaded: DownloadedModel[] | undefined;
  try {
    downloaded = tags.ok ? ollamaDownloaded(tags.value) : undefined;
  } catch {
    downloaded = undefined;
  }
  const names = [...new Set([...loaded.map((m) => m.identifier), ...(downloaded ?? []).map((m) => m.modelKey)])].slice(0, OLLAMA_SHOW_LIMIT);
  const shows = new Map<string, OllamaShowFacts>();
  await Promise.all(
    names.map(async (name) => {
      const show = await requestJson(root + '/api/show', { ...o, method: 'POST', body: { model: name } });
      try {
        if (show.ok) shows.set(name, ollamaShow(show.value));
      } catch {
        /* an /api/show we cannot read leaves that model's facts unknown */
      }
    }),
  );
  const withShow: LoadedModel[] = loaded.map((m) => {
    const f = shows.get(m.identifier);
    return { ...m, maxContextLength: f?.maxContextLength, ...(f?.capabilities ? { capabilities: f.capabilities } : {}), ...(f?.modelfileNumCtx ? { modelfileNumCtx: f.modelfileNumCtx } : {}) };
  });
  const dl = downloaded?.map((d) => {
    const f = shows.get(d.modelKey);
    return { ...d, maxContextLength: d.maxContextLength ?? f?.maxContextLength, ...(f?.capabilities ? { capabilities: f.capabilities } : {}), ...(f?.modelfileNumCtx ? { modelfileNumCtx: f.modelfileNumCtx } : {}) };
  });
  return { baseUrl, status: 'ok', kind: 'ollama', loaded: withShow, downloaded: dl, via: 'probe' };
}

/**
 * What a server of a known kind has loaded now, with no identification round and no `lms` fallback: the lab's
 * sampler asks this every second, so it is one REST request (two for LM Studio before 0.4) and nothing that can
 * start a program. Servers that cannot say (mlx, bare OpenAI-compatible) answer `knowsLoaded: false`.
 */
export async function readLoaded(baseUrl: string, kind: RuntimeKind, opts: InspectOptions): Promise<ServerState> {
  const root = serverRoot(baseUrl);
  if (!root) return { baseUrl, status: 'unreadable', detail: `not an http(s) URL: ${baseUrl}`, loaded: [], via: 'probe' };
  const o = { timeoutMs: opts.timeoutMs, signal: opts.signal };
  const failed = (f: HttpFailure): ServerState => ({
    baseUrl,
    status: f.kind === 'unreachable' || f.kind === 'timeout' ? 'unreachable' : 'unreadable',
    kind,
    detail: describe(f),
    loaded: [],
    via: 'probe',
  });
  try {
    switch (kind) {
      case 'lmstudio': {
        const headers = lmStudioAuthHeaders(baseUrl, kind, opts.lmStudioToken);
        const v1 = await requestJson(root + '/api/v1/models', { ...o, headers });
        const parsed = v1.ok ? V1Safe(v1.value) : undefined;
        if (parsed) return { baseUrl, status: 'ok', kind, loaded: parsed.loaded, via: 'probe' };
        const v0 = await requestJson(root + '/api/v0/models', { ...o, headers });
        return v0.ok ? { baseUrl, status: 'ok', kind, loaded: fromV0Models(v0.value).loaded, via: 'probe' } : failed(v0.failure);
      }
      case 'ollama': {
        const ps = await requestJson(root + '/api/ps', o);
        return ps.ok ? { baseUrl, status: 'ok', kind, loaded: ollamaLoaded(ps.value), via: 'probe' } : failed(ps.failure);
      }
      case 'llamacpp': {
        const [props, models] = await Promise.all([requestJson(root + '/props', o), requestJson(root + '/v1/models', o)]);
        return props.ok ? { baseUrl, status: 'ok', kind, loaded: llamacppLoaded(props.value, models.ok ? models.value : undefined), via: 'probe' } : failed(props.failure);
      }
      case 'vllm': {
        const models = await requestJson(root + '/v1/models', o);
        return models.ok ? { baseUrl, status: 'ok', kind, loaded: vllmLoaded(models.value), via: 'probe' } : failed(models.failure);
      }
      default: {
        // Reachability is all these can tell; what they hold is unknown, never guessed.
        const models = await requestJson(root + '/v1/models', o);
        return models.ok ? { baseUrl, status: 'ok', kind, knowsLoaded: false, loaded: [], via: 'probe' } : failed(models.failure);
      }
    }
  } catch (err) {
    return { baseUrl, status: 'unreadable', kind, detail: `${RUNTIME_NAMES[kind]} answered in an unexpected shape (${shortError(err)})`, loaded: [], via: 'probe' };
  }
}
