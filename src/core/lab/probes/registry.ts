import type { ProbeKind } from '../view/probeView.js';
import type { ProbeRecordLike, RunnableProbe } from './module.js';
import { fillProbe } from './fill.js';

/**
 * The wire probes, one entry each: the editor's commands, the Experiments tree and the Lab panel read this list,
 * so a new probe is one line here.
 */
export const WIRE_PROBES: readonly RunnableProbe[] = [fillProbe];

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
