import type { ServerAction } from '../findings.js';
import type { ModelRow } from '../openclaw/model.js';
import { parseParams, type DownloadedModel, type LoadedModel, type ServerState } from './types.js';

/** "A model row matches a loaded or downloaded model when its id equals that model's identifier or modelKey." */
export function loadedFor(state: ServerState | undefined, row: ModelRow | { id?: string }): LoadedModel | undefined {
  if (!state || state.status !== 'ok' || !row.id) return undefined;
  return state.loaded.find((m) => m.identifier === row.id) ?? state.loaded.find((m) => m.modelKey === row.id);
}

export function downloadedFor(state: ServerState | undefined, id: string | undefined): DownloadedModel | undefined {
  if (!state || !id) return undefined;
  return state.downloaded?.find((m) => m.modelKey === id);
}

/** The model's maximum context, from whatever the server told us. */
export function maxContextFor(state: ServerState | undefined, id: string | undefined): number | undefined {
  if (!id) return undefined;
  return loadedFor(state, { id })?.maxContextLength ?? downloadedFor(state, id)?.maxContextLength;
}

export function serverName(state: ServerState): string {
  switch (state.kind) {
    case 'lmstudio':
      return 'LM Studio';
    case 'ollama':
      return 'Ollama';
    case 'llamacpp':
      return 'llama-server';
    case 'vllm':
      return 'vLLM';
    case 'mlx':
      return 'mlx_lm.server';
    default:
      return 'the server';
  }
}

/** How to change the loaded context on servers we cannot drive ourselves. */
export function reloadInstruction(state: ServerState, modelId: string, context: number): ServerAction | undefined {
  switch (state.kind) {
    case 'ollama':
      return { kind: 'instruct', runtime: 'ollama', text: `Set num_ctx ${context} for ${modelId} (params.num_ctx on the provider, OLLAMA_CONTEXT_LENGTH=${context}, or PARAMETER num_ctx ${context} in its Modelfile), then run it again.` };
    case 'llamacpp':
      return { kind: 'instruct', runtime: 'llamacpp', text: `Restart llama-server with -c ${context} (per slot; multiply by -np without --kv-unified).` };
    case 'vllm':
      return { kind: 'instruct', runtime: 'vllm', text: `Restart vLLM with --max-model-len ${context}.` };
    default:
      return undefined;
  }
}

/** Small instruct models make good compactors: ~10 s a compaction instead of ~30 s on the primary. */
export function pickCompactor(state: ServerState | undefined, primaryId: string | undefined): DownloadedModel | undefined {
  const candidates = (state?.downloaded ?? [])
    .filter((m) => m.type === 'llm' && m.modelKey !== primaryId)
    .map((m) => ({ m, params: parseParams(m.paramsString ?? m.modelKey) }))
    .filter((c) => c.params !== undefined && c.params <= 8 && c.params >= 1)
    .filter((c) => !/embed|vision|-vl\b|coder/i.test(c.m.modelKey));
  const score = (c: { m: DownloadedModel; params?: number }) =>
    (/instruct|-it\b|chat/i.test(c.m.modelKey) ? 0 : 10) + Math.abs((c.params ?? 8) - 4) + ((c.m.maxContextLength ?? 0) >= 68000 ? 0 : 3);
  candidates.sort((a, b) => score(a) - score(b) || a.m.modelKey.localeCompare(b.m.modelKey));
  return candidates[0]?.m;
}
