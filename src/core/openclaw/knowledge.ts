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
  /** First release whose schema no longer has the key. */
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
  {
    path: 'agents.defaults.llm',
    retiredIn: v('2026.8.0'),
    effect: 'rejected',
    replacement: 'models.providers.<id>.timeoutSeconds',
    reason: 'OpenClaw 2026.8 removed agents.defaults.llm; HTTP timeouts live on the provider.',
  },
];

function matches(pattern: string, path: readonly (string | number)[]): boolean {
  const parts = pattern.split('.');
  if (parts.length !== path.length) return false;
  return parts.every((p, i) => p === '*' || p === String(path[i]));
}

/** The history entry for this path, if the key is retired as of `version`. */
export function retiredKey(path: readonly (string | number)[], version: OpenClawVersion): KeyHistory | undefined {
  return KEY_HISTORY.find((k) => matches(k.path, path) && atLeast(version, k.retiredIn));
}

/** The history entry for this path whatever the version (for explanations). */
export function keyHistory(path: readonly (string | number)[]): KeyHistory | undefined {
  return KEY_HISTORY.find((k) => matches(k.path, path));
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
} as const;
