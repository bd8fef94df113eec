import { inspectServer, readLoaded } from '../../servers/inspect.js';
import type { RuntimeKind } from '../../servers/types.js';
import { isOnThisMachine, machineMemory, PortWatcher, portOf } from './host.js';
import { TELEMETRY_SCHEMA_VERSION, type TelemetryRecord } from './telemetry.js';

export interface SamplerOptions {
  /** The model servers the dispatches use (base URLs as the config names them, without the recorder). */
  readonly servers: readonly string[];
  /** Default 1000 ms. */
  readonly intervalMs?: number;
  /** The dispatch running now (null between dispatches). */
  readonly dispatch: () => number | null;
  /** The Gateway's port when a Gateway serves the dispatches. */
  readonly gatewayPort?: number;
  readonly lmStudioToken?: string;
  readonly onRecord: (r: TelemetryRecord) => void;
}

export interface Sampler {
  readonly intervalMs: number;
  /** Stops the timer and waits for a sample in flight. */
  close(): Promise<void>;
}

export const DEFAULT_SAMPLE_MS = 1000;

/**
 * Samples, every interval, what each server has loaded and at which context (its REST API only: never `lms ps`,
 * which can start LM Studio), the server process's memory and CPU where it runs on this machine, the machine's
 * memory, and the Gateway's process. A tick that would overlap the previous one is skipped: the silence then
 * shows in the timeline as a gap, which is what it was.
 */
export async function startSampler(o: SamplerOptions): Promise<Sampler> {
  const intervalMs = Math.max(100, o.intervalMs ?? DEFAULT_SAMPLE_MS);
  const timeoutMs = Math.min(2000, intervalMs);
  const stamp = () => ({ schemaVersion: TELEMETRY_SCHEMA_VERSION as 1, t: new Date().toISOString(), dispatch: o.dispatch() });
  // The kind is found once (five requests); each sample then costs one request per server.
  // undefined: not reached yet (asked again next tick); null: it answered, but not as a model server we can read.
  const kinds = new Map<string, RuntimeKind | null | undefined>();
  const identify = async (s: string) => {
    const st = await inspectServer(s, { timeoutMs, lmStudioToken: o.lmStudioToken });
    kinds.set(s, st.kind ?? (st.status === 'unreachable' ? undefined : null));
  };
  await Promise.all(o.servers.map(identify));
  const watchers = new Map<string, PortWatcher>();
  for (const s of o.servers) {
    const port = portOf(s);
    if (port !== null && isOnThisMachine(s)) watchers.set(s, new PortWatcher(port));
  }
  const gateway = o.gatewayPort ? new PortWatcher(o.gatewayPort) : undefined;
  o.onRecord({ ...stamp(), kind: 'sampler', intervalMs, servers: [...o.servers] });

  const sample = async () => {
    const at = stamp();
    const jobs: Promise<void>[] = [];
    for (const s of o.servers) {
      jobs.push(
        (async () => {
          // A server that was down at the start is identified once it answers.
          if (kinds.get(s) === undefined) await identify(s);
          const kind = kinds.get(s);
          if (!kind) return o.onRecord({ ...at, kind: 'loaded', server: s, status: kind === null ? 'unreadable' : 'unreachable', models: null });
          const st = await readLoaded(s, kind, { timeoutMs, lmStudioToken: o.lmStudioToken });
          o.onRecord({
            ...at,
            kind: 'loaded',
            server: s,
            status: st.status,
            models: st.status === 'ok' && st.knowsLoaded !== false ? st.loaded.map((m) => ({ id: m.identifier, context: m.loadedContextLength ?? null })) : null,
            ...(st.detail ? { detail: st.detail } : {}),
          });
        })(),
      );
      const w = watchers.get(s);
      if (w) jobs.push(w.sample().then((p) => o.onRecord({ ...at, kind: 'process', server: s, ...p })));
    }
    jobs.push(
      machineMemory().then((m) => {
        if (m) o.onRecord({ ...at, kind: 'memory', ...m, usedPct: Math.round((1 - m.availableBytes / m.totalBytes) * 1000) / 10 });
      }),
    );
    if (gateway) jobs.push(gateway.sample().then((p) => o.onRecord({ ...at, kind: 'gateway', port: gateway.port, pid: p.pid, socket: p.socket })));
    await Promise.all(jobs.map((j) => j.catch(() => undefined)));
  };

  let inFlight: Promise<void> | undefined;
  const tick = () => {
    if (inFlight) return;
    inFlight = sample().finally(() => (inFlight = undefined));
  };
  // The first sample (and its one costly step, finding each server's process) is taken before any clock starts.
  tick();
  await inFlight;
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    intervalMs,
    async close() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
