import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRecorder } from '../../src/core/lab/wire/recorder.js';
import { openWireLog } from '../../src/core/lab/wire/schema.js';
import { startSampler } from '../../src/core/lab/timeline/sampler.js';

/*
 * The wire recorder's added latency per request: the same requests straight to a model server and through a
 * recorder, interleaved so drift hits all alike. The server runs in its own process, as a model server does; the
 * client is fetch (as OpenClaw's SDK uses). Two placements of the recorder: its own process (OpenClaw is a child
 * of the lab, so its requests cross processes) and the client's (the openai dispatcher runs in the lab, where its
 * parsing competes with the client for one event loop).
 */

const SERVER = `
const http = require('node:http');
const N = 200;
const chunk = (i) => 'data: ' + JSON.stringify({ id: 'chatcmpl-b', object: 'chat.completion.chunk', created: 1, model: 'bench', choices: [{ index: 0, delta: { content: 'tok' + i + ' ' }, finish_reason: null }] }) + '\\n\\n';
const tail = 'data: ' + JSON.stringify({ id: 'chatcmpl-b', object: 'chat.completion.chunk', created: 1, model: 'bench', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) + '\\n\\n'
  + 'data: ' + JSON.stringify({ id: 'chatcmpl-b', object: 'chat.completion.chunk', created: 1, model: 'bench', choices: [], usage: { prompt_tokens: 30000, completion_tokens: N, total_tokens: 30000 + N } }) + '\\n\\ndata: [DONE]\\n\\n';
const small = JSON.stringify({ id: 'chatcmpl-s', object: 'chat.completion', created: 1, model: 'bench', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 } });
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url === '/small') return res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(small) }).end(small);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let i = 0;
    if (req.url === '/paced' || req.url === '/paced10') {
      // 100 tokens 1 ms apart: faster than a local model decodes, slow enough that each chunk travels alone;
      // /paced10: 10 ms apart (100 tokens/s, a fast local model).
      const gap = req.url === '/paced' ? 1 : 10;
      const tick = () => {
        if (i < 100) { res.write(chunk(i++)); setTimeout(tick, gap); } else res.end(tail);
      };
      return tick();
    }
    // One write per token, a turn of the event loop apart: each chunk its own write, as a server streams.
    const pump = () => {
      if (i < N) { res.write(chunk(i++)); setImmediate(pump); } else res.end(tail);
    };
    pump();
  });
}).listen(0, '127.0.0.1', function () { process.stdout.write(String(this.address().port) + '\\n'); });
`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;

/** A mid-dispatch OpenClaw turn: a long system prompt, tool schemas and 60 messages of history (about 120 KB). */
function agentTurn(): string {
  const messages: unknown[] = [{ role: 'system', content: 'You are a coding agent. '.repeat(1700) }];
  for (let i = 0; i < 30; i++) {
    messages.push({ role: 'assistant', content: null, tool_calls: [{ id: `call_${i}`, type: 'function', function: { name: 'read', arguments: JSON.stringify({ path: `notes-${i}.txt` }) } }] });
    messages.push({ role: 'tool', tool_call_id: `call_${i}`, content: `FILE ${i} line 0: the cache eviction policy keeps hot keys. `.repeat(40) });
  }
  const tools = Array.from({ length: 12 }, (_, i) => ({ type: 'function', function: { name: `tool_${i}`, description: 'A tool. '.repeat(20), parameters: { type: 'object', properties: { path: { type: 'string' } } } } }));
  return JSON.stringify({ model: 'bench', stream: true, stream_options: { include_usage: true }, messages, tools });
}

interface Timed {
  firstChunkMs: number;
  totalMs: number;
}

async function timedFetch(url: string, body: string): Promise<Timed> {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const reader = res.body!.getReader();
  let first = -1;
  for (;;) {
    const { done } = await reader.read();
    if (first < 0) first = performance.now() - t0;
    if (done) break;
  }
  return { firstChunkMs: first, totalMs: performance.now() - t0 };
}

/**
 * Re-run as the recorder's own process (beside OpenClaw, the lab and its recorder are one process, the client
 * another). On SIGTERM it prints how many requests it recorded and the CPU time it spent since it was ready.
 */
async function recorderProcess(upstream: string, dir: string): Promise<void> {
  const log = openWireLog(dir, `bench-remote-${process.pid}`);
  let n = 0;
  let bad = 0;
  const rec = await startRecorder({
    upstream,
    onRecord: (r) => {
      log.append(r);
      n++;
      if (!r.terminated || r.error !== null) bad++;
    },
  });
  const cpu0 = process.cpuUsage();
  process.stdout.write(new URL(rec.url).port + '\n');
  process.on('SIGTERM', async () => {
    const cpu = process.cpuUsage(cpu0);
    await rec.close();
    await log.close();
    process.stdout.write(JSON.stringify({ n, bad, cpuUs: cpu.user + cpu.system }) + '\n');
    process.exit(0);
  });
}

const firstLine = async (p: ReturnType<typeof spawn>) => ((await once(p.stdout!, 'data')) as [Buffer])[0].toString().trim();

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-wire-bench-'));
  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const bare = `http://127.0.0.1:${await firstLine(server)}`;
  const log = openWireLog(dir, 'bench-local');
  let localCount = 0;
  let localBad = 0;
  const local = await startRecorder({
    upstream: bare,
    onRecord: (r) => {
      log.append(r);
      localCount++;
      if (!r.terminated || r.error !== null) localBad++;
    },
  });

  /** One scenario: bare, through a recorder in its own (fresh) process, through the recorder in this one; interleaved. */
  const compare = async (path: string, body: string, n: number) => {
    const child = spawn(process.execPath, [process.argv[1]!], { env: { ...process.env, WIRE_BENCH_ROLE: 'recorder', WIRE_BENCH_UPSTREAM: bare, WIRE_BENCH_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
    const targets = { bare, remote: `http://127.0.0.1:${await firstLine(child)}`, local: local.url };
    const t: Record<keyof typeof targets, Timed[]> = { bare: [], remote: [], local: [] };
    for (let i = 0; i < 10 + n; i++) {
      for (const k of Object.keys(targets) as (keyof typeof targets)[]) {
        const x = await timedFetch(targets[k] + path, body);
        if (i >= 10) t[k].push(x); // the first ten warm connections and the JIT
      }
    }
    child.kill('SIGTERM');
    const remote = JSON.parse(await firstLine(child)) as { n: number; bad: number; cpuUs: number };
    const m = (k: keyof typeof targets, f: keyof Timed) => median(t[k].map((x) => x[f]));
    const p = (k: keyof typeof targets) => p90(t[k].map((x) => x.totalMs));
    return {
      bare: m('bare', 'totalMs'),
      remote: { added: m('remote', 'totalMs') - m('bare', 'totalMs'), p90: p('remote') - p('bare'), first: m('remote', 'firstChunkMs') - m('bare', 'firstChunkMs') },
      local: { added: m('local', 'totalMs') - m('bare', 'totalMs'), p90: p('local') - p('bare') },
      cpuUsPerRequest: remote.cpuUs / remote.n,
      remoteBad: remote.bad,
    };
  };

  const N = 200;
  const hi = JSON.stringify({ model: 'bench', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const turnBody = agentTurn();
  const scenarios = [
    ['small non-streamed JSON', await compare('/small', JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'hi' }] }), N)],
    ['200-chunk SSE stream written back to back', await compare('/v1/chat/completions', hi, N)],
    [`${(Buffer.byteLength(turnBody) / 1024).toFixed(0)} KB agent turn (60 messages, 12 tools) + the 200-chunk stream`, await compare('/v1/chat/completions', turnBody, N)],
    ['100 tokens paced 1 ms apart (50 requests)', await compare('/paced', hi, 50)],
  ] as const;

  /**
   * Per dispatch: 8 agent turns of the 120 KB request, each answered with 100 tokens at 100 tokens/s, straight
   * to the server vs through a recorder in its own process with the sampler running (what a lab with the wire
   * adds to a dispatch's wall time); dispatches interleaved.
   */
  const perDispatch = async (k: number) => {
    const child = spawn(process.execPath, [process.argv[1]!], { env: { ...process.env, WIRE_BENCH_ROLE: 'recorder', WIRE_BENCH_UPSTREAM: bare, WIRE_BENCH_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
    const recorded = `http://127.0.0.1:${await firstLine(child)}`;
    const sampler = await startSampler({ servers: [bare], intervalMs: 1000, dispatch: () => 0, onRecord: () => undefined });
    const dispatch = async (target: string) => {
      const t0 = performance.now();
      for (let i = 0; i < 8; i++) await timedFetch(target + '/paced10', turnBody);
      return performance.now() - t0;
    };
    const walls: { bare: number[]; wire: number[] } = { bare: [], wire: [] };
    for (let i = 0; i < k + 1; i++) {
      const b = await dispatch(bare);
      const w = await dispatch(recorded);
      if (i > 0) {
        walls.bare.push(b);
        walls.wire.push(w);
      }
    }
    await sampler.close();
    child.kill('SIGTERM');
    await firstLine(child);
    return { bare: median(walls.bare), added: median(walls.wire) - median(walls.bare), n: k };
  };
  const d = await perDispatch(6);
  await local.close();
  await log.close();
  server.kill();
  fs.rmSync(dir, { recursive: true, force: true });

  const f = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)} ms`;
  console.log(`wire recorder, added latency per request to the last byte (median; bare vs through the recorder, interleaved; every record written to wire.jsonl; goal ≤ 1 ms at the median):`);
  for (const [name, r] of scenarios) {
    console.log(
      `  ${name}: bare ${r.bare.toFixed(2)} ms; recorder in its own process (as beside OpenClaw) ${f(r.remote.added)} (p90 ${f(r.remote.p90)}; first chunk ${f(r.remote.first)}; ` +
        `its CPU ${(r.cpuUsPerRequest / 1000).toFixed(2)} ms a request); in the client's process (as with the openai dispatcher) ${f(r.local.added)} (p90 ${f(r.local.p90)})`,
    );
  }
  console.log(
    `  per dispatch (8 agent turns of that request, 100 tokens each at 100 tokens/s, as a fast local model; ${d.n} interleaved pairs): bare ${(d.bare / 1000).toFixed(2)} s; through the recorder with the 1 s sampler ${f(d.added)} (${((100 * d.added) / d.bare).toFixed(2)} % of the dispatch; goal under 1 %)`,
  );
  const remoteBad = scenarios.reduce((a, [, r]) => a + r.remoteBad, 0);
  console.log(`  machine load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores; requests not ended properly: ${localBad} of ${localCount} in-process, ${remoteBad} in the recorder processes`);
}

if (process.env.WIRE_BENCH_ROLE === 'recorder') void recorderProcess(process.env.WIRE_BENCH_UPSTREAM!, process.env.WIRE_BENCH_DIR!);
else void main();
