import type { Finding, Fix } from '../../findings.js';
import type { RuleId } from '../../rules/registry.js';

/**
 * `lab prove RULE`: a paired lab — the state as it is against the finding's preferred fix applied through the
 * lab's borrow — for the rules whose message claims speed or quality. This module decides what would run (the
 * finding, its fix, the arms, the workload); the `--dry-run --json` shape is a contract (issue #23):
 * `{rule, path, fix, workload, arms: [{name: "as-is"}, {name: "fix", edits: […]}], n}`.
 */
export const PROVABLE_RULES = [
  'compaction-model-missing',
  'compaction-threshold-on-primary',
  'memory-flush-on-primary',
  'compaction-mode',
  'compactor-context-fit',
  'context-window-mismatch',
  'ollama-num-ctx-unset',
  'lmstudio-jit-context',
] as const satisfies readonly RuleId[];

/** The workload a proof runs when none is named: one OpenClaw agent turn per dispatch (built in). */
export const DEFAULT_PROVE_WORKLOAD = 'agent-turn';
export const DEFAULT_PROVE_N = 6;

/** A text edit of the fix arm, with the file it edits: the executor's edit, spelled out. */
export interface ProveEdit {
  readonly file: string;
  readonly span: readonly [number, number];
  readonly newText: string;
}

export interface ProvePlan {
  readonly rule: string;
  /** The finding's JSON path, dotted. */
  readonly path: string;
  /** The preferred fix's title. */
  readonly fix: string;
  readonly workload: string;
  readonly arms: readonly [{ readonly name: 'as-is' }, { readonly name: 'fix'; readonly edits: readonly ProveEdit[] }];
  /** Dispatches per arm (arms interleaved). */
  readonly n: number;
}

/** Why a proof cannot be planned: `usage` for a call to correct (exit 2), `nothing` for a config with nothing to prove (exit 1). */
export class ProveError extends Error {
  constructor(
    message: string,
    readonly kind: 'usage' | 'nothing',
  ) {
    super(message);
  }
}

export function isProvable(rule: string): rule is (typeof PROVABLE_RULES)[number] {
  return (PROVABLE_RULES as readonly string[]).includes(rule);
}

/** The finding of `rule` at `path` (default: its first), its preferred fix, and the two arms. */
export function planProve(findings: readonly Finding[], o: { rule: string; path?: string; workload?: string; n?: number }): ProvePlan {
  if (!isProvable(o.rule)) throw new ProveError(`${o.rule} is not a rule whose claim a lab can measure (provable: ${PROVABLE_RULES.join(', ')})`, 'usage');
  const ofRule = findings.filter((f) => f.rule === o.rule);
  if (ofRule.length === 0) throw new ProveError(`nothing to prove: check reports no ${o.rule} finding for this config`, 'nothing');
  const finding = o.path === undefined ? ofRule[0]! : ofRule.find((f) => f.path.join('.') === o.path);
  if (!finding) throw new ProveError(`no ${o.rule} finding at ${o.path} (its findings are at: ${ofRule.map((f) => f.path.join('.')).join(', ')})`, 'usage');
  const fix = finding.fixes.find((x): x is Fix & { plan: NonNullable<Fix['plan']> } => x.preferred && !!x.plan);
  if (!fix) throw new ProveError(`nothing to prove: the ${o.rule} finding at ${finding.path.join('.')} has no preferred fix to apply`, 'nothing');
  // The arm is put in force through the lab's borrow, which writes files; a fix that only acts on a server is not measured this way yet.
  if (fix.plan.edits.length === 0) throw new ProveError(`the preferred fix of ${o.rule} ("${fix.title}") acts on a model server only; lab prove measures config fixes`, 'nothing');
  const edits = fix.plan.edits.flatMap((fe) => fe.edits.map((e) => ({ file: fe.file, span: [e.span[0], e.span[1]] as const, newText: e.newText })));
  return {
    rule: o.rule,
    path: finding.path.join('.'),
    fix: fix.title,
    workload: o.workload ?? DEFAULT_PROVE_WORKLOAD,
    arms: [{ name: 'as-is' }, { name: 'fix', edits }],
    n: o.n ?? DEFAULT_PROVE_N,
  };
}
