import { atLeast, v, type OpenClawVersion } from './version.js';

/**
 * The limits at which OpenClaw gives up on a compaction or on a model that has not started answering, per release,
 * with the key that raises each. Read in the dists of 2026.9.6 and 2026.5.28 (the tool cache's packages); the
 * README's "timeout-near-limit" has the table. In OpenClaw 2026.9.6:
 *
 * - Every compaction (the session's auto-compaction, overflow recovery, the mid-turn precheck, between-turn
 *   maintenance, `/compact` and `sessions.compact`): `agents.defaults.compaction.timeoutSeconds`, default 180 s —
 *   `EMBEDDED_COMPACTION_TIMEOUT_MS = 18e4` and `resolveCompactionTimeoutMs` in `dist/diagnostic-*.mjs` (region
 *   `src/agents/embedded-agent-runner/compaction-safety-timeout.ts`), used by `compact-*.mjs`,
 *   `embedded-agent-*.mjs` and `cli-compaction-*.mjs`. One wall clock over the whole summary pipeline
 *   (openclaw#92043). 2026.5.28 has 900 s there (`attempt.tool-run-context-*.js`); PR #91361 (merged 2026-06-08)
 *   lowered it, so releases from 2026.6.8 (named by date) are taken to have 180 s.
 * - The auto-compaction wait: `aggregateTimeoutMs = 6e4` (60 s, no key) before `waitForCompactionRetryWithAggregateTimeout`
 *   in `dist/builtin-openclaw-*.mjs` (region `src/agents/embedded-agent-runner/run/attempt-stream-settle.ts`). It waits
 *   again while the compaction is still in flight (`isCompactionRetryStillActive`; 2026.5.28's `isCompactionStillInFlight`),
 *   so on these releases it cuts no running compaction (the 60 s aborts of openclaw#116122 and #94391): the compaction
 *   timeout above is the limit that does. Not judged here.
 * - A model's first event (prefill, first token): `resolveLlmFirstEventTimeoutMs` in `dist/builtin-openclaw-*.mjs`
 *   (region `src/agents/embedded-agent-runner/run/llm-idle-timeout.ts`): `LOCAL_LLM_FIRST_EVENT_TIMEOUT_MS = 3e5`
 *   (300 s) for a loopback, private-network or `.local` base URL or a self-hosted provider id (`ollama`, `lmstudio`,
 *   `vllm`, `sglang`, `llama-cpp`, or one of those with a `-suffix`), `CLOUD_LLM_FIRST_EVENT_TIMEOUT_MS` (120 s)
 *   otherwise; `models.providers.<id>.timeoutSeconds` replaces either (`resolveProviderRequestTimeoutMs` in
 *   `dist/prepared-model-runtime.plugin-generation-*.mjs`), bounded by the run's timeout (`openclaw agent --timeout`,
 *   default 600 s, or `agents.defaults.timeoutSeconds`). 2026.5.28 has no first-event watchdog: its stream idle
 *   watchdog (`DEFAULT_LLM_IDLE_TIMEOUT_MS = 120 * 1e3` in `selection-*.js`) caps every run with a timeout at 120 s
 *   of silence unless the provider's `timeoutSeconds` is set (openclaw#84063). 2026.9.0 stands for the boundary
 *   (no release between 5.28 and 9.6 was read).
 * - `models.providers.<id>.timeoutSeconds` itself: no default; when set it is also the whole request's timeout
 *   (`buildGuardedModelFetch` → `AbortSignal.timeout`, `dist/provider-transport-fetch-*.mjs`).
 * - `agents.defaults.timeoutSeconds`: the run's timeout, default 172800 s (`DEFAULT_AGENT_TIMEOUT_SECONDS`,
 *   `dist/timeout-*.mjs`); `openclaw agent` passes 600 s unless it is set.
 */

/** The compaction timeout's default fell from 900 s to 180 s (PR #91361, merged 2026-06-08; releases are named by date). */
export const COMPACTION_TIMEOUT_180 = v('2026.6.8');
/** The first-event watchdog with 300 s for local servers (2026.9.6); before it, a 120 s idle watchdog (2026.5.28). */
export const LOCAL_FIRST_EVENT_300 = v('2026.9.0');

export const COMPACTION_TIMEOUT_KEY = 'agents.defaults.compaction.timeoutSeconds';
export const AGENT_TIMEOUT_KEY = 'agents.defaults.timeoutSeconds';
export const providerTimeoutKey = (provider: string) => `models.providers.${provider}.timeoutSeconds`;

/** A limit in seconds, the key that raises it, and whether the config sets it or the release's default applies. */
export interface Limit {
  readonly seconds: number;
  readonly key: string;
  readonly source: 'config' | 'default';
  /** Where the default is written in the release, for the message. */
  readonly where: string;
}

/** The default compaction timeout of a release, in seconds. */
export function defaultCompactionTimeout(version: OpenClawVersion): number {
  return atLeast(version, COMPACTION_TIMEOUT_180) ? 180 : 900;
}

/** The compaction limit in force: `compaction.timeoutSeconds` when set (floored, as OpenClaw does), else the release's default. */
export function compactionLimit(version: OpenClawVersion, configured: number | undefined): Limit {
  if (configured !== undefined && Number.isFinite(configured) && configured > 0) return { seconds: Math.floor(configured), key: COMPACTION_TIMEOUT_KEY, source: 'config', where: COMPACTION_TIMEOUT_KEY };
  return { seconds: defaultCompactionTimeout(version), key: COMPACTION_TIMEOUT_KEY, source: 'default', where: `EMBEDDED_COMPACTION_TIMEOUT_MS (OpenClaw's compaction-safety-timeout)` };
}

const SELF_HOSTED = ['ollama', 'lmstudio', 'vllm', 'sglang', 'llama-cpp'];

/** OpenClaw 2026.9.6's isLocalProviderHostname and isExplicitLocalHostname, on a base URL. */
export function isLocalBaseUrl(baseUrl: string | undefined): boolean {
  let host: string;
  try {
    host = new URL(baseUrl ?? '').hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (['localhost', '0.0.0.0', '::1', '::ffff:7f00:1', '::ffff:127.0.0.1', 'docker.orb.internal', 'host.docker.internal', 'host.orb.internal'].includes(host) || host.endsWith('.local')) return true;
  if (/^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host)) return true;
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

/** OpenClaw 2026.9.6's isSelfHostedProviderId. */
export function isSelfHostedProvider(id: string): boolean {
  const p = id.trim().toLowerCase();
  return p !== 'ollama-cloud' && SELF_HOSTED.some((x) => p === x || p.startsWith(`${x}-`));
}

/**
 * How long OpenClaw waits for a model's first event (the prefill) on a provider before it aborts the request:
 * the provider's `timeoutSeconds` when set, else the release's watchdog; `agents.defaults.timeoutSeconds`, when set
 * and smaller, bounds both (a run cannot outlast it).
 */
export function firstTokenLimit(version: OpenClawVersion, provider: { id: string; baseUrl?: string; timeoutSeconds?: number }, agentTimeoutSeconds: number | undefined): Limit {
  let limit: Limit;
  if (provider.timeoutSeconds !== undefined && provider.timeoutSeconds > 0) limit = { seconds: Math.floor(provider.timeoutSeconds), key: providerTimeoutKey(provider.id), source: 'config', where: providerTimeoutKey(provider.id) };
  else if (!atLeast(version, LOCAL_FIRST_EVENT_300)) limit = { seconds: 120, key: providerTimeoutKey(provider.id), source: 'default', where: "DEFAULT_LLM_IDLE_TIMEOUT_MS (OpenClaw's stream idle watchdog)" };
  else if (isLocalBaseUrl(provider.baseUrl) || isSelfHostedProvider(provider.id)) limit = { seconds: 300, key: providerTimeoutKey(provider.id), source: 'default', where: "LOCAL_LLM_FIRST_EVENT_TIMEOUT_MS (OpenClaw's first-event watchdog for local servers)" };
  else limit = { seconds: 120, key: providerTimeoutKey(provider.id), source: 'default', where: "CLOUD_LLM_FIRST_EVENT_TIMEOUT_MS (OpenClaw's first-event watchdog)" };
  if (agentTimeoutSeconds !== undefined && agentTimeoutSeconds > 0 && Math.floor(agentTimeoutSeconds) < limit.seconds) {
    return { seconds: Math.floor(agentTimeoutSeconds), key: AGENT_TIMEOUT_KEY, source: 'config', where: AGENT_TIMEOUT_KEY };
  }
  return limit;
}

/** A measurement at or above this share of its limit is reported (the "within 80 %"). */
export const NEAR_LIMIT = 0.8;

/** Whether a measured p90 (seconds) lies within 80 % of a limit: the predicate of timeout-near-limit. */
export function nearLimit(p90Seconds: number, limitSeconds: number): boolean {
  return limitSeconds > 0 && p90Seconds >= NEAR_LIMIT * limitSeconds;
}

/** The value a fix sets: twice the measured p90, rounded up to 10 s, and never below the limit it replaces plus 10 s. */
export function headroomSeconds(p90Seconds: number, limitSeconds: number): number {
  return Math.max(Math.ceil((2 * p90Seconds) / 10) * 10, limitSeconds + 10);
}
