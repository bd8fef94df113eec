import { effectiveContext } from '../openclaw/context.js';
import { findRow } from '../openclaw/model.js';
import type { Observation } from '../observation.js';

import type { ProfileTarget } from './types.js';
import { fmt } from '../format.js';
import { loadedFor } from '../servers/models.js';

/** One way the actual state differs from a profile. */
export interface Difference {
  readonly what: string;
  readonly expected: string;
  readonly actual: string;
}

export interface ActualState {
  readonly primaryLoaded?: number;
  readonly budget?: number;
  readonly compactor?: string;
  readonly compactorLoaded?: number;
  readonly mode?: string;
}

const TOLERANCE = 0.05;
const near = (a: number, b: number) => Math.abs(a - b) <= TOLERANCE * b;

export function actualState(obs: Observation, primaryRef?: string): ActualState {
  const primary = primaryRef ? obs.model.refs.find((r) => r.ref === primaryRef) : obs.model.refs.find((r) => r.role === 'primary');
  const row = primary ? findRow(obs.model, primary.providerId, primary.modelId) : undefined;
  const cref = obs.model.compaction.model;
  return {
    primaryLoaded: primary ? loadedFor(obs.runtimes.get(primary.providerId), { id: primary.modelId })?.loadedContextLength : undefined,
    budget: row ? effectiveContext(row, obs.version, obs.model.legacyContextTokens).tokens : undefined,
    compactor: cref?.ref,
    compactorLoaded: cref ? loadedFor(obs.runtimes.get(cref.providerId), { id: cref.modelId })?.loadedContextLength : undefined,
    mode: obs.model.compaction.mode,
  };
}

/** How the config and the loaded state differ from a profile: contexts more than 5 % off, a missing compactor, a changed mode. */
export function differences(t: ProfileTarget, obs: Observation): Difference[] {
  const out: Difference[] = [];
  const a = actualState(obs);
  const primaryRef = obs.model.refs.find((r) => r.role === 'primary')?.ref;
  if (primaryRef !== t.primary.ref) out.push({ what: 'primary model', expected: t.primary.ref, actual: primaryRef ?? 'none' });
  const row = findRow(obs.model, t.primary.providerId, t.primary.modelId);
  const registered = row?.contextWindow?.value;
  if (registered === undefined || !near(registered, t.primary.context.value)) out.push({ what: 'primary contextWindow', expected: fmt(t.primary.context.value), actual: fmt(registered) });
  // Only a known loaded context can disagree; a server we could not read is not drift.
  const state = obs.runtimes.get(t.primary.providerId);
  if (state?.status === 'ok' && state.knowsLoaded !== false && (a.primaryLoaded === undefined || !near(a.primaryLoaded, t.primary.context.value))) {
    out.push({ what: 'primary loaded', expected: fmt(t.primary.context.value), actual: a.primaryLoaded === undefined ? 'not loaded' : fmt(a.primaryLoaded) });
  }
  const budget = Math.min(t.budget.value, t.primary.context.value);
  if (a.budget === undefined || !near(a.budget, budget)) out.push({ what: 'runtime budget', expected: fmt(budget), actual: fmt(a.budget) });
  if (t.compactor) {
    if (a.compactor !== t.compactor.ref) out.push({ what: 'compactor', expected: t.compactor.ref, actual: a.compactor ?? 'none' });
    const cstate = obs.runtimes.get(t.compactor.providerId);
    if (cstate?.status === 'ok' && cstate.knowsLoaded !== false) {
      const loaded = loadedFor(cstate, { id: t.compactor.modelId })?.loadedContextLength;
      if (loaded === undefined || !near(loaded, t.compactor.context.value)) out.push({ what: 'compactor loaded', expected: fmt(t.compactor.context.value), actual: loaded === undefined ? 'not loaded' : fmt(loaded) });
    }
  } else if (a.compactor) out.push({ what: 'compactor', expected: 'none', actual: a.compactor });
  if (t.mode && (a.mode ?? 'safeguard') !== t.mode.value) out.push({ what: 'compaction mode', expected: t.mode.value, actual: a.mode ?? 'safeguard (unset)' });
  return out;
}

export interface Detection {
  /** The profile in force, or 'custom' when none matches. */
  readonly name: string;
  /** The last applied profile no longer matches (a hand edit, a reload, a missing compactor). */
  readonly drift: boolean;
  readonly differences: readonly Difference[];
  readonly target?: ProfileTarget;
}

/** The last applied profile if it still holds (else it drifted); otherwise the first profile that matches; else custom. */
export function detectProfile(targets: readonly ProfileTarget[], obs: Observation, lastApplied?: string): Detection {
  const last = lastApplied ? targets.find((t) => t.name === lastApplied) : undefined;
  if (last) {
    const d = differences(last, obs);
    return { name: last.name, drift: d.length > 0, differences: d, target: last };
  }
  for (const t of targets) if (differences(t, obs).length === 0) return { name: t.name, drift: false, differences: [], target: t };
  return { name: 'custom', drift: false, differences: [] };
}
