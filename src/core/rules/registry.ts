import type { Finding } from '../findings.js';
import type { Observation } from '../observation.js';
import { compactionMode, compactionThresholdOnPrimary, compactorContextFit, memoryFlushOnPrimary, reserveFloorSilentFailure } from './compaction.js';
import { contextExceedsModelMax, contextTooSmall, contextWindowMismatch } from './context.js';
import { retiredKeyRule, systemPromptOverride } from './keys.js';
import { memoryHeadroom, parseErrors } from './machine.js';
import { compactionModelMissing, modelNotLoaded, unknownModelRef } from './models.js';
import { maxTokensBudget } from './budget.js';
import { harmonyToolCalls, modelLacksTools, reasoningMismatch } from './capabilities.js';
import { lmstudioJitContext } from './lmstudio.js';
import { ollamaNumCtxUnset, ollamaOpenAiCompat, streamUsageMissing, vllmResponsesApi } from './requests.js';
import { runtimeUnreachable } from './reachability.js';
import { timeoutNearLimit } from './timeouts.js';
import { headroomProxyRisk } from './proxy.js';
import type { Rule } from './util.js';

/** Every rule, in the order they run (and `local-ai-lab rules` lists them). */
export const RULES = [
  parseErrors,
  contextWindowMismatch,
  contextExceedsModelMax,
  unknownModelRef,
  compactionModelMissing,
  compactionMode,
  compactionThresholdOnPrimary,
  memoryFlushOnPrimary,
  retiredKeyRule,
  reserveFloorSilentFailure,
  systemPromptOverride,
  compactorContextFit,
  timeoutNearLimit,
  contextTooSmall,
  modelNotLoaded,
  memoryHeadroom,
  runtimeUnreachable,
  streamUsageMissing,
  ollamaNumCtxUnset,
  ollamaOpenAiCompat,
  modelLacksTools,
  reasoningMismatch,
  lmstudioJitContext,
  maxTokensBudget,
  vllmResponsesApi,
  harmonyToolCalls,
  headroomProxyRisk,
] as const;

export type RuleId = (typeof RULES)[number]['id'];

const ORDER: Record<string, number> = { error: 0, warning: 1, info: 2 };

/**
 * Runs the enabled rules of `rules` (default: every rule). A file that does not parse gets only its parse
 * findings, and only when parse-error is among `rules`: nothing else can be judged.
 */
export function runRules(obs: Observation, disabled: readonly string[] = [], rules: readonly Rule[] = RULES): Finding[] {
  if (obs.config.doc.error || !obs.config.root || obs.config.root.kind !== 'object') return rules.includes(parseErrors) ? parseErrors.check(obs) : [];
  const off = new Set(disabled);
  const out = rules.filter((r) => !off.has(r.id)).flatMap((r) => r.check(obs));
  // Files by code unit, not localeCompare: the same order under every locale, and no ICU collator to build (~4 ms).
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.span[0] - b.span[0] || ORDER[a.severity]! - ORDER[b.severity]!);
}

export function ruleIds(): RuleId[] {
  return RULES.map((r) => r.id);
}

/** The rule with this id, if there is one. */
export function ruleById(id: string): (typeof RULES)[number] | undefined {
  return RULES.find((r) => r.id === id);
}
