import * as z from 'zod/mini';
import { posInt, type DownloadedModel, type LoadedModel, type ModelCapabilities } from './types.js';

/** The model fields `lms ps --json` and `lms ls --json` both print (all optional in `ps`: older rows lack them). */
const lmsModel = {
  type: z.optional(z.string()),
  displayName: z.optional(z.string()),
  sizeBytes: z.optional(z.number()),
  paramsString: z.nullish(z.string()),
  maxContextLength: z.optional(posInt),
  trainedForToolUse: z.optional(z.boolean()),
};

/**
 * `lms ps --json` (fields arrived 2025-02 … 2026-03; all optional). Rows from before 2025-02 carry only
 * `identifier`, `path` and `instanceReference`: no `modelKey`, no `contextLength` (context unknown, never guessed).
 */
export const LmsPsSchema = z.array(
  z.looseObject({
    ...lmsModel,
    modelKey: z.optional(z.string()),
    identifier: z.optional(z.string()),
    path: z.optional(z.string()),
    contextLength: z.optional(posInt),
    parallel: z.nullish(z.number()),
  }),
);

/** `lms ls --json`. */
export const LmsLsSchema = z.array(z.looseObject({ ...lmsModel, modelKey: z.string() }));

/** LM Studio's model type (`lms` and REST v1): a model that does not say is an LLM. */
function modelType(type: string | undefined): DownloadedModel['type'] {
  return type === 'llm' || type === undefined ? 'llm' : type === 'embedding' ? 'embedding' : 'other';
}

export function loadedFromLmsPs(json: unknown): LoadedModel[] {
  const rows = LmsPsSchema.parse(json);
  // A row that names no model at all is not an `lms ps` row: the capture is something else.
  if (rows.some((m) => !m.modelKey && !m.identifier && !m.path)) throw new Error('an lms ps row names no model (no modelKey, identifier or path)');
  return rows
    .filter((m) => modelType(m.type) === 'llm')
    .map((m) => {
      const identifier = m.identifier ?? m.modelKey ?? m.path!;
      return {
        identifier,
        modelKey: m.modelKey ?? identifier,
        loadedContextLength: m.contextLength,
        maxContextLength: m.maxContextLength,
        sizeBytes: m.sizeBytes,
        paramsString: m.paramsString ?? undefined,
        note:
          m.contextLength === undefined
            ? 'this lms is older than 2025-02 and does not report the loaded context'
            : m.parallel && m.parallel > 1
              ? `${m.parallel} parallel predictions`
              : undefined,
        ...(m.trainedForToolUse !== undefined ? { capabilities: { tools: m.trainedForToolUse } } : {}),
      };
    });
}

export function downloadedFromLmsLs(json: unknown): DownloadedModel[] {
  return LmsLsSchema.parse(json).map((m) => ({
    modelKey: m.modelKey,
    type: modelType(m.type),
    maxContextLength: m.maxContextLength,
    sizeBytes: m.sizeBytes,
    paramsString: m.paramsString ?? undefined,
    displayName: m.displayName,
    trainedForToolUse: m.trainedForToolUse,
    ...(m.trainedForToolUse !== undefined ? { capabilities: { tools: m.trainedForToolUse } } : {}),
  }));
}

/** REST v1 (LM Studio ≥ 0.4): GET /api/v1/models. */
export const V1ModelsSchema = z.looseObject({
  models: z.array(
    z.looseObject({
      type: z.optional(z.string()),
      key: z.string(),
      display_name: z.optional(z.string()),
      size_bytes: z.optional(z.number()),
      params_string: z.nullish(z.string()),
      max_context_length: z.optional(posInt),
      loaded_instances: z.optional(
        z.array(z.looseObject({ id: z.string(), config: z.optional(z.looseObject({ context_length: z.optional(posInt), parallel: z.optional(z.number()) })) })),
      ),
      capabilities: z.nullish(z.looseObject({ trained_for_tool_use: z.optional(z.boolean()), reasoning: z.optional(z.unknown()) })),
    }),
  ),
});

export function fromV1Models(json: unknown): { loaded: LoadedModel[]; downloaded: DownloadedModel[] } {
  const parsed = V1ModelsSchema.parse(json);
  const loaded: LoadedModel[] = [];
  const downloaded: DownloadedModel[] = [];
  for (const m of parsed.models) {
    const type = modelType(m.type);
    const capabilities = v1Capabilities(m.capabilities);
    downloaded.push({
      modelKey: m.key,
      type,
      maxContextLength: m.max_context_length,
      sizeBytes: m.size_bytes,
      paramsString: m.params_string ?? undefined,
      displayName: m.display_name,
      trainedForToolUse: m.capabilities?.trained_for_tool_use,
      ...(capabilities ? { capabilities } : {}),
    });
    if (type !== 'llm') continue;
    for (const inst of m.loaded_instances ?? []) {
      loaded.push({
        identifier: inst.id,
        modelKey: m.key,
        loadedContextLength: inst.config?.context_length,
        maxContextLength: m.max_context_length,
        sizeBytes: m.size_bytes,
        paramsString: m.params_string ?? undefined,
        note: inst.config?.parallel && inst.config.parallel > 1 ? `${inst.config.parallel} parallel predictions` : undefined,
        ...(capabilities ? { capabilities } : {}),
      });
    }
  }
  return { loaded, downloaded };
}

/**
 * `capabilities.reasoning` exists only from LM Studio 0.4.8: present means it reasons, absent proves nothing
 * (thinking stays unknown). `trained_for_tool_use` false means it was not trained to call tools.
 */
function v1Capabilities(c: { trained_for_tool_use?: boolean; reasoning?: unknown } | null | undefined): ModelCapabilities | undefined {
  if (!c) return undefined;
  const out: { tools?: boolean; thinking?: boolean } = {};
  if (c.trained_for_tool_use !== undefined) out.tools = c.trained_for_tool_use;
  if (c.reasoning !== undefined && c.reasoning !== null) out.thinking = true;
  return Object.keys(out).length ? out : undefined;
}

/** REST v0 (LM Studio ≥ 0.3.6): GET /api/v0/models. */
export const V0ModelsSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      id: z.string(),
      type: z.optional(z.string()),
      state: z.optional(z.string()),
      max_context_length: z.optional(posInt),
      loaded_context_length: z.optional(posInt),
    }),
  ),
});

export function fromV0Models(json: unknown): { loaded: LoadedModel[]; downloaded: DownloadedModel[] } {
  const parsed = V0ModelsSchema.parse(json);
  const loaded: LoadedModel[] = [];
  const downloaded: DownloadedModel[] = [];
  for (const m of parsed.data) {
    // Rows seen in the wild without `type` but with `loaded_context_length` are loaded LLMs (runtimes.md).
    const type = m.type === 'llm' || m.type === 'vlm' || m.type === undefined ? 'llm' : m.type === 'embeddings' ? 'embedding' : 'other';
    const isLoaded = m.state === 'loaded' || (m.state === undefined && m.loaded_context_length !== undefined);
    downloaded.push({ modelKey: m.id, type, maxContextLength: m.max_context_length });
    if (type === 'llm' && isLoaded) {
      loaded.push({ identifier: m.id, modelKey: m.id, loadedContextLength: m.loaded_context_length, maxContextLength: m.max_context_length });
    }
  }
  return { loaded, downloaded };
}

/** `lms server status --json` (always exit 0; never starts anything). */
export const LmsServerStatusSchema = z.looseObject({ running: z.boolean(), port: z.optional(z.number()) });
