import type { ConfigDocument, JsonNode, ObjectNode } from '../openclaw/document.js';
import { child, numberAt, parseDocument, stringAt } from '../openclaw/document.js';
import { EditDeclined, type DocEdits } from '../openclaw/edit.js';
import { applyEdits } from '../text.js';
import type { ConfigModel, ModelRef, ModelRow, Provider } from '../openclaw/model.js';
import type { ModelCapabilities, ServerState } from '../servers/types.js';

/**
 * How OpenClaw will talk to one model row: the row's own `api`/`baseUrl` override the provider's
 * (OpenClaw 2026.9.6 dist: provider-model-compat-*.mjs normalizeModelCompat reads `model.api`/`model.baseUrl`
 * after the provider's were merged into the row).
 */
export interface RowTransport {
  readonly provider: Provider;
  readonly row: ModelRow;
  readonly ref: string;
  /** Effective api: the row's, else the provider's, else the provider id's default. */
  readonly api: string;
  /** The node that sets it (row or provider); undefined when it is the default. */
  readonly apiNode?: JsonNode;
  readonly baseUrl?: string;
  readonly baseUrlNode?: JsonNode;
}

/**
 * The api a provider uses when none is written: the bundled Ollama plugin speaks native `ollama`; custom
 * providers default to `openai-completions` (openclaw.md §4). Hosted bundled providers have their own.
 */
export function defaultApi(providerId: string): string {
  switch (providerId.toLowerCase()) {
    case 'ollama':
      return 'ollama';
    case 'anthropic':
      return 'anthropic-messages';
    case 'google':
      return 'google-generative-ai';
    case 'google-vertex':
      return 'google-vertex';
    case 'openai':
      return 'openai-responses';
    case 'github-copilot':
      return 'github-copilot';
    case 'amazon-bedrock':
    case 'bedrock':
      return 'bedrock-converse-stream';
    default:
      return 'openai-completions';
  }
}

// One RowTransport per row and one list per model, made on first ask: eight rules walk every row, and a large
// config has hundreds (a cold `check` under Node 20 spent 18 ms building them again and again).
const TRANSPORTS = new WeakMap<ModelRow, RowTransport>();
const ROWS = new WeakMap<ConfigModel, readonly RowTransport[]>();

export function rowTransport(p: Provider, row: ModelRow): RowTransport {
  let t = TRANSPORTS.get(row);
  if (!t || t.provider !== p) TRANSPORTS.set(row, (t = makeRowTransport(p, row)));
  return t;
}

function makeRowTransport(p: Provider, row: ModelRow): RowTransport {
  const rowApiNode = child(row.node, 'api');
  const rowApi = stringAt(rowApiNode);
  const rowBaseNode = child(row.node, 'baseUrl');
  const rowBase = stringAt(rowBaseNode);
  const provApiNode = child(p.node, 'api');
  const provApi = stringAt(provApiNode);
  return {
    provider: p,
    row,
    ref: `${p.id}/${row.id ?? '?'}`,
    api: rowApi ?? provApi ?? defaultApi(p.id),
    apiNode: rowApi !== undefined ? rowApiNode : provApi !== undefined ? provApiNode : undefined,
    baseUrl: rowBase ?? p.baseUrl,
    baseUrlNode: rowBase !== undefined ? rowBaseNode : p.baseUrlNode,
  };
}

/** Every row with an id, in the order of the file. */
export function allRows(model: ConfigModel): readonly RowTransport[] {
  let rows = ROWS.get(model);
  if (!rows) ROWS.set(model, (rows = model.providers.flatMap((p) => p.models.filter((row) => row.id).map((row) => rowTransport(p, row)))));
  return rows;
}

/** `compat.<key>` on a row: the boolean written, else undefined. */
export function compatFlag(row: ModelRow, key: string): boolean | undefined {
  const n = child(child(row.node, 'compat'), key);
  return n?.kind === 'boolean' ? (n.value as boolean) : undefined;
}

export function compatWritten(row: ModelRow, key: string): boolean {
  return child(child(row.node, 'compat'), key) !== undefined;
}

/** Refs that dispatch to a row (compaction and memory flush included unless `agentOnly`). */
/** The config's references by provider and model, in their order, made once per model (every row asks). */
const REFS = new WeakMap<ConfigModel, Map<string, ModelRef[]>>();
const refKey = (providerId: string, modelId: string) => `${providerId}\0${modelId}`;

export function refsTo(model: ConfigModel, t: RowTransport, agentOnly = false): ModelRef[] {
  let byModel = REFS.get(model);
  if (!byModel) {
    byModel = new Map();
    for (const r of model.refs) {
      const k = refKey(r.providerId, r.modelId);
      const list = byModel.get(k);
      if (list) list.push(r);
      else byModel.set(k, [r]);
    }
    REFS.set(model, byModel);
  }
  if (t.row.id === undefined) return [];
  return (byModel.get(refKey(t.provider.id, t.row.id)) ?? []).filter((r) => !agentOnly || (r.role !== 'compaction' && r.role !== 'memoryFlush'));
}

export function hostOf(baseUrl: string | undefined): { host: string; port: string; path: string } | undefined {
  if (!baseUrl) return undefined;
  try {
    const u = new URL(baseUrl);
    return { host: u.hostname.toLowerCase().replace(/^\[|\]$/g, ''), port: u.port, path: u.pathname };
  } catch {
    return undefined;
  }
}

/** OpenClaw's "local endpoint" for streaming usage (dist provider-attribution-*.mjs isLocalEndpointHost). */
export function isLocalEndpointHost(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '::1' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal');
}

/** OpenClaw's isLoopbackHost (dist net-*.mjs): localhost, 127.x.x.x, ::1 and mapped forms. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || /^::ffff:127\./.test(host);
}

/** A positive finite number at `params.<key>` under a node. */
function paramAt(node: JsonNode | undefined, key: string): { value: number; node: JsonNode } | undefined {
  const n = child(child(node, 'params'), key);
  const value = numberAt(n);
  return n && value !== undefined && Number.isFinite(value) && value > 0 ? { value, node: n } : undefined;
}

/**
 * params.num_ctx as OpenClaw merges it: provider `params`, then `agents.defaults.models["<p>/<id>"].params`,
 * then the row's `params`; only a positive number counts (dist stream-compat-*.mjs resolveOllamaConfiguredNumCtx).
 */
export function mergedNumCtx(model: ConfigModel, t: RowTransport): { value: number; node: JsonNode } | undefined {
  const perModel = child(child(child(child(model.root, 'agents'), 'defaults'), 'models'), t.ref);
  const layers = [t.provider.node, perModel, t.row.node];
  let out: { value: number; node: JsonNode } | undefined;
  for (const layer of layers) {
    const raw = child(child(layer, 'params'), 'num_ctx');
    if (raw === undefined) continue;
    out = paramAt(layer, 'num_ctx'); // a later non-positive value replaces an earlier one, and counts as unset
  }
  return out;
}

/** What a server says one model can do, from its loaded or downloaded entry (Ollama `name` or `name:latest`). */
export function serverModel(state: ServerState | undefined, id: string | undefined) {
  if (!state || state.status !== 'ok' || !id) return undefined;
  const ids = id.includes(':') ? [id] : [id, `${id}:latest`];
  for (const want of ids) {
    const loaded = state.loaded.find((m) => m.identifier === want) ?? state.loaded.find((m) => m.modelKey === want);
    const downloaded = state.downloaded?.find((m) => m.modelKey === want);
    if (loaded || downloaded) {
      const capabilities: ModelCapabilities = { ...downloaded?.capabilities, ...loaded?.capabilities };
      return {
        loaded,
        downloaded,
        capabilities,
        modelfileNumCtx: loaded?.modelfileNumCtx ?? downloaded?.modelfileNumCtx,
        maxContextLength: loaded?.maxContextLength ?? downloaded?.maxContextLength,
      };
    }
  }
  return undefined;
}

/** The object node that starts at `offset` in a parsed document. */
function objectStartingAt(node: JsonNode | undefined, offset: number): ObjectNode | undefined {
  if (!node || node.span[0] > offset || node.span[1] <= offset) return undefined;
  if (node.kind === 'object' && node.span[0] === offset) return node;
  const kids = node.kind === 'object' ? node.members.map((m) => m.value) : node.kind === 'array' ? node.items : [];
  for (const k of kids) {
    const hit = objectStartingAt(k, offset);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Several member edits to one object (e.g. `contextTokens` and `params.num_ctx`), each planned on the text the
 * previous one produced, returned as one replacement of the object: two insertions at the same point would
 * otherwise both add a separating comma.
 */
export function sequentialObjectEdits(obj: ObjectNode, steps: readonly ((doc: ConfigDocument, obj: ObjectNode) => DocEdits)[]): DocEdits {
  const doc = obj.doc;
  let curDoc = doc;
  let cur: ObjectNode = obj;
  for (const step of steps) {
    const text = applyEdits(curDoc.text, step(curDoc, cur).edits);
    curDoc = parseDocument(doc.file, text, doc.encoding);
    const next = objectStartingAt(curDoc.root, obj.span[0]);
    if (!next) throw new EditDeclined('the edited object could not be found again');
    cur = next;
  }
  return { doc, edits: [{ span: obj.span, newText: curDoc.text.slice(cur.span[0], cur.span[1]) }] };
}
