import type { ProbeKind } from '../view/probeView.js';
import type { ProbeCommonOptions, ProbeOutcome } from './common.js';
import type { ProbeModule, ProbeRecordLike, RunnableProbe } from './module.js';
import { prefixStabilityProbe, runPrefixStabilityProbe, type PrefixStabilityRecord } from './prefixStability.js';
import { runToolsProbe, toolsGood, toolsProbe } from './tools.js';
import { fillProbe } from './fill.js';
import { toolFidelityProbe } from './toolFidelity.js';

/**
 * The wire probes, one entry each: the editor's commands, the Experiments tree and the Lab panel read this list,
 * so a new probe is one line here.
 */
export const WIRE_PROBES: readonly RunnableProbe[] = [
  runnable(prefixStabilityProbe, runPrefixStabilityProbe, (r: PrefixStabilityRecord) => r.result?.tone === 'good'),
  runnable(toolsProbe, runToolsProbe, toolsGood),
  fillProbe,
  toolFidelityProbe,
];

/** A probe module with its runner (the editor runs it with its defaults) and how its verdict reads. */
function runnable<R extends ProbeRecordLike>(m: ProbeModule<R>, run: (o: ProbeCommonOptions) => Promise<ProbeOutcome<unknown> & { record?: string }>, good: (r: R) => boolean): RunnableProbe {
  // A record reaches `good` only through this module's own read/list, so it is this module's record type.
  return { ...(m as unknown as ProbeModule), run, good: (r) => good(r as R) };
}

export function wireProbe(kind: ProbeKind, probes: readonly RunnableProbe[] = WIRE_PROBES): RunnableProbe {
  const p = probes.find((x) => x.kind === kind);
  if (!p) throw new Error(`no wire probe "${kind}"`);
  return p;
}

/** Every readable wire-probe record under `root`, of every kind, oldest first. */
export function listWireProbes(root: string, probes: readonly RunnableProbe[] = WIRE_PROBES): { module: RunnableProbe; record: ProbeRecordLike }[] {
  return probes.flatMap((module) => module.list(root).map((record) => ({ module, record }))).sort((a, b) => a.record.startedAt.localeCompare(b.record.startedAt));
}

/** The record `id` read by the probe whose kind it is; undefined when no probe reads it. */
export function readWireProbe(root: string, id: string, probes: readonly RunnableProbe[] = WIRE_PROBES): { module: RunnableProbe; record: ProbeRecordLike } | undefined {
  for (const module of probes) {
    try {
      return { module, record: module.read(root, id) };
    } catch {
      /* another kind's record, or none */
    }
  }
  return undefined;
}
