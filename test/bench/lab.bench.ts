import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openAiDispatcher } from '../../src/core/lab/dispatch/openai.js';
import { mergeTrajectory, openclawDispatcher } from '../../src/core/lab/dispatch/openclaw.js';
import { exportTrajectory } from '../../src/core/lab/dispatch/trajectory.js';
import { isolatedEnv, openclawExecutable } from '../support/openclaw.js';
import { runSession } from '../../src/core/lab/dispatch/runner.js';
import { newSession } from '../../src/core/lab/session.js';
import { summarizeSession } from '../../src/core/lab/summary.js';
import { newSessionId, readSession, SCHEMA_VERSION, writeSession } from '../../src/core/lab/records/store.js';
import { BUILTIN_WORKLOADS } from '../../src/core/lab/workload.js';
import { lmStudioRoutes, startServer } from '../support/scriptedServer.js';
import { runCli } from '../support/cli.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const env = { loadedModels: [], machine: { memoryBytes: os.totalmem(), cpus: os.cpus().length, cpuModel: 'bench', os: 'bench' } };

(async () => {
  const server = await startServer({ ...lmStudioRoutes(), 'POST /v1/chat/completions': { chat: { reply: 'ok DONE' } } });
  const N = 40;
  // A raw streamed request to the same server, read to the end.
  const raw: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const r = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }) });
    await r.text();
    raw.push(performance.now() - t0);
  }
  // The lab: dispatcher, expectations, append + fsync of each record, per dispatch.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-lb-'));
  const w = BUILTIN_WORKLOADS[0]!;
  const session = newSession(newSessionId('bench'), w, 'hi', N, env);
  const per: number[] = [];
  let t = performance.now();
  await runSession({
    root,
    session,
    dispatcher: openAiDispatcher({ baseUrl: `${server.url}/v1`, model: 'm' }, 'hi', { timeoutMs: 10_000 }),
    cwd: root,
    onDispatch: () => {
      const now = performance.now();
      per.push(now - t);
      t = now;
    },
  });
  // The harness's one-time preparation before the first clock starts (SDK, client, model list, rehearsal).
  const prep: number[] = [];
  for (let i = 0; i < 5; i++) {
    const d = openAiDispatcher({ baseUrl: `${server.url}/v1`, model: 'm' }, 'hi', { timeoutMs: 10_000 });
    const t0 = performance.now();
    await d.prepare!();
    prep.push(performance.now() - t0);
  }
  await server.close();
  console.log(`lab preparation before the first dispatch's clock (openai: client, model list, streamed rehearsal): median ${median(prep).toFixed(1)} ms`);
  console.log(`lab harness per dispatch (openai dispatcher, recorded and flushed, the young generation settled before each clock): median ${median(per).toFixed(1)} ms; a raw streamed request: ${median(raw).toFixed(1)} ms; overhead ${(median(per) - median(raw)).toFixed(1)} ms`);

  // The first dispatch against the others, through the CLI with the wire and the sampler, against a fixed 150 ms
  // server: a harness cost on the first dispatch (cold code, the SDK's load) shows in every session, noise in one.
  {
    const fixed = await startServer({ ...lmStudioRoutes(), 'POST /v1/chat/completions': { chat: { reply: 'A context window limits how much text the model sees at once. DONE', latencyMs: () => 150 } } });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-first-'));
    const config = path.join(dir, 'openclaw.json');
    fs.writeFileSync(config, `{ models: { providers: { lmstudio: { baseUrl: '${fixed.url}/v1', api: 'openai-completions', models: [{ id: 'qwen/qwen3-coder-30b', name: 'Q', contextWindow: 32768 }] } } }, agents: { defaults: { model: { primary: 'lmstudio/qwen/qwen3-coder-30b' } } } }`);
    const excess: number[] = [];
    for (let k = 0; k < 5; k++) {
      const r = await runCli(['lab', 'run', 'quick-check', '-n', '7', '--config', config, '--json'], { cwd: dir });
      const walls = (JSON.parse(r.stdout).dispatches as { wallMs: number }[]).map((d) => d.wallMs);
      excess.push(walls[0]! - median(walls.slice(1)));
    }
    await fixed.close();
    console.log(`first dispatch minus the median of the others (7 dispatches of a fixed 150 ms server, with the wire and the sampler; 5 sessions): median ${median(excess).toFixed(1)} ms (each: ${excess.map((e) => e.toFixed(1)).join(', ')}; goal within ±10 ms)`);
  }

  // A 1,000-dispatch session: load from disk and summarize.
  const big = newSession(newSessionId('big'), w, 'hi', 1000, env);
  writeSession(root, big);
  const lines: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const wallMs = (i % 3 === 0 ? 600_000 : 200_000) * (0.9 + ((i * 7919) % 100) / 500);
    lines.push(JSON.stringify({ schemaVersion: SCHEMA_VERSION, index: i, startedAt: new Date().toISOString(), wallMs, stopReason: 'stop', expectationsMet: true, completed: i % 17 !== 0, outputSha256: 'x', outputFile: `outputs/${i}.txt`, compactions: i % 3 === 0 ? 2 : 0, tokensOut: 800, ttftMs: 900 }));
  }
  fs.writeFileSync(path.join(root, 'runs', big.id, 'dispatches.jsonl'), lines.join('\n') + '\n');

  const times: number[] = [];
  let split = false;
  for (let r = 0; r < 9; r++) {
    const t0 = performance.now();
    const loaded = readSession(root, big.id);
    split = summarizeSession(loaded.dispatches).split.split;
    times.push(performance.now() - t0);
  }
  console.log(`load and summarize a 1,000-dispatch session: median ${median(times).toFixed(1)} ms (split found: ${split})`);

  // Collecting an OpenClaw dispatch's evidence after its clock stops: the trajectory export (run only when
  // the meta leaves details out) and reading it with the run's log lines.
  const exe = openclawExecutable();
  if (!exe) return console.log('evidence collection (openclaw): skipped, the real OpenClaw is not installed');
  const oc = await startServer({ ...lmStudioRoutes(), 'POST /v1/chat/completions': { chat: { reply: 'ok DONE' } } });
  const ocEnv = isolatedEnv();
  const config = path.join(root, 'openclaw.json');
  fs.writeFileSync(config, JSON.stringify({ models: { mode: 'merge', providers: { mocklab: { baseUrl: `${oc.url}/v1`, apiKey: 'sk-mock-local', api: 'openai-completions', models: [{ id: 'mock-1', name: 'm', contextWindow: 32768, maxTokens: 1024 }] } } }, agents: { defaults: { model: { primary: 'mocklab/mock-1' } } } }));
  const envAll = { ...ocEnv, OPENCLAW_CONFIG_PATH: config };
  const dispatch = openclawDispatcher({ executable: exe, prompt: 'Say DONE.', agent: 'main', sessionPrefix: 'bench', timeoutMs: 180_000, env: envAll, transport: 'local' });
  const out = await dispatch(0, new AbortController().signal);
  const exports: number[] = [];
  const merges: number[] = [];
  const logText = fs.existsSync('/tmp/openclaw') ? fs.readdirSync('/tmp/openclaw').map((f) => fs.readFileSync(path.join('/tmp/openclaw', f), 'utf8')).join('') : '';
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const events = await exportTrajectory(exe, 'agent:main:bench-0', envAll);
    exports.push(performance.now() - t0);
    const t1 = performance.now();
    mergeTrajectory({ ...out, compactions: [{ startedAt: null, durationMs: null, tokensBefore: null, tokensAfter: null, model: null, trigger: null }] }, events ?? '', [logText]);
    merges.push(performance.now() - t1);
  }
  await oc.close();
  console.log(
    `evidence collection per OpenClaw dispatch, after the clock: none when the meta says it all (no compaction, at most one tool name); ` +
      `otherwise the trajectory export median ${median(exports).toFixed(0)} ms and reading it with ${(logText.length / 1e6).toFixed(1)} MB of log median ${median(merges).toFixed(1)} ms`,
  );
})();
