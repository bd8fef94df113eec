import { RULES, type RuleId } from './registry.js';

/** One line per rule for `local-ai-lab rules`, from the rule objects; the README's Rules section has the full story. */
export const RULE_SUMMARIES: Record<RuleId, { readonly severity: string; readonly summary: string }> = Object.fromEntries(
  RULES.map((r) => [r.id, { severity: r.severity, summary: r.summary }]),
) as Record<RuleId, { readonly severity: string; readonly summary: string }>;
