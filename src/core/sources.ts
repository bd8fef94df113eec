import fs from 'node:fs';
import os from 'node:os';
import { decodeText, parseDocument, type ConfigDocument } from './openclaw/document.js';
import { resolveIncludes } from './openclaw/includes.js';
import { buildModel, type Provider } from './openclaw/model.js';
import { NEWEST_KNOWN, type OpenClawVersion } from './openclaw/version.js';
import type { MachineFacts, Observation, VersionSource } from './observation.js';
import { isLocalServer, probeServer, serverRoot, type ProbeOptions } from './servers/probe.js';
import type { ServerState } from './servers/types.js';
import { readIfExists, sha256 } from './fsutil.js';

export interface ReadConfig {
  readonly doc: ConfigDocument;
  /** sha256 of the bytes read, for refusing writes when the file changed underneath. */
  readonly hash: string;
  readonly bytes: Uint8Array;
}

export class ConfigUnreadable extends Error {}

export function readConfig(file: string): ReadConfig {
  let bytes: Uint8Array | undefined;
  try {
    bytes = readIfExists(file);
  } catch (err) {
    throw new ConfigUnreadable(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (!bytes) throw new ConfigUnreadable(`${file} does not exist`);
  const { text, encoding } = decodeText(bytes);
  return { doc: parseDocument(file, text, encoding), hash: sha256(bytes), bytes };
}

export function machineFacts(): MachineFacts {
  return { totalMemoryBytes: os.totalmem(), cpus: os.cpus().length, platform: `${os.platform()} ${os.release()}` };
}

/** Providers worth probing: on this machine or the LAN, with a usable URL. Grouped by server root. */
export function probeTargets(providers: readonly Provider[]): Map<string, Provider[]> {
  const byRoot = new Map<string, Provider[]>();
  for (const p of providers) {
    if (!p.baseUrl || !isLocalServer(p.baseUrl)) continue;
    const root = serverRoot(p.baseUrl);
    if (!root) continue;
    byRoot.set(root, [...(byRoot.get(root) ?? []), p]);
  }
  return byRoot;
}

/** Probe each distinct local server once, in parallel; map results to provider ids. */
export async function probeProviders(providers: readonly Provider[], opts: ProbeOptions): Promise<Map<string, ServerState>> {
  const targets = probeTargets(providers);
  const out = new Map<string, ServerState>();
  await Promise.all(
    [...targets].map(async ([, ps]) => {
      const state = await probeServer(ps[0]!.baseUrl!, opts);
      for (const p of ps) out.set(p.id, { ...state, baseUrl: p.baseUrl! });
    }),
  );
  return out;
}

export interface ObserveInput {
  readonly doc: ConfigDocument;
  readonly version?: OpenClawVersion;
  readonly versionSource?: VersionSource;
  readonly runtimes?: ReadonlyMap<string, ServerState>;
  readonly machine?: MachineFacts;
  readonly includeRoots?: readonly string[];
}

/** Assemble an Observation from what was read; no network, only `$include` reads. */
export function buildObservation(input: ObserveInput): Observation {
  const config = resolveIncludes(input.doc, (f) => { try { return fs.readFileSync(f); } catch { return undefined; } }, input.includeRoots);
  return {
    config,
    model: buildModel(config.root),
    version: input.version ?? NEWEST_KNOWN,
    versionSource: input.version ? (input.versionSource ?? 'given') : 'assumed',
    runtimes: input.runtimes ?? new Map(),
    machine: input.machine ?? machineFacts(),
  };
}
