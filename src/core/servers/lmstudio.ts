import * as z from 'zod/mini';
import type { DownloadedModel, LoadedModel } from './types.js';

const posInt = z.int().check(z.positive());

/** `lms ps --json` (fields arrived 2025-02 … 2026-03; all but identity optional). */
export const LmsPsSchema = z.array(
  z.looseObject({
    type: z.optional(z.string()),
    modelKey: z.string(),
    identifier: z.optional(z.string()),
    displayName: z.optional(z.string()),
    sizeBytes: z.optional(z.number()),
    paramsString: z.nullish(z.string()),
    maxContextLength: z.optional(posInt),
    contextLength: z.optional(posInt),
    parallel: z.nullish(z.number()),
  }),
);

/** `lms ls --json`. */
export const LmsLsSchema = z.array(
  z.looseObject({
    type: z.optional(z.string()),
    modelKey: z.string(),
    displayName: z.optional(z.string()),
    sizeBytes: z.optional(z.number()),
    paramsString: z.nullish(z.string()),
    maxContextLength: z.optional(posInt),
    trainedForToolUse: z.optional(z.boolean()),
  }),
);

export function loadedFromLmsPs(json: unknown): LoadedModel[] {
  return LmsPsSchema.parse(json)
    .filter((m) => m.type === undefined || m.type === 'llm')
    .map((m) => ({
      identifier: m.identifier ?? m.modelKey,
      modelKey: m.modelKey,
      loadedContextLength: m.contextLength,
      maxContextLength: m.maxContextLength,
      sizeBytes: m.sizeBytes,
      paramsString: m.paramsString ?? undefined,
      note: m.parallel && m.parallel > 1 ? `${m.parallel} parallel predictions` : undefined,
    }));
}

export function downloadedFromLmsLs(json: unknown): DownloadedModel[] {
  return LmsLsSchema.parse(json).map((m) => ({
    modelKey: m.modelKey,
    type: m.type === 'llm' || m.type === undefined ? 'llm' : m.type === 'embedding' ? 'embedding' : 'other',
    maxContextLength: m.maxContextLength,
    sizeBytes: m.sizeBytes,
    paramsString: m.paramsString ?? undefined,
    displayName: m.displayName,
    trainedForToolUse: m.trainedForToolUse,
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
      capabilities: z.nullish(z.looseObject({ trained_for_tool_use: z.optional(z.boolean()) })),
    }),
  ),
});

export function fromV1Models(json: unknown): { loaded: LoadedModel[]; downloaded: DownloadedModel[] } {
  const parsed = V1ModelsSchema.parse(json);
  const loaded: LoadedModel[] = [];
  const downloaded: DownloadedModel[] = [];
  for (const m of parsed.models) {
    const type = m.type === 'llm' ? 'llm' : m.type === 'embedding' ? 'embedding' : m.type === undefined ? 'llm' : 'other';
    downloaded.push({
      modelKey: m.key,
      type,
      maxContextLength: m.max_context_length,
      sizeBytes: m.size_bytes,
      paramsString: m.params_string ?? undefined,
      displayName: m.display_name,
      trainedForToolUse: m.capabilities?.trained_for_tool_use,
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
      });
    }
  }
  return { loaded, downloaded };
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
    const type = m.type === 'llm' || m.type === 'vlm' ? 'llm' : m.type === 'embeddings' ? 'embedding' : 'other';
    downloaded.push({ modelKey: m.id, type, maxContextLength: m.max_context_length });
    if (type === 'llm' && m.state === 'loaded') {
      loaded.push({ identifier: m.id, modelKey: m.id, loadedContextLength: m.loaded_context_length, maxContextLength: m.max_context_length });
    }
  }
  return { loaded, downloaded };
}

/** `lms server status --json` (always exit 0; never starts anything). */
export const LmsServerStatusSchema = z.looseObject({ running: z.boolean(), port: z.optional(z.number()) });
