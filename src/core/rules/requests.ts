import type { Fix } from '../findings.js';
import { effectiveContext, thresholds } from '../openclaw/context.js';
import { replaceValue, setMember, setPath, type DocEdits } from '../openclaw/edit.js';
import type { Observation } from '../observation.js';
import { BUNDLED_PROVIDERS } from './models.js';
import {
  allRows,
  compatWritten,
  hostOf,
  isLocalEndpointHost,
  isLoopbackHost,
  mergedNumCtx,
  refsTo,
  sequentialObjectEdits,
  serverModel,
  type RowTransport,
} from './transport.js';
import { atNode, editFix, finding, fmt, defineRule } from './util.js';

/** Provider ids whose plugin manifest declares streaming usage (lmstudio, vllm, sglang openclaw.plugin.json). */
const USAGE_PROVIDERS = new Set(['lmstudio', 'vllm', 'sglang']);
/** Bundled hosted providers: their manifest endpoints decide streaming usage; not ours to second-guess. */
const HOSTED = new Set([...BUNDLED_PROVIDERS].filter((id) => !['ollama', 'lmstudio', 'vllm', 'litellm'].includes(id)));

function where(t: RowTransport) {
  return atNode(t.row.node.members.find((m) => m.key === 'id')!.value);
}

function roleWords(obs: Observation, t: RowTransport): { primary: boolean; words: string } {
  const refs = refsTo(obs.model, t);
  const primary = refs.some((r) => r.role === 'primary');
  const words = primary ? 'the primary' : refs.length ? `used as ${[...new Set(refs.map((r) => (r.agentId ? `agent ${r.agentId}` : r.role)))].join(', ')}` : 'registered';
  return { primary, words };
}

/**
 * OpenClaw requests usage in streaming (`stream_options.include_usage`) for `openai-completions` only when
 * compat.supportsUsageInStreaming resolves true: set on the row, declared by the provider's plugin manifest
 * (only extensions/{lmstudio,vllm,sglang}/openclaw.plugin.json have `openAICompletions.supportsStreamingUsage`),
 * or the endpoint is local (provider-attribution-*.mjs isLocalEndpointHost: localhost, 127.0.0.1, ::1, [::1],
 * *.localhost, *.local, *.internal; @openclaw/ai openai-completions-compat-*.mjs; provider-model-compat-*.mjs
 * fills the row's compat from it). A LAN IP, a tailnet name or 127.0.0.2 gets no usage (premise-openclaw.test).
 */
export const streamUsageMissing = defineRule({ id: 'stream-usage-missing', severity: 'error/warning', reads: 'config', summary: 'OpenClaw will not ask this server for usage while streaming: context reads 0, compaction never fires' }, function* (obs) {
  for (const t of allRows(obs.model)) {
    if (t.api !== 'openai-completions') continue;
    const pid = t.provider.id.toLowerCase();
    if (USAGE_PROVIDERS.has(pid) || HOSTED.has(pid)) continue;
    const h = hostOf(t.baseUrl);
    if (!h || isLocalEndpointHost(h.host)) continue; // no baseUrl: the default route requests usage
    if (compatWritten(t.row, 'supportsUsageInStreaming')) continue;
    const { primary, words } = roleWords(obs, t);
    const row = t.row.node;
    yield finding(
      primary ? 'error' : 'warning',
      `OpenClaw will not ask this server for token usage: compaction never fires and sessions overflow.` +
        ` ${t.ref} (${words}): OpenClaw will not ask ${h.host} for usage while streaming (provider "${t.provider.id}" is not lmstudio, vllm or sglang, and ${h.host} is not a host it treats as local). Context use then reads 0, so threshold compaction never fires and the session overflows. Add compat.supportsUsageInStreaming: true to the row.`,
      where(t),
      [editFix('Add compat: { supportsUsageInStreaming: true } to the row', true, () => [setPath(row.doc, row, ['compat', 'supportsUsageInStreaming'], true)])],
    );
  }
});

/**
 * Native Ollama (`api: "ollama"`) sends `options.num_ctx` from params.num_ctx (provider, then
 * agents.defaults.models["p/id"], then the row), else contextTokens; contextWindow alone is not sent
 * (dist stream-compat-*.mjs resolveOllamaConfiguredNumCtx / resolveOllamaNumCtx; extensions/ollama). Without it
 * Ollama runs the model at its Modelfile num_ctx or its server default (often 4,096).
 */
/** Ollama cloud models (`glm-4.6:cloud`, `gpt-oss:120b-cloud`) run at their maximum context; num_ctx is moot. */
export function isOllamaCloud(id: string): boolean {
  return /:(?:[^:/]*-)?cloud$/i.test(id);
}

export const ollamaNumCtxUnset = defineRule({ id: 'ollama-num-ctx-unset', severity: 'error/warning', reads: 'servers', summary: "no num_ctx for a native Ollama model: it runs at Ollama's own default context" }, function* (obs) {
  for (const t of allRows(obs.model)) {
    if (t.api !== 'ollama' || !t.row.id || isOllamaCloud(t.row.id)) continue;
    if (mergedNumCtx(obs.model, t) || t.row.contextTokens) continue;
    const eff = effectiveContext(t.row, obs.version, obs.model.legacyContextTokens);
    const th = thresholds(eff.tokens, obs.version, obs.model.compaction, t.row.contextWindow?.value);
    const sm = serverModel(obs.runtimes.get(t.provider.id), t.row.id);
    const serverCtx = sm?.modelfileNumCtx ?? sm?.loaded?.loadedContextLength;
    const from = sm?.modelfileNumCtx ? 'its Modelfile num_ctx' : 'what Ollama loaded it at (/api/ps)';
    const tooSmall = serverCtx !== undefined && serverCtx < th.compactAt;
    const target = Math.min(t.row.contextWindow?.value ?? sm?.maxContextLength ?? Infinity, sm?.maxContextLength ?? Infinity);
    const row = t.row.node;
    const fix: Fix = Number.isFinite(target)
      ? editFix(`Set params.num_ctx and contextTokens to ${fmt(target)}`, true, () => [
          sequentialObjectEdits(row, [(d, o) => setMember(d, o, 'contextTokens', target), (d, o) => setPath(d, o, ['params', 'num_ctx'], target)]),
        ])
      : { title: 'Set params.num_ctx and contextTokens', preferred: false, declined: 'the row has no contextWindow and the server did not say the model maximum: register contextWindow first' };
    yield finding(
      tooSmall ? 'error' : 'warning',
      (tooSmall ? `No num_ctx reaches Ollama: it runs this model below the budget and cuts prompts silently.` : `No num_ctx reaches Ollama: it runs this model at its own default, not at the budget.`) +
        ` ${t.ref}: no params.num_ctx and no contextTokens, so OpenClaw sends Ollama no num_ctx (contextWindow alone is not sent). Ollama then runs it at its own default` +
        (serverCtx !== undefined ? ` — ${fmt(serverCtx)}, ${from}` : '') +
        (tooSmall ? `, below OpenClaw's compaction point C − R = ${fmt(th.compactAt)}: prompts are cut silently.` : ', not at the budget OpenClaw plans for.') +
        ` Set params.num_ctx and contextTokens${Number.isFinite(target) ? ` to ${fmt(target)}` : ''}.`,
      where(t),
      [fix],
    );
  }
});

/**
 * Over OpenAI-compatible transports Ollama gets num_ctx only for `openai-completions`, when the provider id is
 * `ollama`, or the host is loopback on port 11434, or the id contains "ollama" with port 11434 and path `/` or
 * `/v1`, and not with injectNumCtxForOpenAICompat: false (dist stream-compat-*.mjs isOllamaCompatProvider,
 * shouldInjectOllamaCompatNumCtx). Never for `openai-responses`. The docs call tool calling unreliable there.
 */
export function numCtxInjected(t: RowTransport): boolean {
  if (t.api !== 'openai-completions') return false;
  const inject = t.provider.node.members.find((m) => m.key === 'injectNumCtxForOpenAICompat')?.value;
  if (inject?.kind === 'boolean' && inject.value === false) return false;
  const pid = t.provider.id.toLowerCase();
  if (pid === 'ollama') return true;
  const h = hostOf(t.baseUrl);
  if (!h) return false;
  if (isLoopbackHost(h.host) && h.port === '11434') return true;
  return pid.includes('ollama') && h.port === '11434' && (h.path === '/' || /^\/v1\/?$/i.test(h.path));
}

function looksLikeOllama(obs: Observation, t: RowTransport): boolean {
  const state = obs.runtimes.get(t.provider.id);
  if (state?.kind) return state.kind === 'ollama';
  return hostOf(t.baseUrl)?.port === '11434';
}

/** Rows grouped by the node that sets their api: one finding (and one fix) per written `api`, not per row. */
function byApiNode(rows: RowTransport[]): RowTransport[][] {
  const groups = new Map<unknown, RowTransport[]>();
  for (const t of rows) {
    const key = t.apiNode ?? t.row.node;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  return [...groups.values()];
}

function refsWords(group: RowTransport[]): string {
  return group.length === 1 ? group[0]!.ref : `${group.map((t) => t.ref).join(', ')}`;
}

export const ollamaOpenAiCompat = defineRule({ id: 'ollama-openai-compat', severity: 'error/warning', reads: 'servers', summary: "an Ollama server used through the OpenAI API: tool calls come back as text, num_ctx may not be sent" }, function* (obs) {
  const rows = [...allRows(obs.model)].filter((t) => (t.api === 'openai-completions' || t.api === 'openai-responses') && looksLikeOllama(obs, t));
  for (const group of byApiNode(rows)) {
    const t = group[0]!;
    const injected = group.every(numCtxInjected);
    const edits = (): DocEdits[] => {
      const e: DocEdits[] = [];
      e.push(t.apiNode ? replaceValue(t.apiNode.doc, t.apiNode, 'ollama') : setMember(t.provider.node.doc, t.provider.node, 'api', 'ollama'));
      for (const node of new Set(group.map((g) => g.baseUrlNode))) {
        const url = node && node.kind === 'string' ? (node.value as string) : undefined;
        if (node && url && /\/v1\/?$/.test(url)) e.push(replaceValue(node.doc, node, url.replace(/\/v1\/?$/, '')));
      }
      return e;
    };
    yield finding(
      injected ? 'warning' : 'error',
      (injected ? `Ollama over ${t.api}: tool calling is unreliable and thinking control is lost.` : `Ollama over ${t.api} gets no num_ctx: prompts are cut silently at its default context.`) +
        ` ${refsWords(group)} talk${group.length === 1 ? 's' : ''} to Ollama over ${t.api}. ` +
        (injected
          ? 'OpenClaw injects num_ctx on this route, but tool calling is unreliable there and thinking control is lost.'
          : `On this route OpenClaw sends no num_ctx (${t.api === 'openai-responses' ? 'never for openai-responses' : 'provider id, host and port do not match its Ollama detection, or injectNumCtxForOpenAICompat is false'}), so Ollama runs the model at its default context (often 4,096) and cuts prompts silently.`) +
        ' Use api "ollama" with the baseUrl without /v1.',
      t.apiNode ? atNode(t.apiNode) : where(t),
      [editFix('Use api "ollama" and the baseUrl without /v1', true, edits)],
    );
  }
});

/**
 * vLLM (probed: `/v1/models` cards `owned_by: "vllm"` or with `max_model_len`) used with `openai-responses`.
 * OpenClaw's bundled vLLM plugin declares its request policy (streaming usage included) for OpenAI completions
 * only (dist extensions/vllm/openclaw.plugin.json `providerRequest…openAICompletions`); vLLM's Responses endpoint
 * is a partial implementation. Warning. Fix: `openai-completions`.
 */
export const vllmResponsesApi = defineRule({ id: 'vllm-responses-api', severity: 'warning', reads: 'servers', summary: 'a vLLM server used with openai-responses' }, function* (obs) {
  const rows = [...allRows(obs.model)].filter((t) => t.api === 'openai-responses' && obs.runtimes.get(t.provider.id)?.kind === 'vllm');
  for (const group of byApiNode(rows)) {
    const t = group[0]!;
    const api = t.apiNode;
    yield finding(
      'warning',
      `vLLM over openai-responses: streaming usage and request policy do not apply.` +
        ` ${refsWords(group)} talk${group.length === 1 ? 's' : ''} to vLLM over openai-responses. OpenClaw's vLLM support (streaming usage, request policy) is declared for Chat Completions only, and vLLM's Responses endpoint implements part of OpenAI's. Use api "openai-completions".`,
      api ? atNode(api) : where(t),
      api ? [editFix('Use api "openai-completions"', true, () => [replaceValue(api.doc, api, 'openai-completions')])] : [],
    );
  }
});
