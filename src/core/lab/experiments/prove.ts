import fs from 'node:fs';
import path from 'node:path';
import type { Finding, Fix } from '../../findings.js';
import { configKey, EVIDENCE_FILE, type ProofEvidence } from '../../evidence.js';
import { appendLine } from '../records/jsonl.js';
import type { ProfilePlan } from '../../profiles/plan.js';
import type { RuleId } from '../../rules/registry.js';
import type { CheckedFile } from '../../sources.js';
import { applyEdits } from '../../text.js';
import { look as lookNow } from '../look.js';
import type { DispatchRecord, Session } from '../records/store.js';
import { acceptsFor, runLab, type LabRunOptions } from '../session.js';
import { compareSessions } from '../summary.js';
import { runExperiment, type ArmSpec, type ExperimentOutcome, type ExperimentReporter } from './driver.js';

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

/** The workload a proof of a rule without a compaction claim runs when none is named: one OpenClaw agent turn per dispatch (built in). */
export const DEFAULT_PROVE_WORKLOAD = 'agent-turn';

/** The rules whose claim is about compaction: a proof of one measures nothing unless its dispatches compact. */
export const COMPACTION_RULES: readonly (typeof PROVABLE_RULES)[number][] = ['compaction-model-missing', 'compaction-threshold-on-primary', 'memory-flush-on-primary', 'compaction-mode', 'compactor-context-fit'];

/**
 * The workload a proof runs when none is named: for the compaction rules the built-in that compacts on the model in
 * use (`grow-context`: its context grows past C − R), else one agent turn (`agent-turn`).
 */
export function defaultProveWorkload(rule: string): string {
  return (COMPACTION_RULES as readonly string[]).includes(rule) ? 'grow-context' : DEFAULT_PROVE_WORKLOAD;
}
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
  /** Dispatches per arm. */
  readonly n: number;
  /** The arms alternate dispatch by dispatch (false when the fix also acts on a server: one arm after the other). */
  readonly interleaved: boolean;
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

type WithPlan = Fix & { plan: NonNullable<Fix['plan']> };

/** The finding of `rule` at `path` (default: its first) and its preferred fix, or why there is nothing to prove. */
function preferred(findings: readonly Finding[], o: { rule: string; path?: string }): { finding: Finding; fix: WithPlan } {
  if (!isProvable(o.rule)) throw new ProveError(`${o.rule} is not a rule whose claim a lab can measure (provable: ${PROVABLE_RULES.join(', ')})`, 'usage');
  const ofRule = findings.filter((f) => f.rule === o.rule);
  if (ofRule.length === 0) throw new ProveError(`nothing to prove: check reports no ${o.rule} finding for this config`, 'nothing');
  const finding = o.path === undefined ? ofRule[0]! : ofRule.find((f) => f.path.join('.') === o.path);
  if (!finding) throw new ProveError(`no ${o.rule} finding at ${o.path} (its findings are at: ${ofRule.map((f) => f.path.join('.')).join(', ')})`, 'usage');
  const fix = finding.fixes.find((x): x is WithPlan => x.preferred && !!x.plan);
  if (!fix) throw new ProveError(`nothing to prove: the ${o.rule} finding at ${finding.path.join('.')} has no preferred fix to apply`, 'nothing');
  // The arm is put in force through the lab's borrow, which writes the config; a fix that only acts on a server is not measured this way yet.
  if (fix.plan.edits.length === 0) throw new ProveError(`the preferred fix of ${o.rule} ("${fix.title}") acts on a model server only; lab prove measures config fixes`, 'nothing');
  return { finding, fix };
}

/** The finding of `rule` at `path` (default: its first), its preferred fix, and the two arms. */
export function planProve(findings: readonly Finding[], o: { rule: string; path?: string; workload?: string; n?: number }): ProvePlan {
  const { finding, fix } = preferred(findings, o);
  const edits = fix.plan.edits.flatMap((fe) => fe.edits.map((e) => ({ file: fe.file, span: [e.span[0], e.span[1]] as const, newText: e.newText })));
  return {
    rule: o.rule,
    path: finding.path.join('.'),
    fix: fix.title,
    workload: o.workload ?? defaultProveWorkload(o.rule),
    arms: [{ name: 'as-is' }, { name: 'fix', edits }],
    n: o.n ?? DEFAULT_PROVE_N,
    interleaved: fix.plan.actions.length === 0 && (o.n ?? DEFAULT_PROVE_N) > 1,
  };
}

/**
 * The fix arm as a plan the borrow applies, made from a fresh look (the finding must still be there). The borrow
 * takes profile plans: this one is labelled "RULE fix", and the state from before (profile record included) comes
 * back at the end.
 */
export function fixArmPlan(now: CheckedFile, rule: string, path: string | undefined): ProfilePlan {
  const { fix } = preferred(now.findings, { rule, path });
  if (fix.plan.edits.some((e) => e.file !== now.read.doc.file)) throw new ProveError(`the preferred fix of ${rule} edits an $include'd file; lab prove applies fixes to ${now.read.doc.file} only`, 'nothing');
  const before = now.read.doc.text;
  return configPlan(now, `${rule} fix`, fix.title, applyEdits(before, fix.plan.edits.flatMap((e) => e.edits)), fix.plan.actions);
}

/** The as-is arm of a later round: the config's text from before the proof put back (such a fix edits only the config). */
export function asIsArmPlan(now: CheckedFile, original: CheckedFile): ProfilePlan {
  return configPlan(now, 'as-is', 'the config as it was before the proof', original.read.doc.text, []);
}

/** A plan that turns the config's text into `after` (and runs `actions`), in the shape the borrow applies. */
function configPlan(now: CheckedFile, name: string, what: string, after: string, actions: ProfilePlan['actions']): ProfilePlan {
  const primary = now.observation.model.refs.find((r) => r.role === 'primary');
  return {
    profile: {
      name,
      builtin: false,
      description: what,
      whenItWins: '',
      primary: { ref: primary?.ref ?? '', providerId: primary?.providerId ?? '', modelId: primary?.modelId ?? '', context: { value: 0, source: 'derived' } },
      budget: { value: 0, source: 'derived' },
      notes: [],
    },
    file: now.read.doc.file,
    before: now.read.doc.text,
    after,
    configChanges: [what],
    actions,
    unloadsOperatorModels: [],
    warnings: [],
  };
}

export interface ProveRunOptions extends Omit<LabRunOptions, 'look' | 'profile' | 'profileBefore' | 'resume' | 'note'> {
  readonly rule: string;
  readonly path?: string;
  readonly first?: CheckedFile;
  readonly report?: ExperimentReporter;
}

export interface ProveOutcome {
  readonly plan: ProvePlan;
  readonly outcome: ExperimentOutcome<ProveArm, { session: Session; dispatches: DispatchRecord[] }>;
  /** Each arm's session as it stands at the end (absent: the arm never ran). */
  readonly asIs?: { session: Session; dispatches: DispatchRecord[] };
  readonly fix?: { session: Session; dispatches: DispatchRecord[] };
  /** The fix against as-is (B against A), when both arms ran. */
  readonly comparison?: ReturnType<typeof compareSessions>;
  /** What was stored in the lab folder's evidence.jsonl, when both arms ran. */
  readonly evidence?: ProofEvidence;
}

/** One round's arm: `as-is` or `fix`, and the round (0-based) it belongs to. */
export interface ProveArm extends ArmSpec {
  readonly name: 'as-is' | 'fix';
  readonly round: number;
}

/**
 * The arms in the order they run: interleaved (as-is, fix, as-is, fix, …, one dispatch each) when the fix only
 * edits the config, so a drift of the machine over the proof (a model warming, another program's load) falls on
 * both arms alike; one after the other (n dispatches each) when the fix also acts on a server, whose state the
 * lab cannot put back between rounds without reloading models.
 */
export function proveArms(first: CheckedFile, plan: ProvePlan): ProveArm[] {
  const { rule, path, n, interleaved } = plan;
  const fixArm = (round: number): ProveArm => ({ name: 'fix', round, required: true, plan: (now) => fixArmPlan(now, rule, path) });
  if (!interleaved) return [{ name: 'as-is', round: 0 }, fixArm(0)];
  const arms: ProveArm[] = [];
  for (let k = 0; k < n; k++) {
    arms.push(k === 0 ? { name: 'as-is', round: 0 } : { name: 'as-is', round: k, required: true, plan: (now) => asIsArmPlan(now, first) });
    arms.push(fixArm(k));
  }
  return arms;
}

/**
 * The paired lab: the config as it is against the fix applied through the borrow, n dispatches each, the arms
 * interleaved round by round (proveArms), and the state from before restored after success, failure and cancel
 * alike (the driver's promise). Each arm's dispatches form one lab session, continued round after round.
 */
export async function runProve(o: ProveRunOptions): Promise<ProveOutcome> {
  const first = o.first ?? (await lookNow(o.env));
  const plan = planProve(first.findings, { rule: o.rule, path: o.path, workload: o.workload.name, n: o.n });
  const arms = proveArms(first, plan);
  const sessions: Partial<Record<ProveArm['name'], { session: Session; dispatches: DispatchRecord[] }>> = {};
  const outcome = await runExperiment<ProveArm, { session: Session; dispatches: DispatchRecord[] }>({
    env: o.env,
    first,
    what: 'the proof',
    accepts: acceptsFor(o.env, o.workload),
    arms,
    signal: o.signal,
    report: o.report,
    stopAfter: (r) => r.session.status === 'cancelled',
    run: async (arm, now, signal) => {
      const label = arm.name === 'fix' ? `${o.rule} fix` : 'as-is';
      const before = sessions[arm.name];
      // Interleaved: round k asks the arm's session for its (k+1)th dispatch; the last round leaves it at n.
      const r = plan.interleaved
        ? await runLab({ ...o, n: 1, look: now, signal, profile: label, ...(before ? { resume: { ...before.session, repeats: arm.round + 1 } } : {}) })
        : await runLab({ ...o, look: now, signal, profile: label });
      sessions[arm.name] = r;
      return r;
    },
  });
  const a = sessions['as-is'];
  const b = sessions.fix;
  const complete = (x?: { dispatches: DispatchRecord[] }) => !!x && x.dispatches.length >= plan.n;
  if (!complete(a) || !complete(b)) return { plan, outcome, ...(a ? { asIs: a } : {}), ...(b ? { fix: b } : {}) };
  const comparison = compareSessions(a!.dispatches, b!.dispatches);
  const evidence = proofEvidence(plan, first, a!, b!, comparison);
  const fd = fs.openSync(evidenceFile(o.root), 'a');
  try {
    appendLine(fd, evidence);
  } finally {
    fs.closeSync(fd);
  }
  return { plan, outcome, asIs: a, fix: b, comparison, evidence };
}

/** Where proofs are kept: one JSON line per proof in the lab folder. */
export function evidenceFile(root: string): string {
  fs.mkdirSync(root, { recursive: true });
  return path.join(root, EVIDENCE_FILE);
}

type Arm = { session: Session; dispatches: DispatchRecord[] };

/**
 * Who summarized each compaction, as the wire saw it. A model taken from OpenClaw's log lines names the run's model
 * even when the compactor summarized (the reference's log trap), so such a record counts as "not on the wire".
 */
function summarizers(d: readonly DispatchRecord[]): string[] {
  return d.flatMap((r) => (Array.isArray(r.compactions) ? r.compactions.map((c) => (c.modelFrom === 'wire' && c.model ? c.model : 'not on the wire')) : []));
}

export function proofEvidence(plan: ProvePlan, first: CheckedFile, a: Arm, b: Arm, c: ReturnType<typeof compareSessions>): ProofEvidence {
  return {
    rule: plan.rule,
    path: plan.path,
    fix: plan.fix,
    measuredAt: new Date().toISOString(),
    configSha256: configKey(first.read.doc.text),
    loadedModels: a.session.environment.loadedModels.map((m) => ({ provider: m.provider, id: m.id, context: m.context ?? null })),
    sessions: { asIs: a.session.id, fix: b.session.id },
    n: plan.n,
    medianSeconds: c.medianSeconds,
    completion: { asIs: c.completion.a, fix: c.completion.b },
    compactions: { asIs: summarizers(a.dispatches), fix: summarizers(b.dispatches) },
  };
}

