import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CheckedFile } from '../../sources.js';
import type { Dispatcher, DispatchOutcome } from '../dispatch/types.js';
import type { CompactionRecord } from '../dispatch/evidence.js';
import type { Workload } from '../workloadSchema.js';
import { withWireSummaries, wireEvidence } from './evidence.js';
import { originOf, wiredConfigText, writePrivateConfig } from './privateConfig.js';
import { startRecorder, type Recorder } from './recorder.js';
import { openWireLog, type WireRecord } from './schema.js';
import { startSampler, type Sampler } from '../timeline/sampler.js';
import { appendTelemetry, type TelemetryRecord } from '../timeline/telemetry.js';
import { writeBodies, type KeptBodies } from './bodies.js';

/**
 * The wire attached to one lab session: a recorder in front of each model server the dispatch uses, the
 * dispatcher pointed at them (a private copy of the config for OpenClaw, the recorder's URL for the OpenAI
 * dispatcher), every request appended to `runs/<id>/wire.jsonl`, and each dispatch's evidence read from it.
 */
export interface WireSession {
  /** Where the dispatcher sends its requests instead (openai dispatcher), or undefined. */
  readonly baseUrl?: string;
  /** The private config OpenClaw runs with, and the environment that points it there (openclaw dispatcher). */
  readonly config?: { readonly file: string; readonly env: Record<string, string> };
  /** What the wire cannot see, in words (recorded on the session). */
  readonly notes: readonly string[];
  /** Wraps the dispatcher: requests are attributed to the dispatch running, its evidence added after the clock. */
  wrap(d: Dispatcher): Dispatcher;
  close(): Promise<void>;
}

export interface WireOptions {
  readonly look: CheckedFile;
  readonly workload: Workload;
  /** The OpenAI-compatible endpoint the workload's model is served from. */
  readonly target: { readonly baseUrl: string };
  readonly transport: 'local' | 'gateway';
  readonly root: string;
  readonly sessionId: string;
  /** The Gateway's port, sampled for its process when the transport is the Gateway. */
  readonly gatewayPort?: number;
  /** The sampler's interval (default 1 s); 0 turns the sampler off. */
  readonly sampleMs?: number;
  /** The user opted in to keeping request and response bodies (redacted) in runs/<id>/bodies/. */
  readonly bodies?: boolean;
  readonly lmStudioToken?: string;
}

/**
 * Runs a few streamed exchanges through a throwaway recorder in front of a loopback server of our own, so the
 * recorder's code is warm before the first clock starts (cold, it made the first dispatch 20–90 ms slower).
 */
let warmed: Promise<void> | undefined;
function warmUp(): Promise<void> {
  warmed ??= (async () => {
    // Streams of the length a short reply has, often enough for V8 to optimize the per-chunk path.
    const delta = 'data: {"choices":[{"index":0,"delta":{"content":"word "},"finish_reason":null}]}\n\n';
    const sse = delta.repeat(60) + 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":60}}\n\ndata: [DONE]\n\n';
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/event-stream' }).end(sse));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const rec = await startRecorder({ upstream: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, onRecord: () => undefined });
    try {
      const body = JSON.stringify({ model: 'warm-up', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      for (let i = 0; i < 12; i++) {
        const r = await fetch(`${rec.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5000) });
        await r.text();
      }
    } catch {
      /* a warm-up that fails costs nothing but its warmth */
    } finally {
      await rec.close();
      server.closeAllConnections?.();
      server.close();
    }
  })();
  return warmed;
}

export async function openWire(o: WireOptions): Promise<WireSession> {
  await warmUp();
  const log = openWireLog(o.root, o.sessionId);
  const records: WireRecord[] = [];
  // Written between dispatches, never while a clock runs: an fdatasync in this process would be timed as the dispatch's.
  let pending: WireRecord[] = [];
  let samples: TelemetryRecord[] = [];
  let bodies: KeptBodies[] = [];
  const flush = () => {
    const kept = bodies;
    bodies = [];
    writeBodies(o.root, o.sessionId, kept);
    for (const r of pending) log.append(r);
    pending = [];
    // Telemetry is written at the same moments: between dispatches, never inside a clock.
    const batch = samples;
    samples = [];
    appendTelemetry(o.root, o.sessionId, batch);
  };
  const failures = new Map<number | null, string>();
  let current: number | null = null;
  let seq = 0;
  const recorders = new Map<string, Recorder>();
  const start = async (upstream: string) => {
    let r = recorders.get(upstream);
    if (!r) {
      r = await startRecorder({
        upstream,
        dispatch: () => current,
        nextSeq: () => seq++,
        onRecord: (rec) => {
          records.push(rec);
          pending.push(rec);
        },
        onError: (err) => failures.set(current, (err as Error).message),
        ...(o.bodies ? { onBodies: (seq: number, request: Buffer | null, response: Buffer | null) => void bodies.push({ seq, request, response }) } : {}),
      });
      recorders.set(upstream, r);
    }
    return r;
  };
  let disposeCopy = () => {};
  let sampler: Sampler | undefined;
  const closeAll = async () => {
    await sampler?.close();
    await Promise.all([...recorders.values()].map((r) => r.close()));
    flush();
    await log.close();
    disposeCopy();
  };
  const notes: string[] = [];
  // provider/model as the config names it, from the server a request went to and the model id it named.
  const providersAt = new Map<string, string[]>();
  const ref = (upstream: string, model: string | null) => {
    if (!model) return null;
    const ids = providersAt.get(upstream) ?? [];
    const p = o.look.observation.model.providers.find((x) => ids.includes(x.id) && x.models.some((m) => m.id === model)) ?? o.look.observation.model.providers.find((x) => ids.includes(x.id));
    return p ? `${p.id}/${model}` : model;
  };
  try {
    let baseUrl: string | undefined;
    let config: WireSession['config'];
    if (o.workload.dispatcher === 'openai') {
      const upstream = originOf(o.target.baseUrl);
      if (upstream) {
        const r = await start(upstream);
        baseUrl = r.url + new URL(o.target.baseUrl).pathname.replace(/\/+$/, '');
        for (const p of o.look.observation.model.providers) if (p.baseUrl && originOf(p.baseUrl) === upstream) providersAt.set(r.upstream, [...(providersAt.get(r.upstream) ?? []), p.id]);
      }
    } else if (o.transport === 'gateway') {
      notes.push('the dispatches went through a running Gateway, which reads its own config: the wire saw none of its requests (use transport "local" to record them)');
      for (const [id, upstream] of wiredConfigText(o.look.read.doc, (_id, u) => u).upstreams) providersAt.set(upstream, [...(providersAt.get(upstream) ?? []), id]);
    } else {
      // First the servers (one recorder each), then the copy that points every local provider at its recorder.
      const dryRun = wiredConfigText(o.look.read.doc, (_id, upstream) => upstream);
      for (const [id, upstream] of dryRun.upstreams) {
        const r = await start(upstream);
        providersAt.set(r.upstream, [...(providersAt.get(r.upstream) ?? []), id]);
      }
      const wired = wiredConfigText(o.look.read.doc, (_id, upstream) => recorders.get(upstream)!.url);
      for (const n of wired.notWired) notes.push(`provider ${n.provider}: not recorded (${n.why})`);
      const copy = writePrivateConfig(o.look.file, wired.text);
      config = { file: copy.file, env: copy.env };
      disposeCopy = copy.dispose;
    }
    const servers = recorders.size ? [...recorders.keys()] : [...providersAt.keys()];
    if (o.sampleMs !== 0 && servers.length) {
      sampler = await startSampler({
        servers,
        intervalMs: o.sampleMs,
        dispatch: () => current,
        gatewayPort: o.transport === 'gateway' ? o.gatewayPort : undefined,
        lmStudioToken: o.lmStudioToken,
        onRecord: (r) => void samples.push(r),
      });
    }
    return { baseUrl, config, notes, wrap: (d) => wrap(d), close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }

  function wrap(d: Dispatcher): Dispatcher {
    const wrapped = Object.assign(
      async (index: number, signal: AbortSignal): Promise<DispatchOutcome> => {
        current = index;
        try {
          const out = await d(index, signal);
          const failed = failures.get(index);
          return failed && !out.errorKind ? { ...out, errorKind: 'wire', errorMessage: `the wire recorder failed during the dispatch: ${failed}` } : out;
        } finally {
          current = null;
        }
      },
      {
        prepare: async () => {
          flush();
          await d.prepare?.();
        },
        collect: async (index: number, outcome: DispatchOutcome, signal: AbortSignal): Promise<Partial<DispatchOutcome>> => {
          flush();
          const more: Partial<DispatchOutcome> = d.collect ? await d.collect(index, outcome, signal).catch(() => ({})) : {};
          const ev = wireEvidence(records.filter((r) => r.dispatch === index), ref);
          const runtime = (more.compactions ?? outcome.compactions ?? []) as readonly CompactionRecord[];
          return { ...more, requests: ev.requests, prefillMs: ev.prefillMs ?? undefined, promptTokensMax: ev.promptTokensMax ?? undefined, compactions: withWireSummaries(runtime, ev.summaries) };
        },
      },
    );
    return wrapped;
  }
}
