
import os from 'node:os';
import { stateEnvFor } from '../openclaw/locate.js';
import { validateConfig } from '../openclaw/cli.js';
import { millis } from '../units.js';
import { sha256 } from '../fsutil.js';
import { isEnvReference, toValue } from '../openclaw/document.js';
import { effectiveContext, thresholds } from '../openclaw/context.js';
import { findProvider, findRow, splitRef } from '../openclaw/model.js';
import { formatVersion } from '../openclaw/version.js';
import type { Observation } from '../observation.js';
import { requestText } from '../servers/http.js';
import { credentialsRefusal, hasUrlCredentials, isLocalServer, isSingleLabelHost, redactCredentials } from '../servers/address.js';
import { openAiDispatcher } from './dispatch/openai.js';
import { gatewayListening, OPENCLAW_MESSAGE_FILE_MAX, openclawDispatcher } from './dispatch/openclaw.js';
import type { Dispatcher } from './dispatch/types.js';
import { newSessionId, SCHEMA_VERSION, type DispatchRecord, type Environment, type Session } from './records/store.js';
import { ProxyStartError, type ProxyDecl } from './layer/proxy.js';
import { runSession, type RunOptions } from './dispatch/runner.js';
import type { CheckedFile } from '../sources.js';
import type { LabEnv } from './look.js';
import { openWire, type WireSession } from './wire/attach.js';
import { GrowFolderRefused, growPlan, isGrowContext, withGrowFiles } from './dispatch/growContext.js';
import { workspaceFromConfig } from './experiments/promptSections.js';
import type { Workload } from './workloadSchema.js';

export class LabPreflightError extends Error {}

/** The installed OpenClaw rejects the config: an experiment would only measure that. The editor offers Make Config Valid. */
export class ConfigRejected extends LabPreflightError {}

let lastAccepted: string | undefined;

/**
 * Before anything runs through OpenClaw: does it accept the config? A rejected file made every dispatch fail and
 * a probe report an empty matrix, the cause buried. An OpenClaw that cannot be asked lets the run say so itself.
 */
export async function configAccepted(env: LabEnv, look: CheckedFile, signal?: AbortSignal): Promise<void> {
  // The experiment checks first, the arm's endpoint again: the same bytes are not judged twice in a row.
  const key = `${env.openclaw}\0${look.file}\0${look.read.hash}`;
  if (key === lastAccepted) return;
  let v;
  try {
    v = await validateConfig(env.openclaw, look.file, { timeoutMs: millis(60_000), signal, env: stateEnvFor(look.file) });
  } catch {
    return;
  }
  if (v.valid || !v.issues.length) return void (lastAccepted = key);
  const first = v.issues[0]!;
  const more = v.issues.length > 1 ? ` (and ${v.issues.length - 1} more)` : '';
  throw new ConfigRejected(
    `OpenClaw ${formatVersion(look.observation.version)} rejects ${look.file}, so nothing was run: ${first.path && first.path !== '<root>' ? `${first.path}: ` : ''}${first.message}${more}. ` +
      `Fix it first: Make Config Valid in the editor, or local-ai-lab migrate --config ${JSON.stringify(look.file)}.`,
  );
}

/**
 * The experiment driver's first check for a workload: OpenClaw's validator when the workload runs through OpenClaw
 * (a probe always does), before any profile is applied; nothing for the OpenAI-compatible dispatcher, which does not.
 */
export function acceptsFor(env: LabEnv, workload: Pick<Workload, 'dispatcher'>): ((first: CheckedFile, signal: AbortSignal) => Promise<void>) | undefined {
  return workload.dispatcher === 'openclaw' ? (first, signal) => configAccepted(env, first, signal) : undefined;
}

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
  if (hasUrlCredentials(p.baseUrl)) throw new LabPreflightError(`provider "${parts.providerId}": ${credentialsRefusal(p.baseUrl)}`);
  // The same locality rule as the probes: the lab measures local servers, and sends a hosted API nothing.
  if (!isLocalServer(p.baseUrl) && !opts.allowHosted) {
    throw new LabPreflightError(
      `provider "${parts.providerId}" is at ${redactCredentials(p.baseUrl)}, which is not on this machine or the local network; the lab runs only against local servers unless you allow hosted endpoints on this machine (setting localAiLab.lab.allowHostedEndpoints, CLI --allow-hosted)`,
    );
  }
  const key = p.node.members.find((m) => m.key === 'apiKey')?.value;
  const written = key?.kind === 'string' ? (key.value as string) : undefined;
  if (written?.includes('${') && isSingleLabelHost(p.baseUrl) && !opts.allowHosted) {
    throw new LabPreflightError(
      `provider "${parts.providerId}" is at ${redactCredentials(p.baseUrl)}, a one-label host name that the resolver's search domains may turn into a host outside this network, and its apiKey comes from the environment (${written}); the lab does not send such a key there. Use the server's address or a .local name, or allow hosted endpoints on this machine (setting localAiLab.lab.allowHostedEndpoints, CLI --allow-hosted)`,
    );
  }
  const apiKey = written !== undefined ? resolveApiKey(written) : undefined;
  return { baseUrl: p.baseUrl.replace(/\/+$/, ''), model: parts.modelId, apiKey, ref };
}

/** Fails in about 2 s with what to start, instead of a runtime's long retries. */
export async function preflight(baseUrl: string, signal?: AbortSignal): Promise<void> {
  const r = await requestText(`${baseUrl}/models`, { timeoutMs: 2000, signal });
  if (!r.ok && (r.failure.kind === 'unreachable' || r.failure.kind === 'timeout')) {
    throw new LabPreflightError(`nothing answers at ${redactCredentials(baseUrl)} (${redactCredentials(r.failure.message)}). Start the model server (LM Studio: lms server start), then run the lab again.`);
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
    compactor: obs.model.refs.find((r) => r.role === 'compaction')?.ref ?? null,
    compactionThreshold: predictedCompaction(obs, modelRef),
  };
}

export function newSession(id: string, w: Workload, prompt: string, repeats: number, env: Environment): Session {
  // A prompt file may hold what should not sit in a record (a folder shared, a repository pushed): only its hash.
  const text = w.promptFile ? { promptSha256: sha256(prompt) } : { prompt };
  return { schemaVersion: SCHEMA_VERSION, id, workload: { ...w, repeats }, ...text, repeats, environment: env, startedAt: new Date().toISOString(), endedAt: null, status: 'running' };
}

export interface DispatchContext {
  readonly sessionId: string;
  readonly configPath: string;
  readonly openclawExecutable: string;
  /** Resolved before the run: 'auto' becomes whichever is available. */
  readonly transport?: 'local' | 'gateway';
  /** More environment for OpenClaw (the wire's private config: OPENCLAW_CONFIG_PATH, OPENCLAW_INCLUDE_ROOTS). */
  readonly env?: Record<string, string>;
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
      env: { OPENCLAW_CONFIG_PATH: ctx.configPath, ...ctx.env },
      transport: ctx.transport ?? 'local',
      maxOutputBytes: w.maxOutputBytes,
    });
  }
  return openAiDispatcher(target, prompt, { timeoutMs: w.timeoutSeconds * 1000, maxTokens: w.maxTokens, maxOutputBytes: w.maxOutputBytes });
}

/**
 * The workload's model endpoint, checked in about two seconds (OpenClaw retries an unreachable server for ~90 s;
 * LabPreflightError says what to start), and the transport an OpenClaw dispatch will use. Labs and probes alike.
 */
export async function endpointReady(env: LabEnv, look: CheckedFile, workload: Workload, signal?: AbortSignal): Promise<{ target: ReturnType<typeof openAiTarget>; transport: 'local' | 'gateway' }> {
  const target = openAiTarget(look.observation, workload, { allowHosted: env.allowHosted });
  if (workload.dispatcher === 'openclaw') await configAccepted(env, look, signal);
  await preflight(target.baseUrl, signal);
  return { target, transport: await resolveTransport(workload, look.observation) };
}

export interface LabRunOptions {
  readonly env: LabEnv;
  /** The look the session runs on (its config bytes are what the session records and OpenClaw reads). */
  readonly look: CheckedFile;
  readonly workload: Workload;
  readonly prompt: string;
  readonly n: number;
  /** The lab folder (`.local-ai-lab`). */
  readonly root: string;
  /** Where a verify command runs. */
  readonly cwd: string;
  readonly signal: AbortSignal;
  /** The profile label the session records; undefined: the profile recorded as in force. */
  readonly profile?: string;
  /** Set when the lab applied the profile: what was in force before (null: none recorded). */
  readonly profileBefore?: string | null;
  readonly note?: string;
  /** Continue this session instead of starting one. */
  readonly resume?: Session;
  /** The session exists (before its first dispatch): the editor opens its panel. */
  readonly onSession?: (s: Session) => void;
  readonly onStart?: RunOptions['onStart'];
  readonly onDispatch?: RunOptions['onDispatch'];
  /** Put this declared compression proxy (started fresh for the session) between the dispatcher and the server. */
  readonly proxy?: ProxyDecl;
}

/**
 * The one way a lab session starts, for Run Lab, a sweep's arm and resume alike: the model's endpoint checked in
 * about two seconds (not OpenClaw's ninety), the environment recorded, the transport resolved, then the runner.
 */
export async function runLab(o: LabRunOptions): Promise<{ session: Session; dispatches: DispatchRecord[] }> {
  const obs = o.look.observation;
  const { target, transport } = await endpointReady(o.env, o.look, o.workload, o.signal);
  const session =
    o.resume ??
    newSession(newSessionId(o.workload.name), o.workload, o.prompt, o.n, {
      ...environmentSnapshot(obs, o.look.read.bytes, o.profile ?? o.look.input.lastApplied, target.baseUrl, target.ref),
      ...(o.profileBefore !== undefined ? { profileBefore: o.profileBefore } : {}),
    });
  const noted = o.note && !o.resume ? { ...session, note: o.note } : session;
  // The wire: a recorder in front of each server the dispatch uses; every figure it gives came across it.
  let wire: WireSession | undefined;
  // The layer diff needs both sides of the proxy: a proxy without the wire would measure nothing it claims.
  if (o.proxy && o.env.wire === false) throw new LabPreflightError(`the proxy ${o.proxy.name} is measured on the wire: run without --no-wire (setting localAiLab.lab.wire)`);
  if (o.proxy && transport === 'gateway') throw new LabPreflightError(`the proxy ${o.proxy.name} sits between OpenClaw and the server, and a running Gateway reads its own config: set the workload's "transport": "local"`);
  if (o.env.wire !== false) {
    try {
      wire = await openWire({ look: o.look, workload: o.workload, target, transport, root: o.root, sessionId: noted.id, gatewayPort: gatewayPort(obs), sampleMs: o.env.sampleMs, lmStudioToken: o.env.lmStudioToken, bodies: o.env.wireBodies, proxy: o.proxy, facts: o.workload.facts, signal: o.signal });
    } catch (err) {
      if (err instanceof ProxyStartError) throw new LabPreflightError(err.message);
      throw new LabPreflightError(`the wire recorder could not start (${(err as Error).message}); run without it with --no-wire (setting localAiLab.lab.wire)`);
    }
  }
  const started: Session = wire ? { ...noted, environment: { ...noted.environment, wire: { recorded: true, notes: [...wire.notes] }, ...(o.proxy ? { proxy: { name: o.proxy.name, command: [...o.proxy.command] } } : {}) } } : noted;
  o.onSession?.(started);
  let grow: ReturnType<typeof withGrowFiles> | undefined;
  try {
    const dispatcher = dispatcherFor(o.workload, o.prompt, wire?.baseUrl ? { ...target, baseUrl: wire.baseUrl } : target, {
      sessionId: started.id,
      configPath: wire?.config?.file ?? o.look.file,
      // OpenClaw's state for the user's config (not the wire's private copy): never the OpenClaw home of another config.
      env: { ...stateEnvFor(o.look.file), ...wire?.config?.env },
      openclawExecutable: o.env.openclaw,
      transport,
    });
    // The built-in that compacts: its files, sized from this session's C and R, written before each clock starts.
    grow = growSetup(o, target.ref, dispatcher);
    const inner = grow ?? dispatcher;
    return await runSession({ root: o.root, session: started, dispatcher: wire ? wire.wrap(inner) : inner, signal: o.signal, cwd: o.cwd, onStart: o.onStart, onDispatch: o.onDispatch });
  } finally {
    grow?.dispose();
    await wire?.close();
  }
}

/**
 * The grow-context built-in's per-dispatch files (dispatch/growContext.ts) around `dispatcher`, or undefined for every
 * other workload. Sized from the model's C and R as predictedCompaction computes them; written into the agent's
 * workspace as the config names it (the user's config, not the wire's copy: the same folder either way).
 */
function growSetup(o: LabRunOptions, modelRef: string, dispatcher: Dispatcher): ReturnType<typeof withGrowFiles> | undefined {
  if (!isGrowContext(o.workload)) return undefined;
  const t = predictedCompaction(o.look.observation, modelRef);
  if (!t) throw new LabPreflightError(`grow-context sizes its files from the model's context, and ${modelRef} has none the lab can compute`);
  const workspace = workspaceFromConfig(toValue(o.look.read.doc.root), o.workload.agent ?? 'main', { ...process.env, ...stateEnvFor(o.look.file) });
  const grown = withGrowFiles(dispatcher, { workspace, plan: growPlan(t.contextTokens, t.reserveTokens) });
  const prepare = grown.prepare!;
  grown.prepare = async () => {
    try {
      await prepare();
    } catch (err) {
      throw err instanceof GrowFolderRefused ? new LabPreflightError(err.message) : err;
    }
  };
  return grown;
}
