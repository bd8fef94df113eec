import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../support/cli.js';
import { writeTwoModelConfig, startCompactionServer, type CompactionServer } from '../support/compactionServer.js';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';
import { GROW_FOLDER, growPlan } from '../../src/core/lab/dispatch/growContext.js';

/**
 * The built-in `grow-context` through the real OpenClaw 2026.9.6 (`local-ai-lab lab run grow-context -n 1`) against the
 * scripted server that answers OpenClaw's `read` tool calls (structured tool_calls, streamed) and reports usage as
 * request bytes / 4. C 32,768 and R 8,192: the lab writes ⌈1.3 × 24,576⌉ tokens in 8 files into the workspace, the
 * agent reads them one by one, and the run compacts — the wire records a summary request — and the files are gone
 * after. One run per compaction path, all at once (each in its own OpenClaw home): `mode: "default"` (the session's
 * threshold compaction, summarized by the primary), the mode unset (safeguard) against a server that holds the model
 * to C as a server loaded at C does (overflow recovery, the compactor), safeguard with the mid-turn precheck against a
 * server that answers any length (the compactor) — and the mode unset against that server, where nothing compacts
 * inside the run; and `lab prove compaction-model-missing -n 1` with no --workload, which runs grow-context (~80 s on
 * 2 cores, the five at once).
 */
const { exe, skip } = needsOpenclaw();
const servers: CompactionServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

const plan = growPlan(32768, 8192);

interface Run {
  r: CliResult;
  s: CompactionServer;
  dir: string;
  ws: string;
}

async function growRun(o: { compaction: Record<string, unknown>; contextLimit?: number }): Promise<Run> {
  const env = isolatedEnv();
  const ws = path.join(env.OPENCLAW_STATE_DIR!, 'workspace');
  fs.mkdirSync(ws, { recursive: true });
  // The user's own file, which the workload must leave as it is.
  fs.writeFileSync(path.join(ws, 'AGENTS.md'), '# House rules\nAnswer briefly.\n');
  const s = await startCompactionServer({ agent: { id: 'mock-1', latencyMs: 20 }, summaryLatencyMs: { 'mock-1': 300, 'mock-compactor': 100 }, files: plan.files.map((f) => f.name), contextLimit: o.contextLimit });
  servers.push(s);
  const { dir, config } = writeTwoModelConfig(s.port, { model: 'mocklab/mock-compactor', ...o.compaction }, 'lal-grow-');
  const r = await runCli(['lab', 'run', 'grow-context', '-n', '1', '--config', config, '--openclaw', exe!, '--json'], { cwd: dir, env });
  return { r, s, dir, ws };
}

const PRIMARY = 'qwen/qwen3-coder-30b';
const COMPACTOR = 'qwen3-4b-instruct-2507';

/**
 * `lab prove compaction-model-missing -n 1` with no --workload, the mode unset (safeguard), against a scripted LM Studio
 * that holds the primary at C (its REST API says what is downloaded: the fix picks the 4B instruct model from it).
 */
async function proveRun(): Promise<Run> {
  const env = isolatedEnv();
  const ws = path.join(env.OPENCLAW_STATE_DIR!, 'workspace');
  fs.mkdirSync(ws, { recursive: true });
  fs.writeFileSync(path.join(ws, 'AGENTS.md'), '# House rules\nAnswer briefly.\n');
  const s = await startCompactionServer({ agent: { id: PRIMARY, latencyMs: 20 }, summaryLatencyMs: { [PRIMARY]: 300, [COMPACTOR]: 100 }, files: plan.files.map((f) => f.name), lmStudio: { loadedContext: 32768 } });
  servers.push(s);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-grow-prove-'));
  const config = path.join(dir, 'openclaw.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      models: { mode: 'merge', providers: { mocklab: { baseUrl: `http://127.0.0.1:${s.port}/v1`, apiKey: 'sk-mock-local', api: 'openai-completions', models: [{ id: PRIMARY, name: PRIMARY, contextWindow: 32768, maxTokens: 1024 }] } } },
      agents: { defaults: { model: { primary: `mocklab/${PRIMARY}` } } },
    }),
  );
  const r = await runCli(['lab', 'prove', 'compaction-model-missing', '-n', '1', '--config', config, '--openclaw', exe!, '--json'], { cwd: dir, env });
  return { r, s, dir, ws };
}

type Wire = { dispatch: number | null; summary: boolean; model: string | null };
const wireOf = (run: Run): Wire[] => {
  const id = JSON.parse(run.r.stdout).session.id as string;
  return fs.readFileSync(path.join(run.dir, '.local-ai-lab', 'runs', id, 'wire.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Wire);
};

const context = (run: Run) => run.r.stderr.slice(-3000) + run.r.stdout.slice(0, 3000);

describe('grow-context through the real OpenClaw 2026.9.6: one run grows past C − R and compacts', { skip }, () => {
  const runs: Record<string, Run> = {};
  before(async () => {
    const [threshold, overflow, precheck, unbounded, prove] = await Promise.all([
      growRun({ compaction: { mode: 'default' } }),
      growRun({ compaction: {}, contextLimit: 32768 }),
      growRun({ compaction: { mode: 'safeguard', midTurnPrecheck: { enabled: true }, qualityGuard: { enabled: false } } }),
      growRun({ compaction: {} }),
      proveRun(),
    ]);
    Object.assign(runs, { threshold, overflow, precheck, unbounded, prove });
  });

  it('unbounded (mode unset = safeguard, a server that answers past C): no compaction inside the run; it finishes over C, and the files are gone all the same', (t) => {
    const run = runs.unbounded!;
    assert.equal(run.r.status, 0, context(run));
    const d = JSON.parse(run.r.stdout).dispatches[0];
    t.diagnostic(`unbounded: ${run.s.turns()} agent turns, ${run.s.summaries.length} summaries; record: ${d.turns} turns, tools ${JSON.stringify(d.tools)}, compactions ${JSON.stringify(d.compactions)}, promptTokensMax ${d.promptTokensMax}, completed ${d.completed}`);
    // Safeguard leaves no in-session compaction, and nothing overflowed: the only compaction left is the next command's
    // pre-turn maintenance, which a lab dispatch (a fresh session each) never reaches. README says so, and the settings that compact.
    assert.deepEqual([wireOf(run).filter((w) => w.summary).length, run.s.summaries.length, d.compactions], [0, 0, []]);
    assert.ok(d.completed && d.promptTokensMax > 32768, JSON.stringify(d));
    assert.ok(!fs.existsSync(path.join(run.ws, GROW_FOLDER)));
  });

  // Who the wire saw summarize, per path (the reference's table): the threshold on the primary, the others on the compactor.
  const summarizer: Record<string, string> = { threshold: 'mock-1', overflow: 'mock-compactor', precheck: 'mock-compactor' };
  it('lab prove compaction-model-missing without --workload runs grow-context: as-is the primary summarizes, with the fix the compactor', (t) => {
    const p = runs.prove!;
    assert.equal(p.r.status, 0, context(p));
    const out = JSON.parse(p.r.stdout);
    assert.equal(out.workload, 'grow-context');
    const seen = (arm: string[]) => [...new Set(arm.filter((m) => m !== 'not on the wire'))];
    const count = (arm: string[]) => Object.entries(arm.reduce<Record<string, number>>((a, m) => ({ ...a, [m]: (a[m] ?? 0) + 1 }), {})).map(([m, k]) => `${k} × ${m}`).join(', ');
    t.diagnostic(`prove: as-is ${count(out.evidence.compactions.asIs)}; fix ${count(out.evidence.compactions.fix)}`);
    assert.deepEqual(seen(out.evidence.compactions.asIs), [`mocklab/${PRIMARY}`], JSON.stringify(out.evidence.compactions));
    assert.deepEqual(seen(out.evidence.compactions.fix), [`mocklab/${COMPACTOR}`], JSON.stringify(out.evidence.compactions));
    assert.ok(!fs.existsSync(path.join(p.ws, GROW_FOLDER)));
  });

  for (const name of ['threshold', 'overflow', 'precheck']) {
    it(`${name}: the wire records a summary request inside the dispatch, the dispatch's record a compaction; the files are gone, the user's AGENTS.md is not`, (t) => {
      const run = runs[name]!;
      assert.equal(run.r.status, 0, context(run));
      const out = JSON.parse(run.r.stdout);
      const d = out.dispatches[0];
      const summaries = wireOf(run).filter((w) => w.summary && w.dispatch === 0);
      assert.ok(summaries.length >= 1, `a summary request on the wire: ${JSON.stringify(d)} ${context(run)}`);
      assert.equal(summaries.length, run.s.summaries.length, 'every summary the server wrote was on the wire');
      assert.deepEqual([...new Set(run.s.summaries)], [summarizer[name]]);
      assert.ok(summaries.every((w) => w.model?.endsWith(summarizer[name]!)), JSON.stringify(summaries));
      assert.ok(Array.isArray(d.compactions) && d.compactions.length >= 1, JSON.stringify(d));
      const kinds = [...new Set((d.compactions as { trigger: string | null; model: string }[]).map((c) => `${c.trigger ?? 'no trigger'} ${c.model}`))];
      t.diagnostic(`${name}: ${run.s.turns()} agent turns, ${run.s.summaries.length} summaries by ${[...new Set(run.s.summaries)].join(', ')}; record: ${d.turns} turns, tools ${JSON.stringify(d.tools)}, ${d.compactions.length} compactions (${kinds.join('; ')}), promptTokensMax ${d.promptTokensMax}, completed ${d.completed}`);
      // The agent read the lab's files with its read tool: the server was asked for a turn after every file.
      assert.ok(run.s.turns() > plan.files.length, `${run.s.turns()} turns for ${plan.files.length} files`);
      assert.ok(!fs.existsSync(path.join(run.ws, GROW_FOLDER)), 'the lab removed its folder after the dispatch');
      assert.equal(fs.readFileSync(path.join(run.ws, 'AGENTS.md'), 'utf8'), '# House rules\nAnswer briefly.\n');
      assert.equal(out.session.workload.name, 'grow-context');
    });
  }
});
