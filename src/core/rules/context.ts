import type { ServerAction } from '../findings.js';
import { effectiveContext, FIRST_TURN_TOKENS, thresholds } from '../openclaw/context.js';
import { replaceValue } from '../openclaw/edit.js';
import { findRow } from '../openclaw/model.js';
import { actionFix, atNode, editFix, finding, fmt, defineRule } from './util.js';
import { loadedFor, maxContextFor, reloadInstruction, serverName } from '../servers/models.js';

/**
 * The budget C above what the server loaded is an error (conversations outgrow the server). A registered
 * contextWindow that differs from the loaded context is a warning. A contextTokens deliberately below the
 * loaded context is a budget, not a mismatch (the operators' 90,000 on 101,000 loaded).
 */
export const contextWindowMismatch = defineRule({ id: 'context-window-mismatch', severity: 'error/warning', reads: 'servers', summary: 'the registered context differs from what the server loaded' }, function* (obs) {
  for (const p of obs.model.providers) {
    const state = obs.runtimes.get(p.id);
    if (!state || state.status !== 'ok' || state.knowsLoaded === false) continue;
    for (const row of p.models) {
      const loaded = loadedFor(state, row);
      if (!loaded?.loadedContextLength) continue;
      const eff = effectiveContext(row, obs.version, obs.model.legacyContextTokens);
      const actual = loaded.loadedContextLength;
      const server = serverName(state);
      const max = loaded.maxContextLength;
      const reload = (to: number) => {
        if (max && to > max) return [];
        const actions = reloadActions(state.kind, state.baseUrl, loaded.modelKey, loaded.identifier, to, state);
        return actions ? [actionFix(`Reload ${loaded.identifier} in ${server} at ${fmt(to)}`, false, actions)] : [];
      };
      if (eff.field && eff.tokens > actual) {
        const fieldName = eff.source === 'contextTokens' ? 'contextTokens' : eff.source === 'contextWindow' ? 'contextWindow' : 'agents.defaults.contextTokens';
        const field = eff.field;
        yield finding(
          'error',
          `${eff.source === 'contextWindow' ? 'contextWindow' : 'contextTokens'} ${fmt(eff.tokens)} is above the ${fmt(actual)} the server loaded: long conversations fail.` +
            ` ${p.id}/${row.id} is loaded at ${fmt(actual)} in ${server}, but ${fieldName} budgets ${fmt(eff.tokens)}: conversations grow past what the server holds and then fail without a clear error. Set ${fieldName} to ${fmt(actual)}, or reload the model at ${fmt(eff.tokens)}.`,
          atNode(field.node),
          [editFix(`Set ${fieldName} to ${fmt(actual)} (what ${server} loaded)`, true, () => [replaceValue(obs.config.doc, field.node, actual)]), ...reload(eff.tokens)],
        );
        continue;
      }
      const window = row.contextWindow;
      if (!window || window.value === actual) continue;
      const above = window.value > actual;
      const message = above
        ? `contextWindow ${fmt(window.value)} is above the ${fmt(actual)} the server loaded: OpenClaw's thresholds are off.` +
          ` ${p.id}/${row.id} is loaded at ${fmt(actual)} in ${server}. The budget (${fmt(eff.tokens)}) stays inside it, but OpenClaw's thresholds and any later budget change assume the larger window. Set contextWindow to ${fmt(actual)}.`
        : `contextWindow ${fmt(window.value)} is below the ${fmt(actual)} the server loaded: loaded memory goes unused.` +
          ` ${p.id}/${row.id} is loaded at ${fmt(actual)} in ${server}: ${fmt(actual - window.value)} tokens of loaded capacity are never used.` +
          (state.kind === 'lmstudio' && p.preload ? ` OpenClaw's LM Studio preload loads the model at ${fmt(window.value)} when no instance holds that much, so the two drift again.` : '') +
          ` Set contextWindow to ${fmt(actual)}, or reload the model at ${fmt(window.value)} to free memory.`;
      yield finding('warning', message, atNode(window.node), [
        editFix(`Set contextWindow to ${fmt(actual)} (what ${server} loaded)`, true, () => [replaceValue(obs.config.doc, window.node, actual)]),
        ...(above ? [] : reload(window.value)),
      ]);
    }
  }
});

export function reloadActions(
  kind: string | undefined,
  baseUrl: string,
  modelKey: string,
  identifier: string,
  contextLength: number,
  state: Parameters<typeof reloadInstruction>[0],
): ServerAction[] | undefined {
  if (kind === 'lmstudio') {
    return [
      { kind: 'unload', runtime: 'lmstudio', baseUrl, identifier },
      { kind: 'load', runtime: 'lmstudio', baseUrl, modelKey, identifier, contextLength },
    ];
  }
  const instruct = reloadInstruction(state, identifier, contextLength);
  return instruct ? [instruct] : undefined;
}

export const contextExceedsModelMax = defineRule({ id: 'context-exceeds-model-max', severity: 'error', reads: 'servers', summary: "contextWindow or contextTokens above the model's maximum" }, function* (obs) {
  for (const p of obs.model.providers) {
    const state = obs.runtimes.get(p.id);
    for (const row of p.models) {
      const max = maxContextFor(state, row.id);
      if (!max) continue;
      for (const field of [row.contextWindow, row.contextTokens]) {
        if (!field || field.value <= max) continue;
        const name = field === row.contextWindow ? 'contextWindow' : 'contextTokens';
        yield finding(
          'error',
          `${name} ${fmt(field.value)} is above the model's maximum of ${fmt(max)}: that context does not exist.` +
            ` ${p.id}/${row.id}: the server cannot load it that large, and OpenClaw budgets for context the model does not have. Clamp it to ${fmt(max)}.`,
          atNode(field.node),
          [editFix(`Clamp ${name} to ${fmt(max)}`, true, () => [replaceValue(obs.config.doc, field.node, max)])],
        );
      }
    }
  }
});

export const contextTooSmall = defineRule({ id: 'context-too-small', severity: 'error/warning', reads: 'config', summary: "the context cannot hold OpenClaw's first turn" }, function* (obs) {
  const seen = new Set<string>();
  for (const ref of obs.model.refs) {
    if (ref.role === 'compaction' || ref.role === 'memoryFlush') continue;
    const row = findRow(obs.model, ref.providerId, ref.modelId);
    if (!row || seen.has(`${ref.providerId}/${ref.modelId}`)) continue;
    seen.add(`${ref.providerId}/${ref.modelId}`);
    const eff = effectiveContext(row, obs.version, obs.model.legacyContextTokens);
    if (!eff.field) continue;
    const t = thresholds(eff.tokens, obs.version, obs.model.compaction, row.contextWindow?.value);
    const state = obs.runtimes.get(ref.providerId);
    const max = maxContextFor(state, row.id);
    const target = Math.min(32768, max ?? 32768);
    const field = eff.field;
    const fixes = target > eff.tokens ? [editFix(`Set ${eff.source === 'contextTokens' ? 'contextTokens' : 'contextWindow'} to ${fmt(target)}`, true, () => [replaceValue(obs.config.doc, field.node, target)])] : [];
    let severity: 'error' | 'warning' | undefined;
    let why = '';
    if (eff.tokens < t.blockBelow) {
      severity = 'error';
      why = `Context ${fmt(eff.tokens)} is below OpenClaw's block threshold of ${fmt(t.blockBelow)}: every run stops. ${ref.ref}: OpenClaw blocks below max(4000, 10 % of the window) with "Model context window too small".`;
    } else if (t.compactAt < FIRST_TURN_TOKENS) {
      severity = 'error';
      why = `Context ${fmt(eff.tokens)} leaves ${fmt(t.compactAt)} tokens before compaction: the first dispatch overflows. ${ref.ref}: C − R (R = ${fmt(t.reserveTokens)}) is less than OpenClaw's own first turn (~${fmt(FIRST_TURN_TOKENS)} tokens of system prompt and tools).`;
    } else if (eff.tokens < t.warnBelow) {
      severity = 'warning';
      why = `Context ${fmt(eff.tokens)} is below OpenClaw's warning threshold of ${fmt(t.warnBelow)}: little room for history. ${ref.ref}: OpenClaw warns below max(8000, 20 % of the window).`;
    }
    if (!severity) continue;
    yield finding(severity, why, atNode(field.node), fixes);
  }
});
