import type { LoadedModel, ServerState } from '../../src/core/servers/types.js';

// Configs and server states for the rules of test/pure/rules-more.test.ts and their real-OpenClaw check in test/real/.

export function cfg(o: { id?: string; baseUrl?: string; api?: string; model?: string; row?: string; providerExtra?: string; defaultsExtra?: string; primary?: string }): string {
  const id = o.id ?? 'lmstudio';
  const model = o.model ?? 'qwen/qwen3-coder-30b';
  return `{
  "models": {
    "providers": {
      "${id}": {
        "baseUrl": "${o.baseUrl ?? 'http://127.0.0.1:1234/v1'}",
        "api": "${o.api ?? 'openai-completions'}",
        "apiKey": "local"${o.providerExtra ? ', ' + o.providerExtra : ''},
        "models": [
          { "id": "${model}", "name": "M", "contextWindow": 32768${o.row ? ', ' + o.row : ''} }
        ]
      }
    }
  },
  "agents": { "defaults": { "model": { "primary": "${o.primary ?? `${id}/${model}`}" }, "compaction": { "mode": "default" }${o.defaultsExtra ? ', ' + o.defaultsExtra : ''} } }
}`;
}

export function server(kind: ServerState['kind'], loaded: Partial<LoadedModel>[], baseUrl = 'http://127.0.0.1:1234/v1'): ServerState {
  return { baseUrl, status: 'ok', kind, via: 'test', loaded: loaded.map((l) => ({ identifier: l.identifier ?? 'qwen/qwen3-coder-30b', modelKey: l.modelKey ?? l.identifier ?? 'qwen/qwen3-coder-30b', ...l })) };
}
