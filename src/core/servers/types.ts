import * as z from 'zod/mini';

export type RuntimeKind = 'lmstudio' | 'ollama' | 'llamacpp' | 'vllm' | 'mlx' | 'openai-compatible' | 'headroom';

export const RUNTIME_NAMES: Record<RuntimeKind, string> = {
  lmstudio: 'LM Studio',
  ollama: 'Ollama',
  llamacpp: 'llama.cpp llama-server',
  vllm: 'vLLM',
  mlx: 'mlx_lm.server',
  'openai-compatible': 'OpenAI-compatible server',
  headroom: 'Headroom compression proxy',
};

/** A context length as the servers report it, in every server schema: a positive integer. */
export const posInt = z.int().check(z.positive());

/** What the server says the model can do; a field is undefined when the server does not say (never guessed). */
export interface ModelCapabilities {
  /** Ollama `/api/show` capabilities include "tools"; LM Studio `trained_for_tool_use` / `trainedForToolUse`. */
  readonly tools?: boolean;
  /** Ollama "thinking" capability; LM Studio `capabilities.reasoning` (only reported from LM Studio 0.4.8). */
  readonly thinking?: boolean;
}

export interface LoadedModel {
  /** The id requests use (LM Studio instance identifier, Ollama name, served model id). */
  readonly identifier: string;
  /** The underlying model (LM Studio modelKey); equals identifier when the server has no such split. */
  readonly modelKey: string;
  /** Context the server actually holds for this model; undefined when the server does not say. */
  readonly loadedContextLength?: number;
  readonly maxContextLength?: number;
  readonly sizeBytes?: number;
  readonly paramsString?: string;
  /** Extra words for the hover (per-slot contexts, parallel requests). */
  readonly note?: string;
  readonly capabilities?: ModelCapabilities;
  /** Ollama: `num_ctx` set in the Modelfile (`/api/show` `parameters`), which every request gets unless it sends its own. */
  readonly modelfileNumCtx?: number;
}

export interface DownloadedModel {
  readonly modelKey: string;
  readonly type: 'llm' | 'embedding' | 'other';
  readonly maxContextLength?: number;
  readonly sizeBytes?: number;
  readonly paramsString?: string;
  readonly displayName?: string;
  readonly trainedForToolUse?: boolean;
  readonly capabilities?: ModelCapabilities;
  /** Ollama: `num_ctx` set in the Modelfile (`/api/show` `parameters`). */
  readonly modelfileNumCtx?: number;
}

export type RuntimeStatus =
  /** Read: `loaded` is what the server holds. */
  | 'ok'
  /** Nothing listens (connection refused / timed out). */
  | 'unreachable'
  /** Something answered but not in a form we can trust. */
  | 'unreadable';

/** One setting of a compression proxy, and where it was read (the proxy's own report first, then its argv). */
export interface ProxySetting<T> {
  readonly value: T;
  /** 'stats': the proxy's `GET /stats`; 'argv': the listening process's command line on this machine (a flag's absence is its default). */
  readonly source: 'stats' | 'argv';
}

/** What a compression proxy in front of the model server runs with; a setting is absent when nothing said it. */
export interface CompressionProxyFacts {
  readonly product: 'headroom';
  /** The process that listens on the proxy's port, when it is on this machine and readable. */
  readonly pid?: number;
  /** The exact-match response cache for non-streamed requests (`--no-cache` turns it off). */
  readonly cache?: ProxySetting<boolean>;
  readonly rateLimit?: ProxySetting<boolean>;
  /** `token` rewrites older turns as they age; `cache` freezes them. */
  readonly mode?: ProxySetting<string>;
  /** A `headroom_retrieve` tool is added to every request (off with `--lossless` or `--no-ccr-inject-tool`). */
  readonly injectsRetrieveTool?: ProxySetting<boolean>;
  /** Tool names whose results are never compressed beyond the defaults (`--protect-tool-results`). */
  readonly protectedTools?: ProxySetting<readonly string[]>;
  readonly lossless?: ProxySetting<boolean>;
}

export interface ServerState {
  readonly baseUrl: string;
  /** When the base URL answers like a compression proxy: what it runs with (servers/proxies.ts). */
  readonly proxy?: CompressionProxyFacts;
  readonly status: RuntimeStatus;
  readonly kind?: RuntimeKind;
  /** Why it is unreachable/unreadable, or a caveat when ok. */
  readonly detail?: string;
  readonly loaded: readonly LoadedModel[];
  /** False when the server cannot tell what is loaded (mlx_lm.server, bare OpenAI-compatible): never guess. */
  readonly knowsLoaded?: boolean;
  /** Undefined when the server cannot list downloads. */
  readonly downloaded?: readonly DownloadedModel[];
  /** Where the state came from: 'probe', 'lms', or a fixture file. */
  readonly via: string;
  /** When the server last answered usably (ms since the epoch), when known. */
  readonly okAt?: number;
  /**
   * Set when this probe failed and `loaded`/`downloaded` are kept from the last one that answered:
   * what failed now, so the findings can stay visible, marked as of `okAt`.
   */
  readonly stale?: { readonly status: Exclude<RuntimeStatus, 'ok'>; readonly detail?: string; readonly since: number };
}

/** Parse "7B", "30B-A3B", "1.5B", "270M" to billions of parameters. */
export function parseParams(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const m = /(\d+(?:\.\d+)?)\s*([BbMm])/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2]!.toLowerCase() === 'm' ? n / 1000 : n;
}
