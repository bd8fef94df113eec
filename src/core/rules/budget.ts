import { effectiveContext, FIRST_TURN_TOKENS } from '../openclaw/context.js';
import { replaceValue } from '../openclaw/edit.js';
import { allRows, serverModel } from './transport.js';
import { atNode, editFix, finding, fmt, defineRule } from './util.js';

/** What OpenClaw makes of a written maxTokens: at or above contextWindow it becomes min(8192, contextWindow) (openclaw.md §4). */
function effectiveMaxTokens(written: number, contextWindow: number | undefined): number {
  return contextWindow !== undefined && written >= contextWindow ? Math.min(8192, contextWindow) : written;
}

/**
 * A row's maxTokens that leaves less than OpenClaw's own first turn (~16.4K tokens) below C, or that exceeds
 * what the server can serve at all (vLLM max_model_len). Warning. Fix: maxTokens ≤ min(8192, C/4).
 */
export const maxTokensBudget = defineRule({ id: 'max-tokens-budget', severity: 'warning', reads: 'servers', summary: "maxTokens leaves no room for OpenClaw's first turn below the budget" }, function* (obs) {
  for (const t of allRows(obs.model)) {
    const field = t.row.maxTokens;
    if (!field) continue;
    const c = effectiveContext(t.row, obs.version, obs.model.legacyContextTokens).tokens;
    const used = effectiveMaxTokens(field.value, t.row.contextWindow?.value);
    const state = obs.runtimes.get(t.provider.id);
    const limit = state?.kind === 'vllm' ? serverModel(state, t.row.id)?.maxContextLength : undefined;
    // The server's own limit, not the registered window, is what a request must fit (vLLM rejects prompt + max_tokens above it).
    const served = limit !== undefined && limit < c ? limit : undefined;
    const target = Math.max(1, Math.min(8192, Math.floor((served ?? c) / 4)));
    let why: string | undefined;
    if (limit !== undefined && field.value > limit) why = `maxTokens ${fmt(field.value)} is above the ${fmt(limit)} vLLM serves: every request is rejected. ${t.ref}: vLLM's max_model_len for this model is ${fmt(limit)}.`;
    else if (served !== undefined && used > served - FIRST_TURN_TOKENS)
      why = `maxTokens ${fmt(field.value)} plus the first turn exceeds the ${fmt(served)} vLLM serves: requests are rejected. ${t.ref}: vLLM's max_model_len is ${fmt(served)} (the row registers ${fmt(c)}); ${fmt(used)} for the reply leaves ${fmt(Math.max(0, served - used))}, less than OpenClaw's own first turn (~${fmt(FIRST_TURN_TOKENS)} tokens of system prompt and tools).`;
    else if (used > c - FIRST_TURN_TOKENS) why = `maxTokens ${fmt(field.value)} leaves ${fmt(Math.max(0, c - used))} tokens for the prompt: the first turn does not fit. ${t.ref}: that is ${fmt(Math.max(0, c - used))} of the ${fmt(c)}-token budget, less than OpenClaw's own first turn (~${fmt(FIRST_TURN_TOKENS)} tokens of system prompt and tools).`;
    if (!why || field.value <= target) continue;
    yield finding(
      'warning',
      `${why} Set maxTokens to ${fmt(target)} (min(8192, C/4)).`,
      atNode(field.node),
      [editFix(`Set maxTokens to ${fmt(target)}`, true, () => [replaceValue(field.node.doc, field.node, target)])],
    );
  }
});
