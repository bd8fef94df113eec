import type { ServerState } from '../../src/core/servers/types.js';

// Configs and server states for the rules of test/pure/rules-transport.test.ts and their real-OpenClaw check in test/real/.

/** One provider, one row, the row as primary. `row` and `provider` are extra JSON members. */
export function cfg(o: { id?: string; provider?: string; baseUrl?: string; api?: string | null; row?: string; providerExtra?: string; modelId?: string; defaultsExtra?: string }): string {
  const id = o.id ?? 'box';
  const model = o.modelId ?? 'qwen3:8b';
  const api = o.api === null ? '' : `"api": "${o.api ?? 'openai-completions'}", `;
  return `{
  "models": {
    "providers": {
      "${id}": {
        "baseUrl": "${o.baseUrl ?? 'http://192.168.1.20:8080/v1'}",
        ${api}"apiKey": "local"${o.providerExtra ? ', ' + o.providerExtra : ''},
        "models": [
          { "id": "${model}", "name": "M", "contextWindow": 32768${o.row ? ', ' + o.row : ''} }
        ]
      }
    }
  },
  "agents": { "defaults": { "model": { "primary": "${id}/${model}" }, "compaction": { "mode": "default" }${o.defaultsExtra ? ', ' + o.defaultsExtra : ''} } }
}`;
}

export function ollama(models: { name: string; ctx?: number; tools?: boolean; thinking?: boolean; numCtx?: number; max?: number; loaded?: boolean }[], baseUrl = 'http://127.0.0.1:11434'): ServerState {
  const caps = (m: (typeof models)[number]) => (m.tools === undefined && m.thinking === undefined ? {} : { capabilities: { tools: m.tools, thinking: m.thinking } });
  return {
    baseUrl,
    status: 'ok',
    kind: 'ollama',
    via: 'test',
    loaded: models.filter((m) => m.loaded !== false).map((m) => ({ identifier: m.name, modelKey: m.name, loadedContextLength: m.ctx, maxContextLength: m.max, modelfileNumCtx: m.numCtx, ...caps(m) })),
    downloaded: models.map((m) => ({ modelKey: m.name, type: 'llm' as const, maxContextLength: m.max, modelfileNumCtx: m.numCtx, ...caps(m) })),
  };
}
