import * as z from 'zod/mini';
import { posInt, type DownloadedModel, type LoadedModel, type ModelCapabilities } from './types.js';

/* Ollama */
export const OllamaPsSchema = z.looseObject({
  models: z.array(
    z.looseObject({
      name: z.string(),
      model: z.optional(z.string()),
      size: z.optional(z.number()),
      context_length: z.optional(posInt),
      details: z.optional(z.looseObject({ parameter_size: z.optional(z.string()) })),
    }),
  ),
});
/** `POST /api/show {model}`: `model_info["<arch>.context_length"]`, Modelfile `parameters` text, `capabilities`. */
export const OllamaShowSchema = z.looseObject({
  model_info: z.nullish(z.record(z.string(), z.unknown())),
  parameters: z.nullish(z.string()),
  capabilities: z.nullish(z.array(z.string())),
});
export const OllamaTagsSchema = z.looseObject({
  models: z.array(
    z.looseObject({
      name: z.string(),
      size: z.optional(z.number()),
      details: z.optional(z.looseObject({ parameter_size: z.optional(z.string()), context_length: z.optional(posInt) })),
    }),
  ),
});

export interface OllamaShowFacts {
  readonly maxContextLength?: number;
  /** `num_ctx N` in the Modelfile parameters; undefined when the Modelfile does not set it. */
  readonly modelfileNumCtx?: number;
  readonly capabilities?: ModelCapabilities;
}

/** What `/api/show` tells about one model. Older servers have no `capabilities`: tools/thinking stay unknown. */
export function ollamaShow(show: unknown): OllamaShowFacts {
  const s = OllamaShowSchema.parse(show);
  let max: number | undefined;
  for (const [k, val] of Object.entries(s.model_info ?? {})) if (k.endsWith('.context_length') && typeof val === 'number' && val > 0) max = val;
  const m = /^\s*num_ctx\s+(\d+)\b/m.exec(s.parameters ?? '');
  const numCtx = m ? Number(m[1]) : undefined;
  const caps = s.capabilities ? { tools: s.capabilities.includes('tools'), thinking: s.capabilities.includes('thinking') } : undefined;
  return {
    ...(max !== undefined ? { maxContextLength: max } : {}),
    ...(numCtx !== undefined && numCtx > 0 ? { modelfileNumCtx: numCtx } : {}),
    ...(caps ? { capabilities: caps } : {}),
  };
}

export function ollamaLoaded(ps: unknown): LoadedModel[] {
  return OllamaPsSchema.parse(ps).models.map((m) => ({
    identifier: m.name,
    modelKey: m.model ?? m.name,
    loadedContextLength: m.context_length,
    sizeBytes: m.size,
    paramsString: m.details?.parameter_size,
    note:
      m.context_length === undefined
        ? 'this Ollama is older than 0.10 and does not report the loaded context'
        : 'per request (num_ctx); total KV is this × OLLAMA_NUM_PARALLEL',
  }));
}

export function ollamaDownloaded(tags: unknown): DownloadedModel[] {
  return OllamaTagsSchema.parse(tags).models.map((m) => ({
    modelKey: m.name,
    type: 'llm',
    sizeBytes: m.size,
    paramsString: m.details?.parameter_size,
    maxContextLength: m.details?.context_length,
  }));
}

/* llama.cpp llama-server */
export const LlamaPropsSchema = z.looseObject({
  default_generation_settings: z.optional(z.looseObject({ n_ctx: z.optional(z.int().check(z.nonnegative())) })),
  n_ctx: z.optional(z.int().check(z.nonnegative())),
  total_slots: z.optional(z.int()),
  model_alias: z.optional(z.string()),
  model_path: z.optional(z.string()),
});
export const OpenAiModelsSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      id: z.string(),
      owned_by: z.optional(z.string()),
      // vLLM LoRA adapter cards carry `"max_model_len": null` (or omit it): they are skipped, the base model kept.
      max_model_len: z.nullish(posInt),
      meta: z.nullish(z.looseObject({ n_ctx: z.optional(posInt), n_ctx_train: z.optional(posInt), size: z.optional(z.number()), n_params: z.optional(z.number()) })),
    }),
  ),
});

export function llamacppLoaded(props: unknown, models: unknown | undefined): LoadedModel[] {
  const p = LlamaPropsSchema.parse(props);
  const m = models !== undefined ? OpenAiModelsSchema.safeParse(models) : undefined;
  const card = m?.success ? m.data.data[0] : undefined;
  const perSlot = p.default_generation_settings?.n_ctx ?? p.n_ctx ?? card?.meta?.n_ctx;
  const id = card?.id ?? p.model_alias ?? p.model_path ?? 'default';
  if (perSlot === 0 && !card?.meta?.n_ctx) return []; // router mode: no model at the bare endpoint
  const slots = p.total_slots ?? 1;
  return [
    {
      identifier: id,
      modelKey: id,
      loadedContextLength: perSlot || card?.meta?.n_ctx,
      maxContextLength: card?.meta?.n_ctx_train,
      sizeBytes: card?.meta?.size,
      paramsString: card?.meta?.n_params ? `${(card.meta.n_params / 1e9).toFixed(1)}B` : undefined,
      note: slots > 1 ? `per slot, ${slots} slots (-c is split across slots unless KV is unified)` : undefined,
    },
  ];
}

/* vLLM */
export function vllmLoaded(models: unknown): LoadedModel[] {
  return OpenAiModelsSchema.parse(models)
    .data.filter((c): c is typeof c & { max_model_len: number } => typeof c.max_model_len === 'number')
    .map((c) => ({ identifier: c.id, modelKey: c.id, loadedContextLength: c.max_model_len, maxContextLength: c.max_model_len }));
}

/* mlx_lm.server: /v1/models lists the Hugging Face cache, not what is loaded, and says nothing of context. */
export function mlxDownloaded(models: unknown): DownloadedModel[] {
  return OpenAiModelsSchema.parse(models).data.map((c) => ({ modelKey: c.id, type: 'llm' }));
}

export function openAiIds(models: unknown): string[] {
  return OpenAiModelsSchema.parse(models).data.map((c) => c.id);
}
