import type { RuleId } from '../findings.js';

/** One line per rule for `local-ai-lab rules`; the README's Rules section has the full story and the evidence. */
export const RULE_SUMMARIES: Record<RuleId, { readonly severity: string; readonly summary: string }> = {
  'parse-error': { severity: 'error', summary: 'the file or an $include is not JSON5 OpenClaw can read' },
  'context-window-mismatch': { severity: 'error/warning', summary: 'the registered context differs from what the server loaded' },
  'context-exceeds-model-max': { severity: 'error', summary: "contextWindow or contextTokens above the model's maximum" },
  'unknown-model-ref': { severity: 'error/warning', summary: 'a model reference names an unregistered provider or model' },
  'compaction-model-missing': { severity: 'warning', summary: 'no compaction.model: the primary summarizes its own history (~30 s instead of ~10 s)' },
  'compaction-mode': { severity: 'info', summary: 'safeguard compaction never fires on the session threshold' },
  'retired-key': { severity: 'error/warning', summary: 'a key the installed OpenClaw rejects or strips' },
  'reserve-floor-silent-failure': { severity: 'warning', summary: 'a non-default reserveTokensFloor ends runs without a wrap-up (before 2026.8)' },
  'system-prompt-override': { severity: 'warning', summary: 'systemPromptOverride drops AGENTS.md and the other workspace files' },
  'compactor-context-fit': { severity: 'error/info', summary: 'the compactor is loaded too small (or far too large) for the summary request' },
  'context-too-small': { severity: 'error/warning', summary: "the context cannot hold OpenClaw's first turn" },
  'model-not-loaded': { severity: 'info/warning', summary: 'the primary or the compactor is not loaded: the first dispatch pays the load' },
  'memory-headroom': { severity: 'warning', summary: "loaded models need more than 80 % of this machine's memory" },
  'stream-usage-missing': { severity: 'error/warning', summary: 'OpenClaw will not ask this server for usage while streaming: context reads 0, compaction never fires' },
  'ollama-num-ctx-unset': { severity: 'error/warning', summary: "no num_ctx for a native Ollama model: it runs at Ollama's own default context" },
  'ollama-openai-compat': { severity: 'error/warning', summary: "an Ollama server used through the OpenAI API: tool calls come back as text, num_ctx may not be sent" },
  'model-lacks-tools': { severity: 'error/warning', summary: 'the server says the model cannot call tools, and an agent uses it with tools' },
  'reasoning-mismatch': { severity: 'warning', summary: "the row's reasoning setting disagrees with the server's thinking capability" },
  'lmstudio-jit-context': { severity: 'error/warning', summary: 'OpenClaw does not preload this LM Studio model: it loads at its own default context' },
  'max-tokens-budget': { severity: 'warning', summary: "maxTokens leaves no room for OpenClaw's first turn below the budget" },
  'vllm-responses-api': { severity: 'warning', summary: 'a vLLM server used with openai-responses' },
  'runtime-unreachable': { severity: 'info/warning', summary: "a provider's server did not answer: what to start, and the last findings kept as of then" },
  'harmony-tool-calls': { severity: 'warning', summary: "a gpt-oss model on an OpenClaw release without the Harmony tool-call parser" },
};
