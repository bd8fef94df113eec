import type { Fix } from '../findings.js';
import { child } from '../openclaw/document.js';
import { appendItem, replaceValue, setPath, type DocEdits } from '../openclaw/edit.js';
import { effectiveContext } from '../openclaw/context.js';
import { effectiveMode, flushesBeforeBetweenTurns, hasMidTurnPrecheck, OPERATOR_COMPACTION_TAX } from '../openclaw/compactionPaths.js';
import { BEHAVIOUR } from '../openclaw/knowledge.js';
import { atLeast, formatVersion } from '../openclaw/version.js';
import { compactionFix } from './compaction.js';
import { findProvider, findRow, rowOf, UNRESOLVED_CONTEXT_TOKENS, type ModelRef, type Provider } from '../openclaw/model.js';
import type { Observation } from '../observation.js';
import { isLocalServer } from '../servers/address.js';
import { actionFix, atNode, atObjectKey, editFix, finding, fmt, defineRule } from './util.js';
import { downloadedFor, loadedFor, pickCompactor, serverName } from '../servers/models.js';

/** Providers OpenClaw ships (hosted catalogs or discovery): a ref to them needs no models.providers entry. */
export const BUNDLED_PROVIDERS = new Set([
  'openai', 'anthropic', 'google', 'google-vertex', 'openrouter', 'groq', 'mistral', 'xai', 'deepseek', 'together',
  'fireworks', 'amazon-bedrock', 'bedrock', 'azure', 'azure-openai', 'github-copilot', 'ollama', 'lmstudio', 'vllm',
  'zai', 'moonshot', 'minimax', 'cerebras', 'perplexity', 'huggingface', 'nvidia', 'qwen', 'openai-codex', 'venice',
  'litellm', 'cloudflare-ai-gateway', 'vercel-ai-gateway', 'kimi-coding', 'opencode', 'synthetic', 'chutes',
]);

const ROLE_WORDS: Record<ModelRef['role'], string> = {
  primary: 'agents.defaults.model primary',
  fallback: 'a fallback model',
  compaction: 'compaction.model',
  memoryFlush: 'memoryFlush.model',
  agent: 'an agent entry model',
};

const rowFor = rowOf;

/** Insert a model row for a model the server has, sized to what it loaded (or its maximum). */
export function registerRowEdits(obs: Observation, p: Provider, id: string, context: number | undefined, name?: string): DocEdits[] {
  const rows = child(p.node, 'models');
  const row = { id, name: name ?? id.split('/').pop() ?? id, ...(context ? { contextWindow: context } : {}) };
  if (rows?.kind === 'array') return [appendItem(obs.config.doc, rows, row)];
  return [setPath(obs.config.doc, p.node, ['models'], [row])];
}

export const unknownModelRef = defineRule({ id: 'unknown-model-ref', severity: 'error/warning', reads: 'config', summary: 'a model reference names an unregistered provider or model' }, function* (obs) {
  for (const ref of obs.model.refs) {
    const p = findProvider(obs.model, ref.providerId);
    const who = ref.agentId ? `agent ${ref.agentId}` : ROLE_WORDS[ref.role];
    if (!p) {
      if (BUNDLED_PROVIDERS.has(ref.providerId)) continue;
      yield finding(
        'error',
        `This reference names a provider that is not registered: the dispatch fails to resolve the model.` +
          ` ${who} names provider "${ref.providerId}", which is not in models.providers; OpenClaw's validator accepts it all the same. Register the provider or fix the reference.`,
        atNode(ref.node),
        closestRefFixes(obs, ref),
      );
      continue;
    }
    if (rowFor(p, ref.modelId)) continue;
    const state = obs.runtimes.get(p.id);
    const local = p.baseUrl !== undefined && isLocalServer(p.baseUrl);
    const loaded = loadedFor(state, { id: ref.modelId });
    const downloaded = downloadedFor(state, ref.modelId);
    const fixes: Fix[] = [...closestRefFixes(obs, ref)];
    if (loaded || downloaded) {
      const ctx = loaded?.loadedContextLength ?? downloaded?.maxContextLength;
      fixes.unshift(
        editFix(`Register ${ref.modelId} in models.providers.${p.id}.models${ctx ? ` at ${fmt(ctx)}` : ''}`, true, () => registerRowEdits(obs, p, ref.modelId, ctx, downloaded?.displayName)),
      );
    }
    yield finding(
      local ? 'error' : 'warning',
      `This model is not registered: OpenClaw budgets ${fmt(UNRESOLVED_CONTEXT_TOKENS)} tokens for it${local ? ', more than the server holds' : ''}.` +
        ` ${who} names ${ref.ref}, but provider "${p.id}" registers no model "${ref.modelId}". OpenClaw sends the id as-is and ignores any contextWindow. Register the model or use one of the registered ids.`,
      atNode(ref.node),
      fixes,
    );
  }
});

/** "Use lmstudio/qwen/qwen3-4b" when a registered id differs only in case or a publisher prefix. */
function closestRefFixes(obs: Observation, ref: ModelRef): Fix[] {
  const want = ref.modelId.toLowerCase();
  const tail = (s: string) => s.toLowerCase().split('/').pop()!;
  for (const p of obs.model.providers) {
    for (const row of p.models) {
      if (!row.id) continue;
      const id = row.id.toLowerCase();
      if (id === want || tail(row.id) === tail(ref.modelId)) {
        const target = `${p.id}/${row.id}`;
        if (target === ref.ref) continue;
        return [editFix(`Use ${target}`, false, () => [replaceValue(obs.config.doc, ref.node, target)])];
      }
    }
  }
  return [];
}

export const modelNotLoaded = defineRule({ id: 'model-not-loaded', severity: 'info/warning', reads: 'servers', summary: 'the primary or the compactor is not loaded: the first dispatch pays the load' }, function* (obs) {
  const refs = obs.model.refs.filter((r) => r.role === 'primary' || r.role === 'compaction');
  for (const ref of refs) {
    const p = findProvider(obs.model, ref.providerId);
    const row = p && rowFor(p, ref.modelId);
    const state = obs.runtimes.get(ref.providerId);
    if (!p || !row || !state || state.status !== 'ok' || state.knowsLoaded === false) continue;
    if (loadedFor(state, row)) continue;
    const downloaded = downloadedFor(state, row.id);
    const server = serverName(state);
    const eff = effectiveContext(row, obs.version, obs.model.legacyContextTokens);
    const ctx = Math.min(eff.tokens, downloaded?.maxContextLength ?? eff.tokens);
    if (state.downloaded && !downloaded) {
      yield finding(
        'warning',
        `The ${ref.role === 'primary' ? 'primary' : 'compactor'} model is not on the server: the first dispatch fails.` +
          ` ${ref.ref} is neither loaded nor downloaded in ${server}. Download it, or point the reference at a model the server has.`,
        atNode(ref.node),
      );
      continue;
    }
    const fixes: Fix[] =
      state.kind === 'lmstudio' && row.id
        ? [actionFix(`Load ${row.id} in LM Studio at ${fmt(ctx)}`, true, [{ kind: 'load', runtime: 'lmstudio', baseUrl: state.baseUrl, modelKey: row.id, identifier: row.id, contextLength: ctx }])]
        : [];
    yield finding(
      'info',
      `The ${ref.role === 'primary' ? 'primary' : 'compactor'} model is not loaded: the first dispatch waits for the load.` +
        ` ${ref.ref} is registered but not loaded in ${server}${state.kind === 'lmstudio' ? "; LM Studio may load it just in time at its own default context" : ''}.`,
      atNode(ref.node),
      fixes,
    );
  }
});

export const compactionModelMissing = defineRule({ id: 'compaction-model-missing', severity: 'warning', reads: 'config', summary: 'no compaction.model: the primary summarizes every compaction (what a compactor takes depends on the mode)' }, (obs) => {
  const primary = obs.model.refs.find((r) => r.role === 'primary');
  if (!primary || obs.model.compaction.model) return [];
  // A profile in force that chose no compactor (single-turn, or no room for one) is the operator's decision.
  if (obs.profileInForce && !obs.profileInForce.compactor) return [];
  const c = obs.model.compaction;
  const root = obs.config.root;
  const at = c.node ? atObjectKey(obs.config.root, c.node) : primary ? atNode(primary.node) : undefined;
  if (!at || root?.kind !== 'object') return [];
  const mode = effectiveMode(c);
  const precheck = hasMidTurnPrecheck(obs.version);
  // 2026.9.x: the flush turn before a between-turn compaction stays on the primary unless memoryFlush.model is set.
  const flush = flushesBeforeBetweenTurns(obs.version) && c.memoryFlushEnabled && !c.memoryFlushModel;
  const p = findProvider(obs.model, primary.providerId);
  const state = obs.runtimes.get(primary.providerId);
  const pick = pickCompactor(state, primary.modelId);
  const fixes: Fix[] = [];
  if (p && pick) {
    const ref = `${p.id}/${pick.modelKey}`;
    const registered = findRow(obs.model, p.id, pick.modelKey);
    const loaded = loadedFor(state, { id: pick.modelKey });
    const ctx = loaded?.loadedContextLength ?? Math.min(pick.maxContextLength ?? 68000, 68000);
    const register = () => (registered ? [] : registerRowEdits(obs, p, pick.modelKey, ctx, pick.displayName));
    const use = [['model'], ref] as const;
    const flushLeaf = flush ? [[['memoryFlush', 'model'], ref] as const] : [];
    const also = (what: string) => `Use ${ref} as the compaction model${what}${registered ? '' : ' (and register it)'}`;
    if (mode === 'safeguard') fixes.push(compactionFix(obs, also(flush ? ' and the memory-flush model' : ''), true, [use, ...flushLeaf], register));
    else {
      fixes.push(
        compactionFix(obs, also(`, set mode "safeguard"${precheck ? ' with the mid-turn precheck' : ''}${flush ? ' and use it for the memory flush' : ''}`), true, [use, [['mode'], 'safeguard'], ...(precheck ? [[['midTurnPrecheck', 'enabled'], true] as const] : []), ...flushLeaf], register),
      );
      if (precheck) fixes.push(compactionFix(obs, also(' with the mid-turn precheck (the end-of-prompt threshold stays on the primary)'), false, [use, [['midTurnPrecheck', 'enabled'], true], ...flushLeaf], register));
    }
  }
  const hint = pick ? ` ${pick.modelKey} is on the server and fits.` : ' Download a small instruct model (≤ 8B, e.g. qwen3-4b-instruct-2507) and set compaction.model to it.';
  const claim =
    mode === 'safeguard'
      ? `In safeguard mode (${c.mode === undefined ? 'mode unset' : '"safeguard"'}) a compaction.model takes every compaction${flush ? `; on OpenClaw ${formatVersion(obs.version)} set memoryFlush.model to it too, or the full-context memory-flush turn before each between-turn compaction stays on the primary` : ''}.`
      : `In mode "default" a compaction.model alone does not take the threshold compactions a long run hits: OpenClaw's session summarizes those with the run's own model whatever compaction.model says${
          atLeast(obs.version, BEHAVIOUR.overflowRecoveryUsesCompactor) ? '' : ', and on this release also the first overflow'
        }. With "safeguard"${precheck ? ' and the mid-turn precheck' : ''} it takes every compaction.`;
  return [
    finding(
      'warning',
      `No compaction.model: the primary summarizes every compaction. ${primary.ref} summarizes its own history each time. ${claim} Why it matters: ${OPERATOR_COMPACTION_TAX}.${hint}`,
      at,
      fixes,
    ),
  ];
});
