import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { allOnCompactor, compactionRoutes, type CompactionPathId, type Summarizer } from '../../src/core/openclaw/compactionPaths.js';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { buildModel } from '../../src/core/openclaw/model.js';
import { v } from '../../src/core/openclaw/version.js';
import { runCli } from '../support/cli.js';
import { startCompactionServer, writeWorkspaceFiles, type CompactionServer } from '../support/compactionServer.js';
import { needsOpenclawReleases } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';

const { releases, skip } = needsOpenclawReleases();
const servers: CompactionServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

const PRIMARY = 'qwen/qwen3-coder-30b';
const COMPACTOR = 'mock-compactor';

interface Run {
  /** The compaction block; the compactor is always configured. */
  readonly compaction: Record<string, unknown>;
  readonly files: number;
  readonly fileChars: number;
  /** The primary's registered window; with `loadedContext` below it the server answers LM Studio's overflow error. */
  readonly window: number;
  readonly loadedContext?: number;
}

/**
 * One dispatch through the real OpenClaw `exe` against the scripted two-model server (the lab-compaction harness:
 * the agent reads notes files one per turn, the summarizing model answers with the safeguard's headings); returns
 * which model each summary request named, in order, and the config it ran with.
 */
async function dispatch(exe: string, run: Run, prepare?: (config: string) => Promise<void>) {
  const env = isolatedEnv();
  const files = writeWorkspaceFiles(path.join(env.OPENCLAW_STATE_DIR!, 'workspace'), run.files, run.fileChars);
  const s = await startCompactionServer({
    agent: { id: PRIMARY, latencyMs: 20 },
    summaryLatencyMs: { [PRIMARY]: 300, [COMPACTOR]: 50 },
    files,
    ...(run.loadedContext ? { lmStudio: { loadedContext: run.loadedContext } } : {}),
  });
  servers.push(s);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-cpath-'));
  const config = path.join(dir, 'openclaw.json');
  const row = (id: string, contextWindow: number) => ({ id, name: id, contextWindow, maxTokens: 1024 });
  fs.writeFileSync(
    config,
    JSON.stringify({
        models: { mode: 'merge', providers: { mocklab: { baseUrl: `http://127.0.0.1:${s.port}/v1`, apiKey: 'sk-mock-local', api: 'openai-completions', models: [row(PRIMARY, run.window), row(COMPACTOR, 32768)] } } },
        agents: { defaults: { model: { primary: `mocklab/${PRIMARY}` }, compaction: { model: `mocklab/${COMPACTOR}`, ...run.compaction } } },
    }, null, 2),
  );
  await prepare?.(config);
  fs.mkdirSync(path.join(dir, '.local-ai-lab', 'workloads'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, '.local-ai-lab', 'workloads', 'notes.json'),
    JSON.stringify({ name: 'notes', dispatcher: 'openclaw', transport: 'local', prompt: `Read the notes files ${files.join(', ')} one at a time with the read tool, then say DONE.`, repeats: 1, timeoutSeconds: 300 }),
  );
  const r = await runCli(['lab', 'run', 'notes', '--config', config, '--openclaw', exe, '--json'], { cwd: dir, env });
  const text = fs.readFileSync(config, 'utf8');
  return { r, summaries: [...s.summaries], text };
}

const who = (model: string): Summarizer => (model === COMPACTOR ? 'compactor' : 'primary');

/** The runs that drive each path; `observed` reads the path's summarizer off the server's summary requests. */
const PATHS: { path: CompactionPathId; run: Run; observed: (summaries: string[]) => Summarizer | undefined }[] = [
  // Four large reads cross C − R = 24,576 at the end of a prompt: the session's own threshold compaction.
  { path: 'threshold', run: { compaction: { mode: 'default' }, files: 4, fileChars: 24_000, window: 32768 }, observed: (s) => (s.length ? who(s[0]!) : undefined) },
  // The server holds 26,000 of the registered 65,536: the reads overflow it long before C − R; the first summary answers the overflow.
  { path: 'overflow', run: { compaction: { mode: 'default', keepRecentTokens: 4000 }, files: 8, fileChars: 9_000, window: 65536, loadedContext: 26_000 }, observed: (s) => (s.length ? who(s[0]!) : undefined) },
  // The precheck compacts inside the tool loop (the guard off: which model is asked is the point).
  { path: 'midTurnPrecheck', run: { compaction: { mode: 'safeguard', midTurnPrecheck: { enabled: true }, qualityGuard: { enabled: false } }, files: 10, fileChars: 9_000, window: 32768 }, observed: (s) => (s.length ? who(s[0]!) : undefined) },
];

describe('which model summarizes each compaction path, through the real OpenClaw 2026.9.6 and 2026.5.28', { skip }, () => {
  it('per path and release: the model the summary request named is what compactionRoutes says for that release', async () => {
    const table: string[] = ['| path | ' + releases.map((r) => r.version).join(' | ') + ' |'];
    const cells = new Map<CompactionPathId, string[]>();
    for (const release of releases) {
      for (const p of PATHS) {
        const { r, summaries, text } = await dispatch(release.exe!, p.run);
        // (Whether the dispatch then completed is not the point: an overflow run may end on the overflow.)
        // 2026.5.28's precheck answers this pressure by truncating tool results: no summary request to read (the
        // reference: "compactor by code"); the cell says so, and the run must not have asked the primary either.
        if (summaries.length === 0 && p.path === 'midTurnPrecheck' && release.version === '2026.5.28') {
          cells.set(p.path, [...(cells.get(p.path) ?? []), 'no summary (tool results truncated)']);
          continue;
        }
        assert.ok(summaries.length >= 1, `${release.version} ${p.path}: a compaction happened (${r.stderr.slice(-1500)})`);
        const observed = p.observed(summaries);
        const m = buildModel(parseDocument('openclaw.json', text).root);
        const predicted = compactionRoutes(v(release.version), m.compaction, m.refs.find((x) => x.role === 'primary')).find((x) => x.path === p.path)!.summarizer;
        assert.equal(observed, predicted, `${release.version} ${p.path}: the server was asked by ${summaries.join(', ')}`);
        cells.set(p.path, [...(cells.get(p.path) ?? []), observed!]);
      }
    }
    for (const [p, c] of cells) table.push(`| ${p} | ${c.join(' | ')} |`);
    // The derived table, as the reference states it for these paths (threshold in "default": primary on both;
    // overflow in "default": compactor on 9.6, the primary first on 5.28; the precheck: compactor on 9.6).
    assert.deepEqual(Object.fromEntries(cells), { threshold: ['primary', 'primary'], overflow: ['compactor', 'primary'], midTurnPrecheck: ['compactor', 'no summary (tool results truncated)'] }, table.join('\n'));
  });

  it('the preferred fixes of the compaction rules, applied by fix, leave every compaction a run hits on the compactor (2026.9.6)', async () => {
    const release = releases.find((r) => r.version === '2026.9.6')!;
    // mode "default" with a compactor: compaction-threshold-on-primary fires; its fix, then memory-flush-on-primary's.
    const start: Run = { compaction: { mode: 'default', qualityGuard: { enabled: false } }, files: 10, fileChars: 9_000, window: 32768 };
    const fixes: string[] = [];
    const { r, summaries, text } = await dispatch(release.exe!, start, async (config) => {
      for (const rule of ['compaction-threshold-on-primary', 'memory-flush-on-primary', 'compaction-mode', 'compaction-model-missing']) {
        const f = await runCli(['fix', '--config', config, '--rule', rule, '--no-probe', '--openclaw', release.exe!, '--json']);
        fixes.push(...(JSON.parse(f.stdout).applied as string[]));
      }
    });
    assert.deepEqual(fixes, [
      'Set compaction.mode to "safeguard" and enable the mid-turn precheck (every compaction on the compactor, still inside a run) (agents.defaults.compaction.mode)',
      `Set compaction.memoryFlush.model to mocklab/${COMPACTOR} (agents.defaults.compaction.model)`,
    ]);
    const m = buildModel(parseDocument('openclaw.json', text).root);
    assert.ok(allOnCompactor(compactionRoutes(v(release.version), m.compaction, m.refs.find((x) => x.role === 'primary'))), text);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    assert.ok(summaries.length >= 1, 'the run compacted');
    assert.deepEqual([...new Set(summaries)], [COMPACTOR], 'every summary request named the compactor');
  });
});
