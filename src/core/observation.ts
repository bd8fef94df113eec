import type { EffectiveConfig } from './openclaw/includes.js';
import type { ConfigModel } from './openclaw/model.js';
import type { OpenClawVersion } from './openclaw/version.js';
import type { ServerState } from './servers/types.js';
import type { LabTimings } from './lab/timings.js';

export interface MachineFacts {
  readonly totalMemoryBytes: number;
  readonly cpus: number;
  readonly platform: string;
}

export type VersionSource = 'installed' | 'given' | 'assumed';

/** An immutable snapshot the rules read; they never do I/O. */
export interface Observation {
  readonly config: EffectiveConfig;
  readonly model: ConfigModel;
  readonly version: OpenClawVersion;
  readonly versionSource: VersionSource;
  /** Runtime state per provider id (only providers that point at a local server). */
  readonly runtimes: ReadonlyMap<string, ServerState>;
  readonly machine: MachineFacts;
  /** When the config file last changed on disk (ms since the epoch), when known. */
  readonly configChangedAt?: number;
  /** The profile last applied, while the state still matches it: an intent rules respect. */
  readonly profileInForce?: { readonly name: string; readonly compactor: boolean };
  /** What the newest lab sessions of this config measured on this machine (compaction durations, first tokens). */
  readonly measured?: LabTimings;
}
