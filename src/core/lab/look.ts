import type { ProxyDecl } from './layer/proxy.js';
import { ConfigUnreadable, checkConfigFile, inspectServers, withUserProfiles, type CheckedFile } from '../sources.js';
import type { OpenClawVersion } from '../openclaw/version.js';
import type { ProfileDef, ProfileTarget } from '../profiles/types.js';
import type { ServerAction } from '../findings.js';
import type { ServerState } from '../servers/types.js';

/**
 * Where the lab's workflows read the world from, as each front end supplies it: the config file, the
 * OpenClaw executable, LM Studio's token (the CLI's environment, the editor's SecretStorage), the user's
 * profiles and the machine-scoped opt-ins. Everything else the workflows derive.
 */
export interface LabEnv {
  readonly configPath: string;
  /** The `openclaw` executable. */
  readonly openclaw: string;
  readonly lmStudioToken?: string;
  /** Per request, when reading what the servers loaded (default 1.5 s). */
  readonly inspectTimeoutMs?: number;
  /** The user's profiles; their import may depend on which provider is LM Studio. */
  readonly userProfiles?: (lmStudioProvider: string) => readonly ProfileDef[];
  readonly version?: OpenClawVersion;
  readonly allowHosted?: boolean;
  /** Record every model-server request of a dispatch (default on; CLI --no-wire, setting localAiLab.lab.wire). */
  readonly wire?: boolean;
  /** With the wire: sample the servers, their processes and memory every this many ms (default 1000; 0: off). */
  readonly sampleMs?: number;
  /** With the wire: keep request and response bodies, secrets redacted (CLI --wire-bodies, setting localAiLab.lab.wireBodies). */
  readonly wireBodies?: boolean;
  /** Declared compression proxies (machine setting localAiLab.lab.proxies, CLI --proxies FILE): lab run --proxy, the transport knob. */
  readonly proxies?: readonly ProxyDecl[];
  /** Server actions (loads, unloads); injected by tests, LM Studio's REST API otherwise. */
  readonly runAction?: (a: ServerAction, signal?: AbortSignal) => Promise<string>;
}

/** What the servers hold now, for the providers the config names. */
export function inspectFor(env: LabEnv, look: CheckedFile): Promise<Map<string, ServerState>> {
  return inspectServers(look.observation.model.providers, { timeoutMs: env.inspectTimeoutMs ?? 1500, lmStudioToken: env.lmStudioToken });
}

/**
 * One look at the config, the OpenClaw version and the servers through the same pipeline as `check`, with the
 * user's profiles resolved. A config that does not parse cannot be planned or run: ConfigUnreadable says where.
 */
export async function look(env: LabEnv): Promise<CheckedFile> {
  const first = await checkConfigFile({ configPath: env.configPath, openclaw: env.openclaw, version: env.version, servers: { inspect: { timeoutMs: env.inspectTimeoutMs ?? 1500, lmStudioToken: env.lmStudioToken } } });
  const e = first.read.doc.error;
  if (e) {
    const at = first.read.doc.index.rangeOf(e.span).start;
    throw new ConfigUnreadable(`${first.file}:${at.line + 1}:${at.character + 1}: the file does not parse as JSON5 (${e.message}); fix the syntax first`);
  }
  if (!env.userProfiles) return first;
  const lmProvider = first.observation.model.providers.find((p) => first.servers.get(p.id)?.kind === 'lmstudio')?.id ?? 'lmstudio';
  return withUserProfiles(first, env.userProfiles(lmProvider));
}

export class UnknownProfile extends Error {}

/** The profile named, as resolved against this look; the error says why a name does not resolve. */
export function profileTarget(c: CheckedFile, name: string): ProfileTarget {
  const t = c.profiles.targets.find((x) => x.name === name);
  if (t) return t;
  throw new UnknownProfile(c.profiles.problems.find((p) => p.name === name)?.message ?? `no profile "${name}" (have: ${c.profiles.targets.map((x) => x.name).join(', ')})`);
}
