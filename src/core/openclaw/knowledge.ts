import { atLeast, v, type OpenClawVersion } from './version.js';

/**
 * Which keys older releases accepted and what the installed release does with them.
 * Facts from OpenClaw's docs history and from running the releases' own validators
 * (see the README, "Key history"). Boundaries marked "verified" were found by validating
 * the same file with consecutive releases from npm; the others are approximate to the month.
 */
export type KeyEffect =
  /** The strict schema rejects the whole file. */
  | 'rejected'
  /** Stripped at read with a warning: the file validates but the value no longer does anything. */
  | 'ignored'
  /** Rewritten at read into the new shape; valid, but the file should be migrated. */
  | 'migrated';

export interface KeyHistory {
  /** Dotted path; `*` matches one segment. */
  readonly path: string;
  /** Only this value of the key was retired (e.g. identifierPolicy "custom"); other values stay valid. */
  readonly value?: string;
  /**
   * First release whose schema no longer has the key. `2026.8.0` stands for the 2026.8 line: npm has no release
   * between 2026.7.35 and 2026.8.1-beta.1, and prereleases compare as their release.
   */
  readonly retiredIn: OpenClawVersion;
  readonly effect: KeyEffect;
  /** Where the intent lives now, in words. */
  readonly replacement?: string;
  /** One sentence naming the release that changed it. */
  readonly reason: string;
}

export const KEY_HISTORY: readonly KeyHistory[] = [
  {
    path: 'agents.defaults.compaction.reserveTokensFloor',
    retiredIn: v('2026.8.0'),
    effect: 'rejected',
    reason: 'OpenClaw 2026.8 retired the numeric reserve knobs; the reserve is now min(20000, C/4).',
  },
  {
    path: 'agents.defaults.compaction.reserveTokens',
    retiredIn: v('2026.8.0'),
    effect: 'rejected',
    reason: 'OpenClaw 2026.8 retired the numeric reserve knobs; the reserve is now min(20000, C/4).',
  },
  {
    path: 'agents.defaults.compaction.maxHistoryShare',
    retiredIn: v('2026.8.0'),
    effect: 'rejected',
    reason: 'OpenClaw 2026.8 retired maxHistoryShare; history share is fixed at 0.5 internally.',
  },
  {
    path: 'agents.defaults.compaction.customInstructions',
    retiredIn: v('2026.8.0'),
    effect: 'rejected',
    replacement: 'a compaction-provider summarize() or a before_prompt_build hook',
    reason: 'OpenClaw 2026.8 removed customInstructions; summaries are shaped by a compaction provider or hook.',
  },
  {
    path: 'agents.defaults.compaction.identifierInstructions',
    retiredIn: v('2026.8.0'),
    effect: 'rejected',
    reason: 'OpenClaw 2026.8 removed identifierInstructions together with identifierPolicy "custom".',
  },
  {
    path: 'agents.defaults.compaction.truncateAfterCompaction',
    retiredIn: v('2026.8.0'),
    effect: 'rejected',
    reason: 'OpenClaw 2026.8 removed truncateAfterCompaction: the SQLite compactor keeps session identity.',
  },
  {
    path: 'agents.defaults.compaction.memoryFlush.prompt',
    retiredIn: v('2026.8.0'),
    effect: 'rejected',
    reason: 'OpenClaw 2026.8 removed memoryFlush.prompt; the flush prompt is built in.',
  },
  {
    path: 'agents.defaults.compaction.memoryFlush.systemPrompt',
    retiredIn: v('2026.8.0'),
    effect: 'rejected',
    reason: 'OpenClaw 2026.8 removed memoryFlush.systemPrompt; the flush prompt is built in.',
  },
  {
    path: 'agents.defaults.systemPromptOverride',
    retiredIn: v('2026.5.28'),
    effect: 'rejected',
    replacement: 'the agent:bootstrap or before_prompt_build hook',
    reason: 'OpenClaw 2026.5.28 removed systemPromptOverride: OpenClaw owns the generated system prompt.',
  },
  {
    path: 'agents.entries.*.systemPromptOverride',
    retiredIn: v('2026.5.28'),
    effect: 'rejected',
    replacement: 'the agent:bootstrap or before_prompt_build hook',
    reason: 'OpenClaw 2026.5.28 removed systemPromptOverride: OpenClaw owns the generated system prompt.',
  },
  {
    path: 'agents.list.*.systemPromptOverride',
    retiredIn: v('2026.5.28'),
    effect: 'rejected',
    replacement: 'the agent:bootstrap or before_prompt_build hook',
    reason: 'OpenClaw 2026.5.28 removed systemPromptOverride: OpenClaw owns the generated system prompt.',
  },
  {
    path: 'agents.defaults.contextTokens',
    retiredIn: v('2026.8.0'),
    effect: 'ignored',
    replacement: 'contextTokens on the model rows (models.providers.<id>.models[].contextTokens)',
    reason: 'OpenClaw 2026.8 moved the runtime budget to contextTokens on each model row and strips the global one.',
  },
  {
    path: 'agents.entries.*.contextTokens',
    retiredIn: v('2026.8.0'),
    effect: 'ignored',
    replacement: 'contextTokens on the model rows',
    reason: 'OpenClaw 2026.8 moved the runtime budget to contextTokens on each model row.',
  },
  {
    path: 'agents.list',
    retiredIn: v('2026.8.0'),
    effect: 'migrated',
    replacement: 'agents.entries (keyed by agent id)',
    reason: 'OpenClaw 2026.8 replaced the agents.list array with the keyed agents.entries map.',
  },
  // Two stages, newest first (the first entry that applies wins): 2026.4.26–2026.4.29 strip it at read
  // (a file with llm validates, even with an unknown key inside it); 2026.5.2 rejects it.
  {
    path: 'agents.defaults.llm',
    retiredIn: v('2026.5.2'),
    effect: 'rejected',
    replacement: 'models.providers.<id>.timeoutSeconds',
    reason: 'OpenClaw 2026.5.2 stopped stripping agents.defaults.llm at read and rejects it; timeouts live on the provider.',
  },
  {
    path: 'agents.defaults.llm',
    retiredIn: v('2026.4.26'),
    effect: 'ignored',
    replacement: 'models.providers.<id>.timeoutSeconds',
    reason: 'OpenClaw 2026.4.26 removed agents.defaults.llm (idleTimeoutSeconds) from the schema; timeouts live on the provider.',
  },
  ...(['keepLastAssistants', 'softTrimRatio', 'hardClearRatio', 'minPrunableToolChars', 'softTrim'] as const).map(
    (knob): KeyHistory => ({
      path: `agents.defaults.contextPruning.${knob}`,
      retiredIn: v('2026.8.0'),
      effect: 'rejected',
      replacement: 'contextPruning.mode, ttl, tools and hardClear',
      reason: `OpenClaw 2026.8 retired the contextPruning tuning knob ${knob}; built-in defaults apply.`,
    }),
  ),
  {
    path: 'agents.defaults.compaction.identifierPolicy',
    value: 'custom',
    retiredIn: v('2026.8.0'),
    effect: 'rejected',
    replacement: 'identifierPolicy "strict" (the default) or "off"',
    reason: 'OpenClaw 2026.8 removed identifierPolicy "custom" together with identifierInstructions.',
  },
];

/** Keys a release's schema does not have yet: older releases reject the whole file because of them. */
export interface KeyIntroduction {
  readonly path: string;
  /** First release whose schema has the key (`2026.8.0`: the 2026.8 line, as for retiredIn). */
  readonly introducedIn: OpenClawVersion;
  /** What to write instead on the older release, in words. */
  readonly before: string;
  /** One sentence naming the release that introduced it. */
  readonly reason: string;
}

export const KEY_INTRODUCTIONS: readonly KeyIntroduction[] = [
  {
    path: 'agents.entries',
    introducedIn: v('2026.8.0'),
    before: 'the agents.list array ([{ "id": "main", … }])',
    reason: 'OpenClaw 2026.8 introduced the keyed agents.entries map; earlier releases only know the agents.list array.',
  },
];

/** Each pattern split once: the rules ask about every key of the file. */
const SPLIT = new Map<string, readonly string[]>();

function matches(pattern: string, path: readonly (string | number)[]): boolean {
  let parts = SPLIT.get(pattern);
  if (!parts) SPLIT.set(pattern, (parts = pattern.split('.')));
  if (parts.length !== path.length) return false;
  return parts.every((p, i) => p === '*' || p === String(path[i]));
}

/**
 * The entries of a table whose pattern can match a path of this length and last key, in the table's order (the
 * first match wins). A 50 KB file asks three times per key; most keys' last segment is in no pattern at all.
 */
const CANDIDATES = new WeakMap<readonly { path: string }[], Map<string, readonly { path: string }[]>>();
function candidates<T extends { path: string }>(table: readonly T[], path: readonly (string | number)[]): readonly T[] {
  let byLast = CANDIDATES.get(table);
  if (!byLast) CANDIDATES.set(table, (byLast = new Map()));
  const last = String(path[path.length - 1]);
  const key = `${path.length}\0${last}`;
  let list = byLast.get(key);
  if (!list) {
    list = table.filter((k) => {
      let parts = SPLIT.get(k.path);
      if (!parts) SPLIT.set(k.path, (parts = k.path.split('.')));
      return parts.length === path.length && (parts[parts.length - 1] === '*' || parts[parts.length - 1] === last);
    });
    byLast.set(key, list);
  }
  return list as readonly T[];
}

/**
 * The history entry for this path (and value, for entries that retired one value), if retired as of `version`.
 * The value is asked for only when an entry retired one value at this path (it can be a whole subtree).
 */
export function retiredKey(path: readonly (string | number)[], version: OpenClawVersion, valueOf?: () => unknown): KeyHistory | undefined {
  return candidates(KEY_HISTORY, path).find((k) => matches(k.path, path) && (k.value === undefined || k.value === valueOf?.()) && atLeast(version, k.retiredIn));
}

/** The introduction entry for this path, if `version` predates the key. */
export function tooNewKey(path: readonly (string | number)[], version: OpenClawVersion): KeyIntroduction | undefined {
  return candidates(KEY_INTRODUCTIONS, path).find((k) => matches(k.path, path) && !atLeast(version, k.introducedIn));
}

/** The history entry for this path whatever the version (for explanations). */
export function keyHistory(path: readonly (string | number)[]): KeyHistory | undefined {
  return candidates(KEY_HISTORY, path).find((k) => matches(k.path, path));
}

/** Releases in which behaviour (not schema) changed. */
export const BEHAVIOUR = {
  /**
   * PR #77014 (2026.5.4) re-appends only BOOTSTRAP.md, and only while bootstrap is pending, after an override:
   * AGENTS.md, SOUL.md, USER.md, TOOLS.md and IDENTITY.md stay dropped on every release that accepts the key
   * (read in the 2026.5.27 package: buildAttemptSystemPrompt → appendAgentBootstrapSystemPromptSupplement,
   * isBootstrapContextFile = /BOOTSTRAP\.md$/). 2026.5.28 removed the key (retired-key reports it there).
   */
  systemPromptOverrideKeepsBootstrap: v('2026.5.4'),
  systemPromptOverrideRemoved: v('2026.5.28'),
  /** The new reserve formula R = min(20000, floor(C/4)) and the retirement of reserve knobs. */
  newReserveFormula: v('2026.8.0'),
  /** PR #65671: the legacy floor is capped at C - min(8000, C/2). */
  floorCapped: v('2026.4.13'),
  /** gpt-oss Harmony tool-call parsing: absent in 2026.5.7, present in 2026.5.12 for provider id `lmstudio` (npm has no 5.8–5.11). */
  harmonyToolCalls: v('2026.5.12'),
  /**
   * Overflow recovery summarizes with compaction.model even in mode "default": read in 2026.8.2's dist
   * (compactEmbeddedRunForRecovery); 2026.5.28's session answered the first overflow itself, with the primary.
   * The 2026.8 line stands for the boundary (no release between 5.28 and 8.2 was run).
   */
  overflowRecoveryUsesCompactor: v('2026.8.0'),
  /**
   * Between-turn compaction moved before the next turn and is preceded by a full-context memory-flush turn on the
   * primary unless memoryFlush.model is set (2026.9.6 run; 2026.8.2 compacts after the turn, no flush turn).
   */
  preTurnMemoryFlush: v('2026.9.0'),
  /** compaction.enabled: false also turns off the session's own auto-compaction (2026.9.6's dist; not read for 8.x). */
  compactionDisabledStopsSession: v('2026.9.0'),
  /** compaction.midTurnPrecheck is in the schema of 2026.5.28 and 2026.9.6 (the oldest release the tests run). */
  midTurnPrecheck: v('2026.5.28'),
} as const;
