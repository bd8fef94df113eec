import { judge, observe, type CheckInput } from './check.js';
import type { Finding, Fix, Removed } from './findings.js';
import { parseDocument } from './openclaw/document.js';
import { RULES } from './rules/registry.js';
import type { Rule } from './rules/util.js';
import { applyEdits } from './text.js';

/** A preferred fix that only edits this file and needs no server action: safe to apply without asking. */
export function safeFix(f: Finding, file: string): Fix | undefined {
  const fx = f.fixes.find((x) => x.preferred && x.plan && x.plan.edits.length > 0 && x.plan.actions.length === 0);
  return fx && fx.plan!.edits.every((e) => e.file === file) ? fx : undefined;
}

export interface FixAllResult {
  readonly before: string;
  readonly after: string;
  /** What was fixed, one line each: the fix's title and the path. */
  readonly applied: readonly string[];
  /** The findings (of the chosen rule, or all) left after the fixes. */
  readonly remaining: readonly Finding[];
  /** What the applied fixes took out: whoever writes `after` keeps these in the side file. */
  readonly removed: readonly Removed[];
}

const key = (f: Finding) => `${f.file}|${f.path.join('.')}|${f.rule}|${f.message}`;

/**
 * Applies preferred safe fixes one at a time, looking again with the same pipeline after each (fixes may
 * touch overlapping text, and a fix can make another unnecessary). `rule` limits it to one rule, and then only
 * that rule runs. The CLI's `fix` and the editor's Fix All are this function; nothing is written here.
 * `registry` is where the rules come from (every rule; a test passes counting ones).
 */
export function fixAll(input: CheckInput, rule?: string, registry: readonly Rule[] = RULES): FixAllResult {
  const file = input.doc.file;
  const rules = rule === undefined ? registry : registry.filter((r) => r.id === rule);
  const look = (doc: CheckInput['doc']) => judge(observe({ ...input, doc }).observation, { disabledRules: input.disabledRules, rules });
  let text = input.doc.text;
  let findings = look(input.doc);
  const applied: string[] = [];
  const removed: Removed[] = [];
  const skipped = new Set<string>();
  for (let round = 0; round < 100; round++) {
    const next = findings.find((f) => !skipped.has(key(f)) && f.fixes.some((x) => x.preferred && x.plan && x.plan.edits.length > 0 && x.plan.actions.length === 0));
    if (!next) break;
    const fx = safeFix(next, file);
    if (!fx) {
      skipped.add(key(next));
      continue;
    }
    const after = applyEdits(text, fx.plan!.edits.flatMap((e) => e.edits));
    if (parseDocument(file, after).error) {
      skipped.add(key(next));
      continue;
    }
    text = after;
    applied.push(`${fx.title} (${next.path.join('.')})`);
    removed.push(...(fx.removes ?? []));
    findings = look(parseDocument(file, text, input.doc.encoding));
  }
  return { before: input.doc.text, after: text, applied, remaining: findings, removed };
}
