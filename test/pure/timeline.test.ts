import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { listeningInode, parseMeminfo, parseStatTicks, parseVmRss, parseVmStat, PortWatcher } from '../../src/core/lab/timeline/host.js';
import { findAnomalies, type AnomalyInput } from '../../src/core/lab/timeline/anomalies.js';
import { startSampler } from '../../src/core/lab/timeline/sampler.js';
import { TelemetryRecordSchema, type TelemetryRecord } from '../../src/core/lab/timeline/telemetry.js';
import { buildTimeline, requestMedians, mediansLine } from '../../src/core/lab/timeline/timeline.js';
import { firstDispatchToShow, TIMELINE_HEAD, timelineRows, timelineView, TimelineViewSchema } from '../../src/core/lab/view/timelineView.js';
import type { DispatchRecord, Session } from '../../src/core/lab/records/store.js';
import type { WireRecord } from '../../src/core/lab/wire/schema.js';
import { at, base, clean, req } from '../support/timelineFixture.js';
import { lmStudioRoutes, startServer, type ScriptedServer } from '../support/scriptedServer.js';

/*
 * The sampler's readers (on this machine's real /proc where it is Linux), the anomalies read from records, and
 * the per-request medians. The anomalies as scripted servers cause them, through a real lab run, are in
 * test/cli/timeline.test.ts.
 */

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

describe('what the machine says', () => {
  it('meminfo: MemAvailable, not MemFree; vm_stat: free + inactive + speculative + purgeable pages', () => {
    assert.deepEqual(parseMeminfo('MemTotal:       24576000 kB\nMemFree:          100000 kB\nMemAvailable:    12288000 kB\n'), { totalBytes: 24576000 * 1024, availableBytes: 12288000 * 1024 });
    assert.equal(parseMeminfo('MemTotal: 1 kB\n'), null, 'a kernel without MemAvailable: unknown, not guessed from MemFree');
    // macOS 14's vm_stat layout (page size 16384).
    const vm = 'Mach Virtual Memory Statistics: (page size of 16384 bytes)\nPages free:                               10000.\nPages active:                            500000.\nPages inactive:                           20000.\nPages speculative:                         3000.\nPages purgeable:                           2000.\n';
    assert.deepEqual(parseVmStat(vm, 64 * 1024 ** 3), { totalBytes: 64 * 1024 ** 3, availableBytes: 35000 * 16384 });
  });

  it('the listening socket of a port from /proc/net/tcp (LISTEN only), and a process stat line whose name has spaces and parentheses', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:04D2 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:04D2 0100007F:A000 01 00000000:00000000 00:00000000 00000000  1000        0 5555 1 0000000000000000 20 4 30 10 -1',
    ].join('\n');
    assert.equal(listeningInode([tcp], 1234), '4242');
    assert.equal(listeningInode([tcp], 1235), null);
    assert.equal(parseStatTicks('123 (lm studio (helper)) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0'), 300);
    assert.equal(parseVmRss('Name:\tx\nVmRSS:\t  204800 kB\n'), 200 * 1024 * 1024);
  });

  it('the process behind a port: this one for an in-process server, and a new socket after a restart on the same port', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
    const s = await startServer(lmStudioRoutes());
    const w = new PortWatcher(s.port);
    const first = await w.sample();
    assert.equal(first.pid, process.pid);
    assert.ok(first.rssBytes! > 0 && first.socket);
    assert.equal(first.cpuPct, null, 'no CPU share from one sample');
    await new Promise((r) => setTimeout(r, 30));
    const second = await w.sample();
    assert.ok(second.cpuPct !== null && second.cpuPct >= 0);
    await s.close();
    assert.deepEqual(await w.sample(), { pid: null, socket: null, rssBytes: null, cpuPct: null }, 'nothing listens: nothing guessed');
    const again = await startServer(lmStudioRoutes(), s.port);
    servers.push(again);
    const third = await w.sample();
    assert.equal(third.pid, process.pid);
    assert.notEqual(third.socket, first.socket);
  });
});

describe('the sampler', () => {
  it("samples what LM Studio loaded (REST), its process and the machine's memory, each record valid; a reload shows in the next sample", async () => {
    const routes = lmStudioRoutes({ loadedContext: 65536 });
    const s = await startServer(routes);
    servers.push(s);
    const got: TelemetryRecord[] = [];
    let dispatch: number | null = null;
    // 500 ms a sample, so each request has 500 ms: at 100 ms, with npm test's OpenClaw validations holding both cores,
    // no sample was answered in 40 s (a loaded machine's gap, which the timeline would show as one).
    const sampler = await startSampler({ servers: [s.url], intervalMs: 500, dispatch: () => dispatch, onRecord: (r) => void got.push(r) });
    // The first sample is in before startSampler returns: nothing is sampled later that a clock could have timed.
    assert.ok(got.some((r) => r.kind === 'loaded'));
    // Wait for an answered sample before the reload and for one after it, up to 20 s each.
    const answeredWith = async (context: number) => {
      const until = Date.now() + 20_000;
      while (!got.some((r) => r.kind === 'loaded' && r.models?.some((m) => m.context === context)) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    };
    await answeredWith(65536);
    dispatch = 0;
    const reload = routes['POST /api/v1/models/load'] as (req: { method: string; path: string; body: unknown }) => unknown;
    reload({ method: 'POST', path: '/api/v1/models/load', body: { model: 'qwen/qwen3-coder-30b', context_length: 16384 } });
    await answeredWith(16384);
    await sampler.close();
    for (const r of got) assert.ok(TelemetryRecordSchema.safeParse(r).success, JSON.stringify(r));
    assert.deepEqual(got[0], { ...got[0], kind: 'sampler', intervalMs: 500, servers: [s.url] });
    const loaded = got.filter((r) => r.kind === 'loaded');
    // A sample whose request timed out (a loaded machine) records models: null; the first answered one shows the load.
    const first = loaded.find((r) => r.models);
    // When no sample was answered, say what the samples were (statuses and details), not "undefined".
    assert.ok(first, `no sample was answered: ${JSON.stringify(loaded.map((r) => [r.t, r.status, r.detail]).slice(-8))}`);
    assert.deepEqual(first.models, [{ id: 'qwen/qwen3-coder-30b', context: 65536 }]);
    const answered = loaded.filter((r) => r.models);
    assert.ok(answered.at(-1)!.models!.some((m) => m.context === 16384), JSON.stringify(loaded));
    // After the one identification round (which ends by reading /api/v1/models), each sample is one REST request.
    const afterIdentify = s.requests.slice(s.requests.findIndex((r) => r.path === '/api/v1/models') + 1);
    assert.deepEqual([...new Set(afterIdentify.map((r) => `${r.method} ${r.path}`))], ['GET /api/v1/models']);
    assert.equal(afterIdentify.length, loaded.length);
    if (process.platform === 'linux') {
      assert.ok(got.some((r) => r.kind === 'process' && r.pid === process.pid));
      const mem = got.find((r) => r.kind === 'memory');
      assert.ok(mem && mem.kind === 'memory' && mem.totalBytes > 0 && mem.usedPct > 0 && mem.usedPct < 100);
    }
  });
});

const kinds = (i: AnomalyInput) => findAnomalies(i).map((a) => `${a.kind}@${a.dispatch}`);
const sampleAt = (i: AnomalyInput, ms: number, kind: TelemetryRecord['kind']) => i.samples.findIndex((s) => s.t === at(ms) && s.kind === kind);

describe('anomalies, each with its evidence', () => {
  it('none on a clean session (the summary went to the compactor)', () => {
    assert.deepEqual(kinds(clean()), []);
  });

  it('the loaded set or its context changed during a dispatch; a change between dispatches is not one', () => {
    const i = clean();
    const s = i.samples as TelemetryRecord[];
    s[sampleAt(i, 5000, 'loaded')] = { ...base, t: at(5000), dispatch: 0, kind: 'loaded', server: 'http://127.0.0.1:1234', status: 'ok', models: [{ id: 'qwen/qwen3-coder-30b', context: 32768 }] };
    for (let ms = 6000; ms <= 21_000; ms += 1000) s[sampleAt(i, ms, 'loaded')] = { ...(s[sampleAt(i, ms, 'loaded')] as object), models: [{ id: 'qwen/qwen3-coder-30b', context: 32768 }] } as TelemetryRecord;
    const a = findAnomalies(i);
    assert.deepEqual(
      a.map((x) => x.kind),
      ['loaded-changed'],
    );
    assert.match(a[0]!.message, /during dispatch 1: qwen\/qwen3-coder-30b at 65,536 → qwen\/qwen3-coder-30b at 32,768/);
    assert.deepEqual(a[0]!.evidence.samples, [at(4000), at(5000)]);
  });

  it('a server restarted (pid changed; or a new listening socket); the Gateway likewise', () => {
    const i = clean();
    const s = i.samples as TelemetryRecord[];
    for (let ms = 13_000; ms <= 21_000; ms += 1000) s[sampleAt(i, ms, 'process')] = { ...(s[sampleAt(i, ms, 'process')] as object), pid: 5200, socket: '78' } as TelemetryRecord;
    s.push({ ...base, t: at(2000), dispatch: 0, kind: 'gateway', port: 18789, pid: 900, socket: '1' }, { ...base, t: at(3000), dispatch: 0, kind: 'gateway', port: 18789, pid: 900, socket: '2' });
    assert.deepEqual(kinds(i), ['gateway-restarted@0', 'server-restarted@1']);
    assert.match(findAnomalies(i)[1]!.message, /restarted during dispatch 2: pid 4100 → 5200/);
  });

  it('memory at or above 90 %: once per dispatch, with its peak', () => {
    const i = clean();
    const s = i.samples as TelemetryRecord[];
    s[sampleAt(i, 4000, 'memory')] = { ...base, t: at(4000), dispatch: 0, kind: 'memory', totalBytes: 64e9, availableBytes: 6e9, usedPct: 90.6 };
    s[sampleAt(i, 5000, 'memory')] = { ...base, t: at(5000), dispatch: 0, kind: 'memory', totalBytes: 64e9, availableBytes: 3e9, usedPct: 95.3 };
    const a = findAnomalies(i);
    assert.deepEqual(
      a.map((x) => x.kind),
      ['memory-high'],
    );
    assert.match(a[0]!.message, /95\.3 %.*2 sample/);
  });

  it('a sampler gap: a silence over three intervals inside a dispatch, or no samples at all in one', () => {
    const i = clean();
    const gapped = { ...i, samples: i.samples.filter((x) => !(x.t > at(3000) && x.t < at(8000))) };
    const a = findAnomalies(gapped);
    assert.deepEqual(
      a.map((x) => `${x.kind}@${x.dispatch}`),
      ['sampler-gap@0'],
    );
    assert.match(a[0]!.message, /silent for 5\.0 s during dispatch 1/);
    const none = { ...i, samples: i.samples.filter((x) => x.kind === 'sampler' || x.dispatch !== 1) };
    assert.match(findAnomalies(none).find((x) => x.dispatch === 1)!.message, /no samples during dispatch 2/);
  });

  it('from the wire: a context refusal, a summary asked of the primary with a compactor configured, a cut stream, a tool call as text, reasoning in the answer', () => {
    const i = clean();
    const r = i.requests as WireRecord[];
    r.push(
      req({ seq: 4, dispatch: 1, ms: 15_000, status: 400, stream: false, terminated: true, contextRefused: true, serverError: 'context length exceeded', promptTokens: null }),
      req({ seq: 5, dispatch: 1, ms: 15_500, summary: true }),
      req({ seq: 6, dispatch: 1, ms: 16_000, terminated: false, error: { kind: 'cut', message: 'the model server closed the connection before the answer ended' } }),
      req({ seq: 7, dispatch: 1, ms: 16_500, toolCallsAsText: '<tool_call>' }),
      req({ seq: 8, dispatch: 1, ms: 17_000, reasoningInContent: '<think>' }),
      // A stream the client closed (the dispatcher's own timeout) is not a cut by the server.
      req({ seq: 9, dispatch: 1, ms: 17_500, terminated: false, error: { kind: 'client-closed', message: 'x' } }),
    );
    const a = findAnomalies(i);
    assert.deepEqual(
      a.map((x) => `${x.kind}:${x.evidence.requests}`),
      ['context-refused:4', 'summary-on-primary:5', 'stream-cut:6', 'tool-calls-as-text:7', 'reasoning-leaked:8'],
    );
    assert.match(a[1]!.message, /asked of the primary lmstudio\/qwen\/qwen3-coder-30b although compaction\.model is lmstudio\/qwen3-4b-instruct-2507/);
    // Without a compactor configured, a summary on the primary is what OpenClaw was told to do.
    assert.ok(!findAnomalies({ ...i, environment: { ...i.environment, compactor: null } }).some((x) => x.kind === 'summary-on-primary'));
  });
});

describe('per-request medians', () => {
  it('prefill per 1K prompt tokens, tokens per second after the first token, first token, cache reuse; loads and errors not counted', () => {
    const m = requestMedians([
      req({ seq: 0, dispatch: 0, ms: 0, firstTokenMs: 1000, endMs: 3000, promptTokens: 10_000, cachedTokens: 0, completionTokens: 100 }),
      req({ seq: 1, dispatch: 0, ms: 0, firstTokenMs: 200, endMs: 1200, promptTokens: 4000, cachedTokens: 3000, completionTokens: 40 }),
      req({ seq: 2, dispatch: 0, ms: 0, firstTokenMs: 300, endMs: 4300, promptTokens: 6000, cachedTokens: 6000, completionTokens: 200 }),
      req({ seq: 3, dispatch: 0, ms: 0, api: 'lmstudio-load', path: '/api/v1/models/load', firstTokenMs: null, endMs: 9000, promptTokens: null }),
      req({ seq: 4, dispatch: 0, ms: 0, status: 400, firstTokenMs: null, promptTokens: null }),
    ]);
    assert.deepEqual(m, { n: 3, prefillMsPer1kPrompt: 50, tokensPerSecond: 50, firstTokenMs: 300, cacheReuse: 0.75 });
    assert.equal(mediansLine(m), 'per request (median of 3): prefill 50 ms per 1K prompt tokens, 50.0 tok/s, first token 300 ms, cache reuse 75 %');
    assert.equal(mediansLine(requestMedians([])), undefined);
  });
});

describe("the panel's timeline view-model", () => {
  it('per dispatch: requests in seconds from its start (prefill apart), summaries coloured by model, loaded runs as segments, memory, call-outs with their evidence', () => {
    const i = clean();
    const s = i.samples as TelemetryRecord[];
    for (let ms = 5000; ms <= 21_000; ms += 1000) {
      const k = s.findIndex((x) => x.t === at(ms) && x.kind === 'loaded');
      s[k] = { ...(s[k] as object), models: [{ id: 'qwen/qwen3-coder-30b', context: 32768 }] } as TelemetryRecord;
    }
    const session = { id: 's', environment: { ...i.environment, wire: { recorded: true, notes: [] } } } as unknown as Session;
    const t = buildTimeline({ session, dispatches: i.dispatches.map((d) => ({ ...d, schemaVersion: 1, completed: true, expectationsMet: true, outputSha256: 'x', outputFile: 'o' })) as DispatchRecord[], requests: i.requests, samples: i.samples });
    const v = timelineView(t, 'medians here');
    assert.deepEqual(v.models, ['qwen/qwen3-coder-30b', 'qwen3-4b-instruct-2507']);
    const [d0, d1] = v.dispatches;
    assert.deepEqual(d0!.requests[1], { seq: 1, start: 3, firstToken: 3.5, end: 5.5, what: 'turn', model: 'qwen/qwen3-coder-30b', modelIndex: 0, promptTokens: 10_000, cachedTokens: 8000, completionTokens: 200, outcome: 'ok' });
    assert.deepEqual(
      d0!.loaded.map((l) => [l.from, l.to, l.label]),
      [
        [0, 5, 'qwen/qwen3-coder-30b @ 65,536'],
        [5, 10, 'qwen/qwen3-coder-30b @ 32,768'],
      ],
    );
    assert.deepEqual(d0!.anomalies.map((a) => [a.kind, a.t, a.samples.length]), [['loaded-changed', 5, 2]]);
    assert.equal(d1!.requests[1]!.what, 'summary');
    assert.equal(d1!.requests[1]!.modelIndex, 1);
    assert.equal(d0!.memory.length, 10);
    assert.equal(firstDispatchToShow(v), 0);
    assert.deepEqual(timelineRows(d0!)[1]!.cells, ['1', '3.00', 'turn', 'qwen/qwen3-coder-30b', '0.50', '2.00', '10,000', '8,000', '200', 'ok']);
    assert.equal(TIMELINE_HEAD.length, timelineRows(d0!)[0]!.cells.length);
    assert.ok(TimelineViewSchema.safeParse(v).success, 'what the host sends passes the protocol');
    assert.deepEqual(
      t.dispatches.map((d) => [d.requests, d.anomalies]),
      [
        [2, 1],
        [2, 0],
      ],
    );
  });
});
