
import os from 'node:os';
import { sha256 } from '../fsutil.js';
import { isEnvReference } from '../openclaw/document.js';
import { effectiveContext, thresholds } from '../openclaw/context.js';
import { findProvider, findRow, splitRef } from '../openclaw/model.js';
import { formatVersion } from '../openclaw/version.js';
import type { Observation } from '../observation.js';
import { requestText } from '../servers/http.js';
import { isLocalServer } from '../servers/address.js';
import { openAiDispatcher } from './dispatch/openai.js';
import { gatewayListening, OPENCLAW_MESSAGE_FILE_MAX, openclawDispatcher } from './dispatch/openclaw.js';
import type { Dispatcher } from './dispatch/types.js';
import { bootstrapMedianDifference, classify, summarize, wilson, type Interval } from './stats.js';
import { SCHEMA_VERSION, type DispatchRecord, type Environment, type Session } from './records/store.js';
import type { Workload } from './workloadSchema.js';
import { compactionCount, compactionList } from './dispatch/evidence.js';

export class LabPreflightError extends Error {}

/**
 * Environment variables an `apiKey: "${VAR}"` may be resolved from. OpenClaw substitutes any name matching
 * /^[A-Z_][A-Z0-9_]*$/ anywhere in a string; the lab is narrower, because it sends the result to a server:
 * only a value that is exactly one `${NAME}`, NAME in OpenClaw's pattern, and not a variable that describes
 * the machine or the session rather than holding a key (HOME, PATH, USER, SSH_AUTH_SOCK, XDG_*, LC_*, …).
 * Anything else resolves to no key at all.
 */
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const NOT_SECRETS = new Set([
  'HOME', 'PATH', 'USER', 'USERNAME', 'LOGNAME', 'SHELL', 'PWD', 'OLDPWD', 'TMPDIR', 'TMP', 'TEMP', 'HOSTNAME', 'HOST', 'LANG', 'LANGUAGE',
  'TERM', 'DISPLAY', 'MAIL', 'EDITOR', 'VISUAL', 'PAGER', 'SHLVL', 'UID', 'EUID', 'PPID', 'SSH_AUTH_SOCK', 'SSH_AGENT_PID', 'SSH_CONNECTION',
  'SSH_CLIENT', 'SSH_TTY', 'GPG_AGENT_INFO', 'DBUS_SESSION_BUS_ADDRESS', 'WAYLAND_DISPLAY', 'NODE_OPTIONS', 'NODE_PATH', 'LD_PRELOAD',
  'LD_LIBRARY_PATH', 'DYLD_LIBRARY_PATH', 'OPENCLAW_CONFIG_PATH', 'OPENCLAW_STATE_DIR', 'OPENCLAW_HOME',
]);
const NOT_SECRET_PREFIXES = ['XDG_', 'LC_', 'VSCODE_', 'ELECTRON_', 'TERM_', 'GIT_', 'NPM_CONFIG_'];

export function resolvableEnvName(name: string): boolean {
  return ENV_NAME.test(name) && !NOT_SECRETS.has(name) && !NOT_SECRET_PREFIXES.some((p) => name.startsWith(p));
}

/** A provider's apiKey as the lab sends it: a literal, or one `${NAME}` that resolvableEnvName allows. */
export function resolveApiKey(value: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!value) return undefined;
  if (!isEnvReference(value) && !value.includes('${')) return value;
  const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value.trim());
  if (!m || !resolvableEnvName(m[1]!)) return undefined;
  return env[m[1]!] || undefined;
}

export interface TargetOptions {
  /** Machine-scoped opt-in (setting localAiLab.lab.allowHostedEndpoints, CLI --allow-hosted). */
  readonly allowHosted?: boolean;
}

/** The OpenAI-compatible endpoint a workload's model is served from, per openclaw.json. */
export function openAiTarget(obs: Observation, w: Workload, opts: TargetOptions = {}): { baseUrl: string; model: string; apiKey?: string; ref: string } {
  const ref = w.model ?? obs.model.refs.find((r) => r.role === 'primary')?.ref;
  if (!ref) throw new LabPreflightError('the workload names no model and openclaw.json has no primary; set workload.model ("provider/model")');
  const parts = splitRef(ref)!;
  const p = findProvider(obs.model, parts.providerId);
  if (!p?.baseUrl) throw new LabPreflightError(`provider "${parts.providerId}" has no baseUrl in openclaw.json; the openai dispatcher needs one`);
  // The same locality rule as the probes: the lab measures local servers, and sends a hosted API nothing.
  if (!isLocalServer(p.baseUrl) && !opts.allowHosted) {
    throw new LabPreflightError(
      `provider "${parts.providerId}" is at ${p.baseUrl}, which is not on this machine or the local network; the lab runs only against local servers unless you allow hosted endpoints on this machine (setting localAiLab.lab.allowHostedEndpoints, CLI --allow-hosted)`,
    );
  }
  const key = p.node.members.find((m) => m.key === 'apiKey')?.value;
  const apiKey = key?.kind === 'string' ? resolveApiKey(key.value as string) : undefined;
  return { baseUrl: p.baseUrl.replace(/\/+$/, ''), model: parts.modelId, apiKey, ref };
}

/** Fails in about 2 s with what to start, instead of a runtime's long retries. */
export async function preflight(baseUrl: string, signal?: AbortSignal): Promise<void> {
  const r = await requestText(`${baseUrl}/models`, { timeoutMs: 2000, signal });
  if (!r.ok && (r.failure.kind === 'unreachable' || r.failure.kind === 'timeout')) {
    throw new LabPreflightError(`nothing answers at ${baseUrl} (${r.failure.message}). Start the model server (LM Studio: lms server start), then run the lab again.`);
  }
}

/**
 * Where compaction should fire for `modelRef` (default: the primary) by the installed release's math — the
 * same code as the hover: C − R, and the memory flush before it.
 */
export function predictedCompaction(obs: Observation, modelRef?: string): Environment['compactionThreshold'] {
  const ref = modelRef ?? obs.model.refs.find((r) => r.role === 'primary')?.ref;
  const parts = ref ? splitRef(ref) : undefined;
  if (!ref || !parts) return null;
  const row = findRow(obs.model, parts.providerId, parts.modelId);
  const eff = effectiveContext(row, obs.version, obs.model.legacyContextTokens);
  const t = thresholds(eff.tokens, obs.version, obs.model.compaction, row?.contextWindow?.value);
  return { model: ref, contextTokens: t.contextTokens, reserveTokens: t.reserveTokens, compactAt: t.compactAt, memoryFlushAt: t.memoryFlushAt, formula: `C − R, ${t.reserveFormula}` };
}

export function environmentSnapshot(obs: Observation, configBytes: Uint8Array | undefined, profile: string | undefined, endpoint?: string, modelRef?: string): Environment {
  const loaded: Environment['loadedModels'] = [];
  for (const [provider, s] of obs.runtimes) for (const m of s.loaded) loaded.push({ provider, id: m.identifier, context: m.loadedContextLength ?? null });
  return {
    configPath: obs.config.doc.file,
    configSha256: configBytes ? sha256(configBytes) : null,
    profile: profile ?? null,
    openclawVersion: obs.versionSource === 'assumed' ? null : formatVersion(obs.version),
    loadedModels: loaded,
    machine: { memoryBytes: os.totalmem(), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', os: `${os.platform()} ${os.release()} ${os.arch()}` },
    endpoint: endpoint ?? null,
    compactionThreshold: predictedCompaction(obs, modelRef),
  };
}

export function newSession(id: string, w: Workload, prompt: string, repeats: number, env: Environment): Session {
  return { schemaVersion: SCHEMA_VERSION, id, workload: { ...w, repeats }, prompt, repeats, environment: env, startedAt: new Date().toISOString(), endedAt: null, status: 'running' };
}

export interface DispatchContext {
  readonly sessionId: string;
  readonly configPath: string;
  readonly openclawExecutable: string;
  /** Resolved before the run: 'auto' becomes whichever is available. */
  readonly transport?: 'local' | 'gateway';
}

/** The Gateway's port: gateway.port in openclaw.json, else OPENCLAW_GATEWAY_PORT, else 18789. */
export function gatewayPort(obs: Observation): number {
  const gw = obs.config.root?.kind === 'object' ? obs.config.root.members.find((m) => m.key === 'gateway')?.value : undefined;
  const port = gw?.kind === 'object' ? gw.members.find((m) => m.key === 'port')?.value : undefined;
  if (port?.kind === 'number') return port.value as number;
  const env = Number(process.env.OPENCLAW_GATEWAY_PORT);
  return Number.isInteger(env) && env > 0 ? env : 18789;
}

/** 'auto' → the Gateway when its port answers, else embedded; recorded on every dispatch. */
export async function resolveTransport(w: Workload, obs: Observation): Promise<'local' | 'gateway'> {
  if (w.dispatcher !== 'openclaw' || w.transport === 'local') return 'local';
  if (w.transport === 'gateway') return 'gateway';
  return (await gatewayListening(gatewayPort(obs))) ? 'gateway' : 'local';
}

export function dispatcherFor(w: Workload, prompt: string, target: { baseUrl: string; model: string; apiKey?: string }, ctx: DispatchContext): Dispatcher {
  if (w.dispatcher === 'openclaw') {
    // Long prompts go through --message-file (an argument over 128 KiB fails with spawn E2BIG), which
    // OpenClaw caps at 4 MiB: refuse larger ones before the first dispatch instead of failing six times.
    const bytes = Buffer.byteLength(prompt, 'utf8');
    if (bytes > OPENCLAW_MESSAGE_FILE_MAX) {
      throw new LabPreflightError(`the prompt is ${(bytes / 1048576).toFixed(1)} MiB; openclaw agent reads at most 4 MiB (--message-file). Shorten it, or use the openai dispatcher`);
    }
    return openclawDispatcher({
      executable: ctx.openclawExecutable,
      prompt,
      agent: w.agent ?? 'main',
      model: w.model,
      sessionPrefix: `lab-${ctx.sessionId}`,
      timeoutMs: w.timeoutSeconds * 1000,
      env: { OPENCLAW_CONFIG_PATH: ctx.configPath },
      transport: ctx.transport ?? 'local',
      maxOutputBytes: w.maxOutputBytes,
    });
  }
  return openAiDispatcher(target, prompt, { timeoutMs: w.timeoutSeconds * 1000, maxTokens: w.maxTokens, maxOutputBytes: w.maxOutputBytes });
}

/** How the dispatches of one cluster went about the work (strategy counts only dispatches that recorded turns). */
export interface ClusterEvidence {
  /** 'all' without a split; 'outlier' for a single far-slower dispatch. */
  readonly cluster: 'fast' | 'slow' | 'all' | 'outlier';
  readonly n: number;
  readonly stepByStep: number;
  readonly allAtOnce: number;
  readonly compactions: number;
}

/** Seconds per compaction for one summarizing model: the compaction tax. */
export interface CompactionTax {
  readonly model: string;
  /** Compactions with a recorded duration. */
  readonly n: number;
  readonly medianSeconds: number;
}

export interface SessionSummary {
  readonly n: number;
  readonly completed: Interval;
  readonly seconds: ReturnType<typeof summarize>;
  readonly split: ReturnType<typeof classify>;
  readonly compactions: number;
  readonly ttftMs?: number;
  readonly tokensPerSecond?: number;
  readonly clusters: ClusterEvidence[];
  readonly compactionTax: CompactionTax[];
  /** Tokens before each threshold compaction (or one whose trigger was not reported): where it really fired. */
  readonly compactionTokensBefore?: { readonly median: number; readonly n: number };
}

function clusterEvidence(d: readonly DispatchRecord[], split: ReturnType<typeof classify>): ClusterEvidence[] {
  const slow = new Set(split.slow);
  const outliers = new Set(split.outliers);
  const groupOf = (r: DispatchRecord): ClusterEvidence['cluster'] => (outliers.has(r.wallMs / 1000) ? 'outlier' : !split.split ? 'all' : slow.has(r.wallMs / 1000) ? 'slow' : 'fast');
  const order: ClusterEvidence['cluster'][] = split.split ? ['fast', 'slow'] : ['all', 'outlier'];
  return order
    .map((cluster) => {
      const rs = d.filter((r) => groupOf(r) === cluster);
      return {
        cluster,
        n: rs.length,
        stepByStep: rs.filter((r) => r.strategy === 'step-by-step').length,
        allAtOnce: rs.filter((r) => r.strategy === 'all-at-once').length,
        compactions: rs.reduce((n, r) => n + compactionCount(r), 0),
      };
    })
    .filter((c) => c.n > 0);
}

function observedTrigger(d: readonly DispatchRecord[]): SessionSummary['compactionTokensBefore'] {
  const xs = d.flatMap((r) => compactionList(r).filter((c) => c.trigger === null || c.trigger === 'threshold').flatMap((c) => (c.tokensBefore === null ? [] : [c.tokensBefore])));
  return xs.length ? { median: summarize(xs)!.median, n: xs.length } : undefined;
}

/** Median seconds per compaction, per summarizing model, over the compactions whose duration was recorded. */
export function compactionTax(d: readonly DispatchRecord[]): CompactionTax[] {
  const byModel = new Map<string, number[]>();
  for (const r of d) for (const c of compactionList(r)) {
    if (c.durationMs === null || !Number.isFinite(c.durationMs)) continue;
    const key = c.model ?? 'unknown model';
    byModel.set(key, [...(byModel.get(key) ?? []), c.durationMs / 1000]);
  }
  return [...byModel].map(([model, xs]) => ({ model, n: xs.length, medianSeconds: summarize(xs)!.median })).sort((a, b) => a.model.localeCompare(b.model));
}

/** Statistics over the completed and failed dispatches alike (time is time); completion is its own figure. */
export function summarizeSession(d: readonly DispatchRecord[]): SessionSummary {
  const secs = d.map((r) => r.wallMs / 1000);
  const med = (xs: number[]) => (xs.length ? summarize(xs)!.median : undefined);
  const split = classify(secs);
  return {
    n: d.length,
    completed: wilson(d.filter((r) => r.completed).length, d.length),
    seconds: summarize(secs),
    split,
    clusters: clusterEvidence(d, split),
    compactionTax: compactionTax(d),
    compactionTokensBefore: observedTrigger(d),
    compactions: d.reduce((n, r) => n + compactionCount(r), 0),
    ttftMs: med(d.flatMap((r) => (r.ttftMs == null ? [] : [r.ttftMs]))),
    tokensPerSecond: med(d.flatMap((r) => (r.tokensPerSecond == null ? [] : [r.tokensPerSecond]))),
  };
}

export function compareSessions(a: readonly DispatchRecord[], b: readonly DispatchRecord[]) {
  const sa = summarizeSession(a);
  const sb = summarizeSession(b);
  const rate = (s: SessionSummary) => (s.split.split ? s.split.slow.length / s.n : 0);
  return {
    medianSeconds: a.length && b.length ? bootstrapMedianDifference(a.map((r) => r.wallMs / 1000), b.map((r) => r.wallMs / 1000)) : null,
    slowRate: { a: rate(sa), b: rate(sb), difference: rate(sb) - rate(sa) },
    completion: { a: sa.completed.value, b: sb.completed.value, difference: sb.completed.value - sa.completed.value },
    summaries: { a: sa, b: sb },
  };
}


