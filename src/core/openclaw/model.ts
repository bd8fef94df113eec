import { child, isEnvReference, numberAt, stringAt, type JsonNode, type ObjectNode } from './document.js';

/** Where OpenClaw's bundled LM Studio provider points when the config gives no baseUrl. */
export const LMSTUDIO_DEFAULT_BASE_URL = 'http://localhost:1234/v1';
/** What OpenClaw budgets for a model it cannot resolve (context-resolution.ts). */
export const UNRESOLVED_CONTEXT_TOKENS = 200000;

export interface NumberField {
  readonly value: number;
  readonly node: JsonNode;
}

export interface ModelRow {
  readonly providerId: string;
  readonly index: number;
  readonly node: ObjectNode;
  readonly id?: string;
  readonly name?: string;
  readonly contextWindow?: NumberField;
  readonly contextTokens?: NumberField;
  readonly maxTokens?: NumberField;
}

export interface Provider {
  readonly id: string;
  readonly node: ObjectNode;
  /** As written, or the bundled default for `lmstudio`; undefined for an `${ENV}` reference. */
  readonly baseUrl?: string;
  readonly baseUrlNode?: JsonNode;
  readonly api?: string;
  readonly models: readonly ModelRow[];
  /** params.preload (LM Studio only; default on). */
  readonly preload: boolean;
}

export type RefRole = 'primary' | 'fallback' | 'compaction' | 'memoryFlush' | 'agent';

export interface ModelRef {
  readonly ref: string;
  readonly providerId: string;
  readonly modelId: string;
  readonly role: RefRole;
  readonly node: JsonNode;
  /** For agent entries: the agent id. */
  readonly agentId?: string;
}

export interface CompactionView {
  readonly node?: ObjectNode;
  readonly mode?: string;
  readonly modeNode?: JsonNode;
  readonly model?: ModelRef;
  readonly keepRecentTokens: number;
  readonly enabled: boolean;
  readonly reserveTokensFloor?: NumberField;
  readonly reserveTokens?: NumberField;
  readonly softThresholdTokens: number;
  /** memoryFlush.model: the flush turn's own model (default: the primary). */
  readonly memoryFlushModel?: ModelRef;
  /** memoryFlush.enabled (default on). */
  readonly memoryFlushEnabled: boolean;
  /** midTurnPrecheck.enabled (default off). */
  readonly midTurnPrecheck: boolean;
}

export interface ConfigModel {
  readonly root?: JsonNode;
  readonly providers: readonly Provider[];
  readonly refs: readonly ModelRef[];
  readonly compaction: CompactionView;
  /** Legacy global cap (≤ 2026.7). */
  readonly legacyContextTokens?: NumberField;
}

function booleanAt(node: JsonNode | undefined): boolean | undefined {
  return node?.kind === 'boolean' ? (node.value as boolean) : undefined;
}

function num(node: JsonNode | undefined): NumberField | undefined {
  const value = numberAt(node);
  return value === undefined || !node ? undefined : { value, node };
}

export function splitRef(ref: string): { providerId: string; modelId: string } | undefined {
  const i = ref.indexOf('/');
  if (i <= 0 || i === ref.length - 1) return undefined;
  return { providerId: ref.slice(0, i), modelId: ref.slice(i + 1) };
}

function makeRef(node: JsonNode | undefined, role: RefRole, agentId?: string): ModelRef | undefined {
  const ref = stringAt(node);
  if (!node || !ref || isEnvReference(ref)) return undefined;
  const parts = splitRef(ref);
  if (!parts) return undefined;
  return { ref, ...parts, role, node, agentId };
}

/** `model` may be "p/m" or { primary, fallbacks }. */
function modelRefs(node: JsonNode | undefined, agentId?: string): ModelRef[] {
  if (!node) return [];
  if (node.kind === 'string') return [makeRef(node, agentId ? 'agent' : 'primary', agentId)].filter(isDefined);
  const out: ModelRef[] = [];
  const primary = makeRef(child(node, 'primary'), agentId ? 'agent' : 'primary', agentId);
  if (primary) out.push(primary);
  const fallbacks = child(node, 'fallbacks');
  if (fallbacks?.kind === 'array') for (const f of fallbacks.items) {
    const r = makeRef(f, agentId ? 'agent' : 'fallback', agentId);
    if (r) out.push(r);
  }
  return out;
}

function isDefined<T>(x: T | undefined): x is T {
  return x !== undefined;
}

export function buildModel(root: JsonNode | undefined): ConfigModel {
  const providers: Provider[] = [];
  const providersNode = child(child(root, 'models'), 'providers');
  if (providersNode?.kind === 'object') {
    for (const m of providersNode.members) {
      const p = m.value;
      if (p.kind !== 'object') continue;
      const baseUrlNode = child(p, 'baseUrl');
      const written = stringAt(baseUrlNode);
      const baseUrl =
        written !== undefined ? (isEnvReference(written) ? undefined : written) : m.key === 'lmstudio' ? LMSTUDIO_DEFAULT_BASE_URL : undefined;
      const rowsNode = child(p, 'models');
      const models: ModelRow[] = [];
      if (rowsNode?.kind === 'array') {
        rowsNode.items.forEach((row, index) => {
          if (row.kind !== 'object') return;
          models.push({
            providerId: m.key,
            index,
            node: row,
            id: stringAt(child(row, 'id')),
            name: stringAt(child(row, 'name')),
            contextWindow: num(child(row, 'contextWindow')),
            contextTokens: num(child(row, 'contextTokens')),
            maxTokens: num(child(row, 'maxTokens')),
          });
        });
      }
      const preloadNode = child(child(p, 'params'), 'preload');
      providers.push({
        id: m.key,
        node: p,
        baseUrl,
        baseUrlNode,
        api: stringAt(child(p, 'api')),
        models,
        preload: preloadNode?.kind === 'boolean' ? (preloadNode.value as boolean) : true,
      });
    }
  }

  const agents = child(root, 'agents');
  const defaults = child(agents, 'defaults');
  const refs: ModelRef[] = [...modelRefs(child(defaults, 'model'))];
  const compactionNode = child(defaults, 'compaction');
  const compactionModel = makeRef(child(compactionNode, 'model'), 'compaction');
  if (compactionModel) refs.push(compactionModel);
  const flush = child(compactionNode, 'memoryFlush');
  const flushModel = makeRef(child(flush, 'model'), 'memoryFlush');
  if (flushModel) refs.push(flushModel);
  const entries = child(agents, 'entries');
  if (entries?.kind === 'object') for (const e of entries.members) refs.push(...modelRefs(child(e.value, 'model'), e.key));
  const list = child(agents, 'list');
  if (list?.kind === 'array') for (const item of list.items) {
    const id = stringAt(child(item, 'id')) ?? '?';
    refs.push(...modelRefs(child(item, 'model'), id));
  }

  const modeNode = child(compactionNode, 'mode');
  const enabledNode = child(compactionNode, 'enabled');
  return {
    root,
    providers,
    refs,
    legacyContextTokens: num(child(defaults, 'contextTokens')),
    compaction: {
      node: compactionNode?.kind === 'object' ? compactionNode : undefined,
      mode: stringAt(modeNode),
      modeNode,
      model: compactionModel,
      keepRecentTokens: numberAt(child(compactionNode, 'keepRecentTokens')) ?? 20000,
      enabled: booleanAt(enabledNode) ?? true,
      reserveTokensFloor: num(child(compactionNode, 'reserveTokensFloor')),
      reserveTokens: num(child(compactionNode, 'reserveTokens')),
      softThresholdTokens: numberAt(child(flush, 'softThresholdTokens')) ?? 4000,
      memoryFlushModel: flushModel,
      memoryFlushEnabled: booleanAt(child(flush, 'enabled')) ?? true,
      midTurnPrecheck: booleanAt(child(child(compactionNode, 'midTurnPrecheck'), 'enabled')) ?? false,
    },
  };
}

/** Each provider's rows by id (the first row of an id wins, as a search from the top would), made once per provider. */
const ROWS = new WeakMap<Provider, Map<string, ModelRow>>();

/** The provider's row for a model id: the rules ask once per reference, and a config can have hundreds of each. */
export function rowOf(p: Provider, modelId: string): ModelRow | undefined {
  let rows = ROWS.get(p);
  if (!rows) {
    rows = new Map();
    for (const r of p.models) if (r.id !== undefined && !rows.has(r.id)) rows.set(r.id, r);
    ROWS.set(p, rows);
  }
  return rows.get(modelId);
}

export function findRow(model: ConfigModel, providerId: string, modelId: string): ModelRow | undefined {
  const p = findProvider(model, providerId);
  return p && rowOf(p, modelId);
}

export function findProvider(model: ConfigModel, providerId: string): Provider | undefined {
  return model.providers.find((p) => p.id === providerId);
}
