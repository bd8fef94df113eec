import { compactionRequestTokens, FIRST_TURN_TOKENS } from '../openclaw/context.js';
import { memoryGB } from '../format.js';
import { findRow, splitRef } from '../openclaw/model.js';
import type { Observation } from '../observation.js';


import { parseParams } from '../servers/types.js';

import { isValidatedCell, memoryTier, sizeBucket, tierCell, type TaskClass } from './tiers.js';
import type { ModelTarget, ProfileDef, ProfileTarget, Sourced } from './types.js';
import { fmt } from '../format.js';
import { downloadedFor, loadedFor, maxContextFor, pickCompactor } from '../servers/models.js';
import { kvEstimateBytes } from '../machine.js';

export interface BuiltinProfile {
  readonly name: TaskClass;
  readonly description: string;
  readonly whenItWins: string;
}

export const BUILTIN_PROFILES: readonly BuiltinProfile[] = [
  {
    name: 'single-turn',
    description: 'Slim context, no compactor.',
    whenItWins: 'One question, one answer, one-shot edits: the smallest KV cache loads fastest and leaves memory free.',
  },
  {
    name: 'mid-range',
    description: 'Moderate context with a small dedicated compactor.',
    whenItWins: 'Tasks of a few dozen turns: a 4B compactor summarizes in ~10 s instead of ~30 s on the primary.',
  },
  {
    name: 'long-agentic',
    description: "The model's maximum context with a compactor.",
    whenItWins: 'Long agentic runs with many tool calls, where the history must survive several compactions.',
  },
];

/** OpenClaw's own first turn is ~16K tokens: below this no profile is useful. */
export const MIN_PRIMARY_CONTEXT = 32768;

export class ProfileUnresolvable extends Error {}

const roundUp = (n: number, step: number) => Math.ceil(n / step) * step;
/** memory-headroom's line: loaded models and their KV caches within 80 % of memory. */
const HEADROOM = 0.8;

function memoryNeeded(f: { sizeBytes?: number }, context: number): number {
  return f.sizeBytes === undefined ? 0 : f.sizeBytes + kvEstimateBytes(context);
}

function onThisMachine(f: { state?: { baseUrl: string } }): boolean {
  return !!f.state && /^https?:\/\/(localhost|127\.|\[::1\])/.test(f.state.baseUrl);
}
const budgetOf = (ctx: number) => Math.floor((0.9 * ctx) / 1000) * 1000;

function facts(obs: Observation, ref: string) {
  const parts = splitRef(ref);
  if (!parts) throw new ProfileUnresolvable(`"${ref}" is not a provider/model reference`);
  const state = obs.runtimes.get(parts.providerId);
  const loaded = loadedFor(state, { id: parts.modelId });
  const downloaded = downloadedFor(state, parts.modelId);
  const row = findRow(obs.model, parts.providerId, parts.modelId);
  return {
    ...parts,
    state,
    loaded,
    row,
    max: maxContextFor(state, parts.modelId),
    params: parseParams(loaded?.paramsString ?? downloaded?.paramsString ?? parts.modelId),
    sizeBytes: loaded?.sizeBytes ?? downloaded?.sizeBytes,
  };
}

function cap(value: number, max: number | undefined, notes: string[], what: string): number {
  if (max !== undefined && value > max) {
    notes.push(`${what} capped at the model's maximum of ${fmt(max)}`);
    return max;
  }
  return value;
}

function primaryRef(obs: Observation, def?: ProfileDef): string {
  const ref = def?.primary?.model ?? obs.model.refs.find((r) => r.role === 'primary')?.ref;
  if (!ref) throw new ProfileUnresolvable('openclaw.json names no primary model (agents.defaults.model.primary); set one first');
  return ref;
}

/** The compactor model: the profile's, else the config's, else a small instruct model the server has. */
function compactorRef(obs: Observation, primary: ReturnType<typeof facts>, def?: ProfileDef): string | undefined {
  if (def?.compactor?.model) return def.compactor.model;
  if (obs.model.compaction.model) return obs.model.compaction.model.ref;
  const pick = pickCompactor(primary.state, primary.modelId);
  return pick ? `${primary.providerId}/${pick.modelKey}` : undefined;
}

function modelTarget(ref: string, context: Sourced<number>): ModelTarget {
  const p = splitRef(ref)!;
  return { ref, ...p, context };
}

/**
 * The description as the plan came out: a profile whose compactor was dropped here (no room, no small model, a
 * tiny primary) does not promise one ("Moderate context with a small dedicated compactor." → "Moderate context,
 * no compactor here.").
 */
export function withoutCompactor(description: string): string {
  return description.replace(/,?\s+with (?:a|an)\b[^.]*\bcompactor\b/i, ', no compactor here');
}

/**
 * Whether a target's models at its contexts (the primary, and the compactor if any) would pass the
 * memory-headroom line on this machine: why, in that rule's words; undefined when they fit or the primary's
 * server is elsewhere (its memory is not this machine's).
 */
export function overHeadroom(t: Pick<ProfileTarget, 'primary' | 'compactor'>, obs: Observation): string | undefined {
  const p = facts(obs, t.primary.ref);
  if (!onThisMachine(p)) return undefined;
  const need = memoryNeeded(p, t.primary.context.value) + (t.compactor ? memoryNeeded(facts(obs, t.compactor.ref), t.compactor.context.value) : 0);
  return need > HEADROOM * obs.machine.totalMemoryBytes ? `the models would need ~${memoryGB(need, 1)}, over 80 % of this machine's ${memoryGB(obs.machine.totalMemoryBytes)}` : undefined;
}

export function resolveBuiltin(b: BuiltinProfile, obs: Observation): ProfileTarget {
  const notes: string[] = [];
  const primary = facts(obs, primaryRef(obs));
  const tier = memoryTier(obs.machine.totalMemoryBytes);
  let bucket = sizeBucket(primary.params, primary.sizeBytes);
  if (!bucket) {
    bucket = 'medium';
    notes.push('model size unknown: sized as a medium (15–50B) model');
  }
  const validated = isValidatedCell(tier, bucket);
  const cell = tierCell(tier, bucket, b.name);
  const src = validated ? 'validated' : 'derived';
  const tierNote = `darkmux tier: ${tier} memory, ${bucket} model`;

  let ctx: number;
  if (cell.primary === 'max') {
    ctx = primary.max ?? 131072;
    if (!primary.max) notes.push("the model's maximum is unknown: 131,072 assumed");
  } else ctx = cap(cell.primary, primary.max, notes, 'primary context');
  if (ctx < MIN_PRIMARY_CONTEXT && (primary.max === undefined || primary.max >= MIN_PRIMARY_CONTEXT)) {
    notes.push(`primary context raised to ${fmt(MIN_PRIMARY_CONTEXT)}: OpenClaw's first turn alone is ~${fmt(FIRST_TURN_TOKENS)} tokens`);
    ctx = MIN_PRIMARY_CONTEXT;
  }
  const primaryContext: Sourced<number> = { value: ctx, source: ctx === cell.primary || cell.primary === 'max' ? src : 'derived', note: tierNote };

  let budget: Sourced<number>;
  if (validated && b.name === 'mid-range' && ctx === 101000) budget = { value: 90000, source: 'validated' };
  else if (validated && b.name === 'long-agentic' && ctx === 262144) budget = { value: 250000, source: 'validated' };
  else budget = { value: budgetOf(ctx), source: 'derived', note: '0.9 × the primary context' };

  let compactor: ModelTarget | undefined;
  if (b.name !== 'single-turn') {
    const ref = bucket === 'tiny' ? undefined : compactorRef(obs, primary);
    if (bucket === 'tiny') notes.push('no compactor: the primary is already as small as a compactor');
    else if (!ref) notes.push('no compactor: the server has no small instruct model (download one, e.g. qwen3-4b-instruct-2507)');
    else {
      const cf = facts(obs, ref);
      const needed = compactionRequestTokens(budget.value);
      let cctx: Sourced<number>;
      if (cell.compactor && cell.compactor >= needed) cctx = { value: cell.compactor, source: src, note: tierNote };
      else cctx = { value: Math.max(16384, roundUp(needed * 1.5, 1024)), source: 'derived', note: '1.5 × the largest summary request (40 % of the budget)' };
      let v = Math.min(cctx.value, ctx);
      v = cap(v, cf.max, notes, 'compactor context');
      compactor = modelTarget(ref, { ...cctx, value: v });
      // A compactor that would push this machine past the memory-headroom line helps nobody.
      const need = memoryNeeded(primary, ctx) + memoryNeeded(cf, v);
      if (onThisMachine(primary) && need > HEADROOM * obs.machine.totalMemoryBytes) {
        notes.push(`no compactor: with it the loaded models need ~${memoryGB(need, 1)}, over 80 % of this machine's ${memoryGB(obs.machine.totalMemoryBytes)}`);
        compactor = undefined;
      }
    }
  }
  return {
    name: b.name,
    builtin: true,
    description: compactor ? b.description : withoutCompactor(b.description),
    whenItWins: b.whenItWins,
    primary: modelTarget(`${primary.providerId}/${primary.modelId}`, primaryContext),
    compactor,
    budget,
    // With a compactor, "safeguard": in "default" OpenClaw's session summarizes the threshold compactions with the
    // primary whatever compaction.model says (compactionPaths.ts), so the compactor would sit idle.
    mode:
      b.name === 'single-turn'
        ? undefined
        : compactor
          ? { value: 'safeguard', source: 'derived', note: 'every compaction then goes to the compactor; in "default" the threshold ones stay on the primary' }
          : { value: 'default', source: b.name === 'mid-range' ? src : 'derived' },
    recentTurnsPreserve: b.name === 'mid-range' ? { value: 5, source: src } : undefined,
    notes,
  };
}

export function resolveUser(def: ProfileDef, obs: Observation): ProfileTarget {
  const notes: string[] = [];
  const primary = facts(obs, primaryRef(obs, def));
  let ctx: Sourced<number>;
  if (def.primary?.context === 'max') {
    if (!primary.max) throw new ProfileUnresolvable(`profile ${def.name}: the maximum context of ${primary.modelId} is unknown (is its server running?)`);
    ctx = { value: primary.max, source: 'user', note: "the model's maximum" };
  } else if (def.primary?.context) ctx = { value: cap(def.primary.context, primary.max, notes, 'primary context'), source: 'user' };
  else {
    const current = primary.loaded?.loadedContextLength ?? primary.row?.contextWindow?.value;
    if (!current) throw new ProfileUnresolvable(`profile ${def.name}: give primary.context (nothing is loaded or registered for ${primary.modelId})`);
    ctx = { value: current, source: 'derived', note: 'kept from the current state' };
  }
  const budget: Sourced<number> = def.budget ? { value: Math.min(def.budget, ctx.value), source: 'user' } : { value: budgetOf(ctx.value), source: 'derived', note: '0.9 × the primary context' };
  let compactor: ModelTarget | undefined;
  if (def.compactor !== null) {
    const ref = def.compactor?.model ?? obs.model.compaction.model?.ref;
    if (ref) {
      const cf = facts(obs, ref);
      const given = def.compactor?.context;
      const current = cf.loaded?.loadedContextLength ?? cf.row?.contextWindow?.value;
      const value = given ?? current ?? Math.max(16384, roundUp(compactionRequestTokens(budget.value) * 1.5, 1024));
      compactor = modelTarget(ref, { value: cap(value, cf.max, notes, 'compactor context'), source: given ? 'user' : current ? 'derived' : 'derived', note: given ? undefined : current ? 'kept from the current state' : '1.5 × the largest summary request' });
    }
  }
  const c = def.compaction;
  return {
    name: def.name,
    builtin: false,
    description: def.description ?? 'User profile',
    whenItWins: def.whenItWins ?? '',
    primary: modelTarget(`${primary.providerId}/${primary.modelId}`, ctx),
    compactor,
    budget,
    mode: c?.mode ? { value: c.mode, source: 'user' } : undefined,
    recentTurnsPreserve: c?.recentTurnsPreserve !== undefined ? { value: c.recentTurnsPreserve, source: 'user' } : undefined,
    keepRecentTokens: c?.keepRecentTokens !== undefined ? { value: c.keepRecentTokens, source: 'user' } : undefined,
    notes,
  };
}

export interface ResolvedProfiles {
  readonly targets: ProfileTarget[];
  /** Profiles that could not be resolved, with why. */
  readonly problems: { name: string; message: string }[];
}

/** Built-ins first, then user profiles (a user profile with a built-in's name replaces it). */
export function resolveAll(obs: Observation, user: readonly ProfileDef[]): ResolvedProfiles {
  const targets: ProfileTarget[] = [];
  const problems: { name: string; message: string }[] = [];
  const userNames = new Set(user.map((u) => u.name));
  const attempt = (name: string, f: () => ProfileTarget) => {
    try {
      targets.push(f());
    } catch (err) {
      if (err instanceof ProfileUnresolvable) problems.push({ name, message: err.message });
      else throw err;
    }
  };
  for (const b of BUILTIN_PROFILES) if (!userNames.has(b.name)) attempt(b.name, () => resolveBuiltin(b, obs));
  for (const u of user) attempt(u.name, () => resolveUser(u, obs));
  return { targets, problems };
}
