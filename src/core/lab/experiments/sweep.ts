import { member, numberAt, parseDocument, stringAt } from '../../openclaw/document.js';
import { removeMember } from '../../openclaw/edit.js';
import { retiredKey, tooNewKey } from '../../openclaw/knowledge.js';
import { buildModel } from '../../openclaw/model.js';
import { atLeast, type OpenClawVersion } from '../../openclaw/version.js';
import { BEHAVIOUR } from '../../openclaw/knowledge.js';
import type { Observation } from '../../observation.js';
import { planProfile, type ProfilePlan } from '../../profiles/plan.js';
import type { ModelTarget, ProfileTarget } from '../../profiles/types.js';
import { overHeadroom } from '../../profiles/resolve.js';
import { fmt } from '../../format.js';
import { maxContextFor, pickCompactor } from '../../servers/models.js';
import { COMPACTOR_OVERSIZE_FACTOR, compactionRequestTokens } from '../../openclaw/context.js';
import { compactionCount } from '../dispatch/evidence.js';
import { applyEdits } from '../../text.js';
import { bootstrapMedianDifference, wilson, type Interval } from '../stats.js';
import type { DispatchRecord } from '../records/store.js';

/**
 * The isolation sweep (the operators' experiment design): from a base profile, one variant per knob, each
 * pulling exactly that knob toward what the installed OpenClaw does when the knob is not set. Everything
 * here is pure: the plans come from the profile planner (so what is written per release is the planner's
 * knowledge, never a copy of OpenClaw's schema), the verdicts from dispatch records.
 */
export const SWEEP_KNOBS = ['primaryContext', 'budget', 'compactor', 'compactorContext', 'mode', 'recentTurnsPreserve', 'keepRecentTokens'] as const;
/**
 * Knobs a sweep runs only when named (`--knobs transport`): `transport` puts each declared compression proxy between
 * OpenClaw and the server (the base runs `direct`), with the profile unchanged, so it belongs with no other knob.
 */
export const NAMED_ONLY_KNOBS = ['transport'] as const;
export type SweepKnob = (typeof SWEEP_KNOBS)[number] | (typeof NAMED_ONLY_KNOBS)[number];
const ALL_KNOBS: readonly string[] = [...SWEEP_KNOBS, ...NAMED_ONLY_KNOBS];

/** The compaction keys a variant pulls to the release default by removing them: OpenClaw then applies its own. */
type UnsetKey = 'mode' | 'recentTurnsPreserve' | 'keepRecentTokens';

/**
 * What OpenClaw applies when the key is unset, for the report only (the variant removes the key, so the
 * release's real default applies whatever it is): mode is materialized as "safeguard" (2026.9, see the
 * compaction-mode rule); keepRecentTokens 20,000 (the model view's default); recentTurnsPreserve 3 (the
 * field help of OpenClaw 2026.9.6: "default: 3").
 */
const DEFAULT_LABEL: Record<UnsetKey, string | number> = { mode: 'safeguard', recentTurnsPreserve: 3, keepRecentTokens: 20000 };

export type KnobValue = number | string | null;

export interface Variant {
  /** `knob=value`, unique within a sweep. */
  readonly name: string;
  readonly knob: SweepKnob;
  readonly from: KnobValue;
  /** null: the compactor removed (the primary compacts its own history). */
  readonly to: KnobValue;
  /** The base with this one knob changed. */
  readonly target: ProfileTarget;
  /** transport: the declared proxy this arm's requests go through. */
  readonly proxy?: string;
  /** The compaction key removed on top of the target's plan (the release default then applies). */
  readonly unset?: UnsetKey;
}

export interface SkippedKnob {
  readonly knob: SweepKnob;
  readonly reason: string;
}

export interface SweepPlan {
  readonly base: ProfileTarget;
  readonly variants: readonly Variant[];
  readonly skipped: readonly SkippedKnob[];
  /** With the compactor comparison: the base's own cell, named like the variants (`compactor:none@safeguard`). */
  readonly baseArm?: string;
}

export interface PlanOptions {
  /**
   * `--knobs compactor` named explicitly: the operators' compactor comparison instead of the one `compactor=none`
   * variant — no compactor and a small compactor at a fitting context, each in the mode in force and in the other
   * (compactorComparison). The full sweep keeps its one variant per knob.
   */
  readonly compactorGrid?: boolean;
  /** The declared compression proxies' names (transport knob). */
  readonly proxies?: readonly string[];
}

export class SweepUsageError extends Error {}

/** `--knobs a,b`: known knob names, in the order given; unknown ones are an error that lists the known. */
export function parseKnobs(text: string | undefined): SweepKnob[] | undefined {
  if (text === undefined) return undefined;
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) throw new SweepUsageError(`--knobs: name at least one of ${ALL_KNOBS.join(', ')}`);
  const bad = names.filter((n) => !ALL_KNOBS.includes(n));
  if (bad.length) throw new SweepUsageError(`--knobs: unknown ${bad.join(', ')} (known: ${ALL_KNOBS.join(', ')})`);
  if (names.includes('transport') && names.some((n) => n !== 'transport')) throw new SweepUsageError('--knobs: transport compares proxies under one profile; sweep it alone (--knobs transport)');
  return [...new Set(names)] as SweepKnob[];
}

/** The compaction knobs as they will stand once the base is applied: the base's, else the config's. */
function compactionNow(base: ProfileTarget, obs: Observation): Record<UnsetKey, string | number | undefined> {
  const node = obs.model.compaction.node;
  return {
    mode: base.mode?.value ?? stringAt(member(node, 'mode')?.value),
    recentTurnsPreserve: base.recentTurnsPreserve?.value ?? numberAt(member(node, 'recentTurnsPreserve')?.value),
    keepRecentTokens: base.keepRecentTokens?.value ?? numberAt(member(node, 'keepRecentTokens')?.value),
  };
}

/** Whether the installed release accepts `agents.defaults.compaction.<key>` (the key history, per release). */
function accepts(path: readonly string[], version: OpenClawVersion): string | undefined {
  const retired = retiredKey(path, version);
  if (retired?.effect === 'rejected' || retired?.effect === 'ignored') return retired.reason;
  const tooNew = tooNewKey(path, version);
  return tooNew ? tooNew.reason : undefined;
}

const show = (v: KnobValue) => (v === null ? 'none' : String(v));

/**
 * One variant per knob (in SWEEP_KNOBS order, or the order of `knobs`), each pulling that knob toward the
 * installed release's default; a knob already at it, unknown here, or not accepted by the release is
 * skipped with the reason.
 */
export function planVariants(base: ProfileTarget, obs: Observation, knobs: readonly SweepKnob[] = SWEEP_KNOBS, opts: PlanOptions = {}): SweepPlan {
  const variants: Variant[] = [];
  const skipped: SkippedKnob[] = [];
  let baseArm: string | undefined;
  const version = obs.version;
  const now = compactionNow(base, obs);
  const add = (knob: SweepKnob, from: KnobValue, to: KnobValue, target: ProfileTarget, unset?: UnsetKey) =>
    variants.push({ name: `${knob}=${show(to)}`, knob, from, to, target: { ...target, name: base.name, notes: [] }, ...(unset ? { unset } : {}) });
  const skip = (knob: SweepKnob, reason: string) => skipped.push({ knob, reason });
  for (const knob of knobs) {
    switch (knob) {
      case 'transport': {
        if (!opts.proxies?.length) skip(knob, 'no compression proxy is declared (machine setting localAiLab.lab.proxies, or --proxies FILE)');
        for (const name of opts.proxies ?? []) variants.push({ name: `${knob}=${name}`, knob, from: 'direct', to: name, target: { ...base, notes: [] }, proxy: name });
        break;
      }
      case 'primaryContext': {
        // Without a context of its own, OpenClaw's LM Studio discovery registers the model's maximum.
        const max = maxContextFor(obs.runtimes.get(base.primary.providerId), base.primary.modelId);
        if (max === undefined) skip(knob, `the maximum context of ${base.primary.ref} is unknown (its server did not say)`);
        else if (max === base.primary.context.value) skip(knob, `already at the model's maximum (${fmt(max)})`);
        else {
          const target: ProfileTarget = { ...base, primary: { ...base.primary, context: { value: max, source: 'derived', note: "the model's maximum" } } };
          // A variant this machine cannot hold would only measure a failed load (262,144 on 24 GB).
          const heavy = overHeadroom(target, obs);
          if (heavy) skip(knob, `at the model's maximum (${fmt(max)}) ${heavy}`);
          else add(knob, base.primary.context.value, max, target);
        }
        break;
      }
      case 'budget': {
        // No contextTokens: OpenClaw budgets the whole registered window.
        const path = atLeast(version, BEHAVIOUR.newReserveFormula) ? ['models', 'providers', '*', 'models', '*', 'contextTokens'] : ['agents', 'defaults', 'contextTokens'];
        const why = accepts(path, version);
        const budget = Math.min(base.budget.value, base.primary.context.value);
        if (why) skip(knob, why);
        else if (budget >= base.primary.context.value) skip(knob, `already uncapped (the budget equals the primary context, ${base.primary.context.value})`);
        else add(knob, budget, base.primary.context.value, { ...base, budget: { value: base.primary.context.value, source: 'derived', note: 'the whole primary context' } });
        break;
      }
      case 'compactor': {
        const why = accepts(['agents', 'defaults', 'compaction', 'model'], version);
        if (why) skip(knob, why);
        else if (opts.compactorGrid) {
          const grid = compactorComparison(base, obs, now.mode);
          baseArm = grid.baseArm;
          variants.push(...grid.variants);
          if (grid.skipped) skip(knob, grid.skipped);
        }
        else if (!base.compactor) skip(knob, 'the base has no compactor (already the release default: the primary compacts)');
        else add(knob, base.compactor.ref, null, { ...base, compactor: undefined });
        break;
      }
      case 'compactorContext': {
        if (!base.compactor) {
          skip(knob, 'the base has no compactor');
          break;
        }
        const max = maxContextFor(obs.runtimes.get(base.compactor.providerId), base.compactor.modelId);
        if (max === undefined) skip(knob, `the maximum context of ${base.compactor.ref} is unknown (its server did not say)`);
        else if (max === base.compactor.context.value) skip(knob, `already at the model's maximum (${fmt(max)})`);
        else {
          const target: ProfileTarget = { ...base, compactor: { ...base.compactor, context: { value: max, source: 'derived', note: "the model's maximum" } } };
          const heavy = overHeadroom(target, obs);
          if (heavy) skip(knob, `at the compactor's maximum (${fmt(max)}) ${heavy}`);
          else add(knob, base.compactor.context.value, max, target);
        }
        break;
      }
      case 'mode':
      case 'recentTurnsPreserve':
      case 'keepRecentTokens': {
        const why = accepts(['agents', 'defaults', 'compaction', knob], version);
        const from = now[knob];
        if (why) skip(knob, why);
        else if (from === undefined) skip(knob, 'not set: already the release default');
        else if (from === DEFAULT_LABEL[knob]) skip(knob, `set to the release default (${from}) already`);
        else {
          const target: ProfileTarget = { ...base, [knob]: undefined };
          add(knob, from, DEFAULT_LABEL[knob], target, knob);
        }
        break;
      }
    }
  }
  return { base, variants, skipped, ...(baseArm ? { baseArm } : {}) };
}

type Mode = 'default' | 'safeguard';
const roundUp = (n: number, step: number) => Math.ceil(n / step) * step;

/**
 * The operators' published comparison (issue #23): no compactor against a small compactor at a fitting context,
 * in the mode in force and in the other one, so the compaction tax shows per model and per mode on this machine.
 * In "default" OpenClaw's session summarizes the threshold compactions with the primary whatever compaction.model
 * says; in "safeguard" every compaction goes to the compactor (on 2026.9 after a memory flush on the primary):
 * compactionPaths.ts. Four cells — `compactor:none@M`, `compactor:<model>@M`, `compactor:none@O`,
 * `compactor:<model>@O` — less the one the base already is. The compactor is the base's when it fits the summary
 * request (from 1 to 2.5 times it), else the same model (or the small instruct model the primary's server has)
 * at 1.5 times the largest summary request, as the profiles size one; the mode is written explicitly in every cell.
 */
export function compactorComparison(base: ProfileTarget, obs: Observation, modeNow: string | number | undefined): { variants: Variant[]; baseArm: string; skipped?: string } {
  const inForce: Mode = modeNow === 'default' ? 'default' : 'safeguard';
  const other: Mode = inForce === 'default' ? 'safeguard' : 'default';
  const needed = compactionRequestTokens(Math.min(base.budget.value, base.primary.context.value));
  const fitting = (providerId: string, modelId: string) => {
    const max = maxContextFor(obs.runtimes.get(providerId), modelId);
    return Math.min(Math.max(16384, roundUp(needed * 1.5, 1024)), base.primary.context.value, max ?? Infinity);
  };
  let small: ModelTarget | undefined;
  let skipped: string | undefined;
  if (base.compactor) {
    const c = base.compactor.context.value;
    small = c >= needed && c <= needed * COMPACTOR_OVERSIZE_FACTOR ? base.compactor : { ...base.compactor, context: { value: fitting(base.compactor.providerId, base.compactor.modelId), source: 'derived', note: '1.5 × the largest summary request' } };
  } else {
    const pick = pickCompactor(obs.runtimes.get(base.primary.providerId), base.primary.modelId);
    if (pick) {
      const p = base.primary.providerId;
      small = { ref: `${p}/${pick.modelKey}`, providerId: p, modelId: pick.modelKey, context: { value: fitting(p, pick.modelKey), source: 'derived', note: '1.5 × the largest summary request' } };
    } else skipped = `no small model to try as the compactor (the base has none and ${base.primary.providerId}'s server lists no small instruct model): only the modes without one are compared`;
  }
  const label = (c: ModelTarget | undefined, mode: Mode) => `${c ? c.ref : 'none'}@${mode}`;
  const name = (c: ModelTarget | undefined, mode: Mode) => `compactor:${c ? c.modelId : 'none'}@${mode}`;
  const same = (a: ModelTarget | undefined, b: ModelTarget | undefined) => (a && b ? a.ref === b.ref && a.context.value === b.context.value : a === b);
  const from = label(base.compactor, inForce);
  const baseArm = name(base.compactor, inForce);
  const variants: Variant[] = [];
  for (const mode of [inForce, other]) {
    for (const c of small ? [undefined, small] : [undefined]) {
      if (mode === inForce && same(c, base.compactor)) continue;
      const target: ProfileTarget = { ...base, name: base.name, notes: [], compactor: c, mode: { value: mode, source: 'derived', note: 'the compactor comparison' } };
      variants.push({ name: name(c, mode), knob: 'compactor', from, to: label(c, mode), target });
    }
  }
  return { variants, baseArm, ...(skipped ? { skipped } : {}) };
}

/**
 * The `--dry-run --json` shape (a contract): `{"base", "openclawVersion", "variants": [{"name", "knob", "from", "to"}],
 * "skipped"}`, and `"baseArm"` (the base's cell) with the compactor comparison.
 */
export function dryRunJson(plan: SweepPlan, openclawVersion: string | null) {
  return { base: plan.base.name, openclawVersion, ...(plan.baseArm ? { baseArm: plan.baseArm } : {}), variants: plan.variants.map((v) => ({ name: v.name, knob: v.knob, from: v.from, to: v.to })), skipped: plan.skipped };
}

/**
 * A variant's plan: the profile planner's edits for its target, then (for a compaction knob pulled to the
 * release default) that key removed. Nothing is written here.
 */
export function planArm(target: ProfileTarget, obs: Observation, unset?: UnsetKey): ProfilePlan {
  const plan = planProfile(target, obs);
  if (!unset || plan.blocked) return plan;
  const doc = parseDocument(plan.file, plan.after);
  const node = buildModel(doc.root).compaction.node;
  const m = node && [...node.members].reverse().find((x) => x.key === unset);
  if (!node || !m) return plan;
  const after = applyEdits(doc.text, removeMember(doc, node, m).edits);
  return { ...plan, after, configChanges: [...plan.configChanges, `remove compaction.${unset}: OpenClaw's default applies`] };
}

export type Verdict = 'additive' | 'coupled' | 'no clear effect';

/** A variant whose completion falls this far below the base's broke something: keep that knob frozen. */
export const COUPLED_DROP = 0.25;
/**
 * Below this many dispatches in an arm nothing is judged: with one or two, every bootstrap resample's median is
 * one of at most three values, so the interval has (nearly) no width and a 10 ms difference would read "faster".
 */
export const MIN_N_TO_JUDGE = 3;
/** "Cheaper": at least this much less input per dispatch (median tokens in), or fewer compactions. */
export const CHEAPER_SHARE = 0.1;

export const VERDICT_RULES =
  `coupled: the variant's completion is at least ${COUPLED_DROP * 100} points below the base's (a dispatch that failed, missed its expectations or ended without a stop reason does not complete); ` +
  `additive: completion held, and the variant is clearly faster (the 95 % bootstrap interval of the difference in medians lies below 0) or cheaper (fewer compactions, or median tokens in at least ${CHEAPER_SHARE * 100} % lower) without being clearly slower; ` +
  `no clear effect: anything else, and always below ${MIN_N_TO_JUDGE} dispatches in an arm (not enough to judge; the raw differences are shown).`;

export interface ArmFigures {
  readonly n: number;
  readonly medianSeconds: number | null;
  readonly completion: Interval;
  /** Share of dispatches in the slow cluster; null when no split is declared. */
  readonly slowRate: number | null;
  readonly compactions: number;
  readonly tokensInMedian: number | null;
  /** Median over dispatches of the prompt tokens the server counted (every model request summed; from the wire). */
  readonly promptTokensMedian?: number | null;
  /** A proxy arm: what the layer did over the arm's dispatches. */
  readonly layer?: LayerFigures;
}

export interface LayerFigures {
  readonly dispatches: number;
  /** Dispatches in which a planted fact OpenClaw sent never reached the server. */
  readonly dispatchesLosingFacts: number;
  readonly factsLost: readonly string[];
  readonly linesDropped: number;
  readonly linesInvented: number;
  readonly toolsInjected: readonly string[];
  readonly toolsAltered: readonly string[];
  readonly olderTurnsRewritten: number;
}

/** The layer figures of an arm whose dispatches went through a proxy; undefined for a direct arm. */
export function layerFigures(d: readonly DispatchRecord[]): LayerFigures | undefined {
  const layered = d.filter((r) => r.layer);
  if (!layered.length) return undefined;
  const uniq = (xs: readonly string[]) => [...new Set(xs)];
  return {
    dispatches: layered.length,
    dispatchesLosingFacts: layered.filter((r) => r.layer!.factsLost.length > 0).length,
    factsLost: uniq(layered.flatMap((r) => r.layer!.factsLost)),
    linesDropped: layered.reduce((n, r) => n + r.layer!.linesDropped, 0),
    linesInvented: layered.reduce((n, r) => n + r.layer!.linesInvented, 0),
    toolsInjected: uniq(layered.flatMap((r) => r.layer!.toolsInjected)),
    toolsAltered: uniq(layered.flatMap((r) => r.layer!.toolsAltered ?? [])),
    olderTurnsRewritten: layered.reduce((n, r) => n + r.layer!.olderTurnsRewritten, 0),
  };
}

/**
 * The one-line recommendation for a proxy arm against the direct base: tokens saved as the server counted them
 * (medians of each dispatch's summed prompt tokens), then what the layer cost the ground truth, then the fix.
 */
export function layerRecommendation(base: ArmFigures, arm: ArmFigures): string {
  const l = arm.layer!;
  const parts: string[] = [];
  const a = base.promptTokensMedian;
  const b = arm.promptTokensMedian;
  if (a != null && b != null && a > 0) parts.push(b <= a ? `saves ${Math.round((100 * (a - b)) / a)} % of prompt tokens (server-counted median ${fmtInt(a)} → ${fmtInt(b)})` : `costs ${Math.round((100 * (b - a)) / a)} % more prompt tokens (server-counted median ${fmtInt(a)} → ${fmtInt(b)})`);
  else parts.push('prompt tokens not counted by the server');
  if (l.dispatchesLosingFacts) parts.push(`loses ${l.factsLost.length === 1 ? `the planted fact "${clip(l.factsLost[0]!)}"` : `${l.factsLost.length} planted facts`} in ${l.dispatchesLosingFacts} of ${l.dispatches}`);
  if (l.linesInvented) parts.push(`${fmtInt(l.linesInvented)} line${l.linesInvented === 1 ? '' : 's'} the tools never printed`);
  if (l.toolsInjected.length) parts.push(`injects ${l.toolsInjected.map((t) => `\`${t}\``).join(', ')}`);
  if (l.olderTurnsRewritten) parts.push(`rewrites older turns in ${l.olderTurnsRewritten} request${l.olderTurnsRewritten === 1 ? '' : 's'} (busts the prompt cache)`);
  if (!l.dispatchesLosingFacts && !l.linesInvented) parts.push('no planted fact lost, no line invented');
  const fix = l.dispatchesLosingFacts || l.linesInvented ? (l.toolsAltered.length ? `: protect ${l.toolsAltered.map((t) => `\`${t}\``).join(', ')}` : ': keep tool outputs out of the layer') : '';
  return parts.join(', ') + fix;
}

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const clip = (s: string) => (s.length > 60 ? s.slice(0, 57) + '…' : s);

export interface VariantJudgement {
  readonly verdict: Verdict;
  /** Variant − base, seconds, with its 95 % bootstrap interval. */
  readonly deltaMedian: Interval | null;
  readonly note?: string;
}

const median = (xs: readonly number[]) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function armFigures(d: readonly DispatchRecord[], slowRate: number | null): ArmFigures {
  return {
    n: d.length,
    medianSeconds: median(d.map((r) => r.wallMs / 1000)),
    completion: wilson(d.filter((r) => r.completed).length, d.length),
    slowRate,
    compactions: d.reduce((n, r) => n + compactionCount(r), 0),
    tokensInMedian: median(d.flatMap((r) => (r.tokensIn == null ? [] : [r.tokensIn]))),
    promptTokensMedian: median(d.flatMap((r) => (r.promptTokensTotal == null ? [] : [r.promptTokensTotal]))),
    ...(layerFigures(d) ? { layer: layerFigures(d) } : {}),
  };
}

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;

/** The verdict of one variant against the base (rules in VERDICT_RULES and the README). */
export function judge(base: readonly DispatchRecord[], variant: readonly DispatchRecord[]): VariantJudgement {
  const j = judgeTime(base, variant);
  const b = armFigures(variant, null);
  if (!b.layer) return j;
  // A proxy that loses what the tools printed, or adds to it, changed the ground truth: whatever it saves, keep it out.
  const corrupts = b.layer.dispatchesLosingFacts > 0 || b.layer.linesInvented > 0;
  return { ...j, ...(corrupts ? { verdict: 'coupled' as const } : {}), note: layerRecommendation(armFigures(base, null), b) + (j.note ? ` (${j.note})` : '') };
}

function judgeTime(base: readonly DispatchRecord[], variant: readonly DispatchRecord[]): VariantJudgement {
  if (!base.length || !variant.length) return { verdict: 'no clear effect', deltaMedian: null, note: 'no dispatches to compare' };
  const a = armFigures(base, null);
  const b = armFigures(variant, null);
  const delta = bootstrapMedianDifference(base.map((r) => r.wallMs / 1000), variant.map((r) => r.wallMs / 1000));
  const drop = a.completion.value - b.completion.value;
  if (a.n < MIN_N_TO_JUDGE || b.n < MIN_N_TO_JUDGE) {
    const raw = a.medianSeconds !== null && b.medianSeconds !== null ? `median ${signed(b.medianSeconds - a.medianSeconds)} s` : 'no medians';
    return {
      verdict: 'no clear effect',
      deltaMedian: delta,
      note: `not enough dispatches to judge (n = ${a.n} and ${b.n}; from ${MIN_N_TO_JUDGE} per arm): raw differences ${raw}, completion ${Math.round(100 * a.completion.value)} % → ${Math.round(100 * b.completion.value)} %`,
    };
  }
  if (drop >= COUPLED_DROP - 1e-9) {
    return { verdict: 'coupled', deltaMedian: delta, note: `completion ${Math.round(100 * a.completion.value)} % → ${Math.round(100 * b.completion.value)} %: keep this knob frozen` };
  }
  const faster = delta.high < 0;
  const slower = delta.low > 0;
  const perDispatch = (f: ArmFigures) => f.compactions / Math.max(1, f.n);
  const fewerCompactions = perDispatch(b) < perDispatch(a);
  const lessInput = a.tokensInMedian !== null && b.tokensInMedian !== null && b.tokensInMedian <= (1 - CHEAPER_SHARE) * a.tokensInMedian;
  if (faster) return { verdict: 'additive', deltaMedian: delta, note: 'faster, completion held' };
  if (!slower && (fewerCompactions || lessInput)) return { verdict: 'additive', deltaMedian: delta, note: fewerCompactions ? 'fewer compactions, completion held' : 'less input per dispatch, completion held' };
  if (slower) return { verdict: 'no clear effect', deltaMedian: delta, note: "slower with completion held: the base's value helps" };
  return { verdict: 'no clear effect', deltaMedian: delta };
}

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(100 * x)} %`);

export interface SweepRow {
  readonly name: string;
  readonly knob: SweepKnob | null;
  readonly from: KnobValue;
  readonly to: KnobValue;
  readonly figures: ArmFigures;
  readonly judgement?: VariantJudgement;
  readonly error?: string;
}

export const SWEEP_TABLE_HEAD = ['Variable', 'base → variant', 'Δ median s (95 % CI)', 'slow rate', 'completion', 'compactions', 'verdict'];

/** The operators' table, one row per arm (base first), as cells; the CLI, the panel and Markdown share them. */
export function sweepCells(r: SweepRow): string[] {
  if (!r.knob) return ['(base)', '—', r.figures.medianSeconds === null ? '—' : `${r.figures.medianSeconds.toFixed(2)} s median`, pct(r.figures.slowRate), pct(r.figures.completion.value), String(r.figures.compactions), '—'];
  const d = r.judgement?.deltaMedian;
  return [
    r.knob,
    `${show(r.from)} → ${show(r.to)}`,
    r.error ? `not run: ${r.error}` : d ? `${signed(d.value)} (${signed(d.low)} to ${signed(d.high)})` : '—',
    pct(r.figures.slowRate),
    pct(r.figures.completion.value),
    String(r.figures.compactions),
    r.error ? '—' : (r.judgement?.verdict ?? '—'),
  ];
}

/** A transport sweep's extra columns: the server's prompt tokens, the planted facts lost, the lines invented. */
export const LAYER_TABLE_HEAD = ['prompt tokens (server)', 'facts lost', 'lines invented'];
const isLayered = (rows: readonly SweepRow[]) => rows.some((r) => r.knob === 'transport');
export const sweepHead = (rows: readonly SweepRow[]): string[] => (isLayered(rows) ? [...SWEEP_TABLE_HEAD, ...LAYER_TABLE_HEAD] : SWEEP_TABLE_HEAD);

/** The layer cells of a row in a transport sweep (the base is the direct arm). */
export function layerCells(r: SweepRow, base: SweepRow | undefined): string[] {
  const t = r.figures.promptTokensMedian;
  const a = base?.figures.promptTokensMedian;
  const tokens = t == null ? '—' : r.knob && a ? `${fmtInt(t)} (${t <= a ? '−' : '+'}${Math.round((100 * Math.abs(a - t)) / a)} %)` : fmtInt(t);
  const l = r.figures.layer;
  if (!l) return [tokens, r.knob ? '—' : '0 (direct)', r.knob ? '—' : '0 (direct)'];
  return [tokens, l.dispatchesLosingFacts ? `${l.dispatchesLosingFacts} of ${l.dispatches}: ${l.factsLost.map(clip).join('; ')}` : `0 of ${l.dispatches}`, String(l.linesInvented)];
}

const rowCells = (rows: readonly SweepRow[]) => (r: SweepRow) => (isLayered(rows) ? [...sweepCells(r), ...layerCells(r, rows[0])] : sweepCells(r));

/** The table as aligned text lines for a terminal. */
export function sweepTableLines(rows: readonly SweepRow[]): string[] {
  const head = sweepHead(rows);
  const cells = [head, ...rows.map(rowCells(rows))];
  const widths = head.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd());
}

/** The table as Markdown, the operators' notebook format. */
export function sweepMarkdown(rows: readonly SweepRow[]): string {
  const head = sweepHead(rows);
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 || i === 6 || i === 8 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) lines.push(`| ${rowCells(rows)(r).join(' | ')} |`);
  return lines.join('\n') + '\n';
}
