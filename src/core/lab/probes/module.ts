import type { ProbeKind, ProbeView } from '../view/probeView.js';
import type { ProbeCommonOptions, ProbeOutcome } from './common.js';

/** What every wire probe's record has, whatever its kind (common.ts ProbeRecordBase plus `kind`). */
export interface ProbeRecordLike {
  readonly id: string;
  readonly kind: ProbeKind;
  readonly startedAt: string;
  readonly agent: string;
  readonly profile: string | null;
  readonly error?: string;
}

/**
 * One wire probe as the front ends see it: the editor's command, the Experiments tree and the Lab panel are
 * written once against this, and each probe (prefixStability.ts, tools.ts, fill.ts) provides it.
 */
export interface ProbeModule<R extends ProbeRecordLike = ProbeRecordLike> {
  readonly kind: ProbeKind;
  /** The palette title, e.g. 'Probe Usable Context'. */
  readonly title: string;
  read(root: string, id: string): R;
  list(root: string): R[];
  view(r: R): ProbeView;
  /** One line for the Experiments tree. */
  summary(r: R): string;
}

/** A probe the editor can run with its defaults (the CLI reads each probe's own flags). */
export interface RunnableProbe<R extends ProbeRecordLike = ProbeRecordLike> extends ProbeModule<R> {
  run(o: ProbeCommonOptions): Promise<ProbeOutcome<unknown> & { record?: string }>;
  /** The record's verdict is the good one (the editor warns otherwise). */
  good(r: R): boolean;
}
