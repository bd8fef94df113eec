import { z } from 'zod';
import type { DownloadedModel, LoadedModel } from './types.js';

const posInt = z.number().int().positive();

/** `lms ps --json` (fields arrived 2025-02 … 2026-03; all but identity optional). */
export const LmsPsSchema = z.array(
  z.looseObject({
    type: z.string().optional(),
    modelKey: z.string(),
    identifier: z.string().optional(),
    displayName: z.string().optional(),
    sizeBytes: z.number().optional(),
    paramsString: z.string().nullish(),
    maxContextLength: posInt.optional(),
    contextLength: posInt.optional(),
    parallel: z.number().nullish(),
  }),
);

/** `lms ls --json`. */
export const LmsLsSchema = z.array(
  z.looseObject({
    type: z.string().optional(),
    modelKey: z.string(),
    displayName: z.string().optional(),
    sizeBytes: z.number().optional(),
    paramsString: z.string().nullish(),
    maxContextLength: posInt.optional(),
    trainedForToolUse: z.boolean().optional(),
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
      type: z.string().optional(),
      key: z.string(),
      display_name: z.string().optional(),
      size_bytes: z.number().optional(),
      params_string: z.string().nullish(),
      max_context_length: posInt.optional(),
      loaded_instances: z
        .array(z.looseObject({ id: z.string(), config: z.looseObject({ context_length: posInt.optional(), parallel: z.number().optional() }).optional() }))
        .optional(),
      capabilities: z.looseObject({ trained_for_tool_use: z.boolean().optional() }).nullish(),
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
      type: z.string().optional(),
      state: z.string().optional(),
      max_context_length: posInt.optional(),
      loaded_context_length: posInt.optional(),
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
export const LmsServerStatusSchema = z.looseObject({ running: z.boolean(), port: z.number().optional() });
