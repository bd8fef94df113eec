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
import { startProxy, type ProxyDecl, type RunningProxy } from '../layer/proxy.js';
import { diffRequest, summarizeLayer, type LayerRequestDiff, type LayerSummary } from '../layer/diff.js';

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
  /**
   * A compression proxy between the dispatcher and the target's server, started fresh for this session: the requests
   * go dispatcher → recorder ('sent') → proxy → recorder → server, and each request's layer diff is read from the two.
   */
  readonly proxy?: ProxyDecl;
  /** Lines the model must read (the workload's planted facts): one the layer drops is named in the dispatch's layer. */
  readonly facts?: readonly string[];
  readonly signal?: AbortSignal;
}

const LAYER_APIS = new Set(['chat', 'responses']);

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
  // With a proxy, each request body is held in memory until its dispatch's layer diff is read, then dropped.
  const requestBodies = new Map<number, Buffer | null>();
  const keepBodies = (seq: number, request: Buffer | null, response: Buffer | null) => {
    if (o.proxy) requestBodies.set(seq, request);
    if (o.bodies) bodies.push({ seq, request, response });
  };
  const recorderFor = (upstream: string, side?: 'sent') =>
    startRecorder({
      upstream,
      dispatch: () => current,
      nextSeq: () => seq++,
      onRecord: (raw) => {
        const rec = side ? { ...raw, side } : raw;
        records.push(rec);
        pending.push(rec);
      },
      onError: (err) => failures.set(current, (err as Error).message),
      ...(o.bodies || o.proxy ? { onBodies: keepBodies } : {}),
    });
  const start = async (upstream: string) => {
    let r = recorders.get(upstream);
    if (!r) {
      r = await recorderFor(upstream);
      recorders.set(upstream, r);
    }
    return r;
  };
  // The proxy's chain for the target's server: the dispatcher reaches `front` ('sent'), which forwards to the proxy,
  // which forwards to the server's own recorder. Other servers keep their one recorder.
  const layered = o.proxy ? originOf(o.target.baseUrl) : undefined;
  const layerPath = new URL(o.target.baseUrl).pathname.replace(/\/+$/, '');
  let proxy: RunningProxy | undefined;
  let front: Recorder | undefined;
  const entry = async (upstream: string): Promise<Recorder> => {
    const server = await start(upstream);
    if (upstream !== layered || !o.proxy) return server;
    if (!front) {
      proxy = await startProxy(o.proxy, server.url + layerPath, { signal: o.signal });
      front = await recorderFor(proxy.url, 'sent');
      notes.push(`requests went through the proxy ${o.proxy.name} (started for this session: ${o.proxy.command.join(' ')}); figures are the server's side, the layer diff compares both sides`);
    }
    return front;
  };
  let disposeCopy = () => {};
  let sampler: Sampler | undefined;
  const closeAll = async () => {
    await sampler?.close();
    await front?.close();
    await proxy?.stop();
    await Promise.all([...recorders.values()].map((r) => r.close()));
    requestBodies.clear();
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
        const r = await entry(upstream);
        baseUrl = r.url + new URL(o.target.baseUrl).pathname.replace(/\/+$/, '');
        for (const p of o.look.observation.model.providers) if (p.baseUrl && originOf(p.baseUrl) === upstream) providersAt.set(r.upstream, [...(providersAt.get(r.upstream) ?? []), p.id]);
      }
    } else if (o.transport === 'gateway') {
      notes.push('the dispatches went through a running Gateway, which reads its own config: the wire saw none of its requests (use transport "local" to record them)');
      for (const [id, upstream] of wiredConfigText(o.look.read.doc, (_id, u) => u).upstreams) providersAt.set(upstream, [...(providersAt.get(upstream) ?? []), id]);
    } else {
      // First the servers (one recorder each), then the copy that points every local provider at its recorder.
      const dryRun = wiredConfigText(o.look.read.doc, (_id, upstream) => upstream);
      const entries = new Map<string, Recorder>();
      for (const [id, upstream] of dryRun.upstreams) {
        const r = await entry(upstream);
        entries.set(upstream, r);
        providersAt.set(upstream, [...(providersAt.get(upstream) ?? []), id]);
      }
      if (layered && !front) throw new Error(`no provider of the config reaches ${layered}, where the proxy ${o.proxy!.name} was to sit`);
      const wired = wiredConfigText(o.look.read.doc, (_id, upstream) => entries.get(upstream)!.url);
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
          const layer = o.proxy ? readLayer(index) : undefined;
          flush();
          const more: Partial<DispatchOutcome> = d.collect ? await d.collect(index, outcome, signal).catch(() => ({})) : {};
          const ev = wireEvidence(records.filter((r) => r.dispatch === index), ref);
          const runtime = (more.compactions ?? outcome.compactions ?? []) as readonly CompactionRecord[];
          return {
            ...more,
            requests: ev.requests,
            prefillMs: ev.prefillMs ?? undefined,
            promptTokensMax: ev.promptTokensMax ?? undefined,
            promptTokensTotal: ev.promptTokensTotal ?? undefined,
            compactions: withWireSummaries(runtime, ev.summaries),
            ...(layer ? { layer } : {}),
          };
        },
      },
    );
    return wrapped;
  }

  /**
   * The layer diff of each server-side request of dispatch `index` against the request OpenClaw sent that it came
   * from — the last 'sent' request to arrive before it (dispatchers send model requests one at a time; a request the
   * proxy answered itself has none after it, a retrieve round trip adds one) — put on the server-side record before
   * it is written; the bodies are then dropped.
   */
  function readLayer(index: number): LayerSummary {
    const mine = records.filter((r) => r.dispatch === index && LAYER_APIS.has(r.api)).sort((a, b) => a.seq - b.seq);
    const sent = mine.filter((r) => r.side === 'sent');
    const got = mine.filter((r) => r.side !== 'sent');
    const json = (s: number | undefined) => {
      const b = s === undefined ? undefined : requestBodies.get(s);
      if (!b) return undefined;
      try {
        return JSON.parse(b.toString('utf8')) as unknown;
      } catch {
        return undefined;
      }
    };
    const diffs: { diff: LayerRequestDiff; promptTokens: number | null }[] = [];
    let previous: { before: unknown; after: unknown } | undefined;
    for (const g of got) {
      const s = [...sent].reverse().find((x) => x.seq < g.seq);
      const before = json(s?.seq);
      const after = json(g.seq);
      if (before === undefined || after === undefined) continue;
      const diff = diffRequest(before, after, { previous, facts: o.facts });
      previous = { before, after };
      diffs.push({ diff, promptTokens: g.promptTokens });
      const { inventedExamples: _i, droppedExamples: _d, byTool: _b, toolOutputsChanged: _t, ...kept } = diff;
      const annotated = { ...g, layer: { sentSeq: s?.seq ?? null, ...kept, toolsInjected: [...kept.toolsInjected], factsLost: [...kept.factsLost] } };
      for (const list of [records, pending]) {
        const i = list.indexOf(g);
        if (i >= 0) list[i] = annotated;
      }
    }
    for (const r of mine) requestBodies.delete(r.seq);
    return summarizeLayer(diffs, sent.length, got.length);
  }
}
