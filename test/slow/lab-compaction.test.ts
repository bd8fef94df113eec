import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { writeTwoModelConfig, startCompactionServer, writeWorkspaceFiles, type CompactionServer } from '../support/compactionServer.js';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';

const { exe, skip } = needsOpenclaw();
const servers: CompactionServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

/**
 * One lab session through the real OpenClaw against the compaction-driving server: `compactor` names a
 * separate compaction model row, else the primary summarizes its own history.
 */
async function compactingLab(o: { compactor: boolean; repeats: number; files?: number; fileChars?: number; compaction?: Record<string, unknown> }) {
  const env = isolatedEnv();
  const files = writeWorkspaceFiles(path.join(env.OPENCLAW_STATE_DIR!, 'workspace'), o.files ?? 4, o.fileChars ?? 24_000);
  const s = await startCompactionServer({ agent: { id: 'mock-1', latencyMs: 20 }, summaryLatencyMs: { 'mock-1': 900, 'mock-compactor': 150 }, files });
  servers.push(s);
  const { dir, config } = writeTwoModelConfig(s.port, { mode: 'default', ...(o.compactor ? { model: 'mocklab/mock-compactor' } : {}), ...o.compaction }, 'lal-cmp-');
  fs.mkdirSync(path.join(dir, '.local-ai-lab', 'workloads'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, '.local-ai-lab', 'workloads', 'notes.json'),
    JSON.stringify({ name: 'notes', dispatcher: 'openclaw', transport: 'local', prompt: `Read the notes files ${files.join(', ')} one at a time with the read tool, then say DONE.`, repeats: o.repeats, timeoutSeconds: 300, expectations: { contains: ['DONE'] } }),
  );
  const r = await runCli(['lab', 'run', 'notes', '--config', config, '--openclaw', exe!, '--json'], { cwd: dir, env });
  return { r, s, dir, env, config };
}

type Compaction = { startedAt: string; durationMs: number; tokensBefore: number; tokensAfter: number; model: string; trigger: string; modelFrom?: string };

describe('compaction records from the real OpenClaw 2026.9.6', { skip }, () => {
  it('records turns, tool calls and each compaction with duration and tokens; compare names the tax per summarizing model', async () => {
    // Primary compacts (no compaction.model), then the same with a dedicated compactor row configured.
    const a = await compactingLab({ compactor: false, repeats: 1 });
    assert.equal(a.r.status, 0, a.r.stderr.slice(-3000) + a.r.stdout.slice(0, 3000));
    const d = JSON.parse(a.r.stdout).dispatches[0];
    assert.deepEqual([d.completed, d.finalMessage, d.stopReason], [true, 'present', 'stop']);
    // Four reads and the answer: five model requests, as the server counted them.
    assert.deepEqual([d.turns, d.toolCalls, d.tools, d.strategy], [a.s.turns(), 4, { read: 4 }, 'step-by-step']);
    assert.equal(d.turns, 5);
    const cs = d.compactions as Compaction[];
    assert.ok(cs.length >= 1, 'the reads pushed the session past the threshold');
    assert.equal(cs.length, a.s.summaries.length, 'one record per summary the server wrote');
    for (const [i, c] of cs.entries()) {
      assert.equal(c.trigger, 'threshold');
      assert.equal(c.model, `mocklab/${a.s.summaries[i]}`, 'the model the server was asked for the summary');
      assert.ok(c.durationMs >= 900 && c.durationMs < d.wallMs, `duration ${c.durationMs} ms covers the 900 ms summary`);
      assert.ok(c.tokensBefore > 24_576 && c.tokensAfter < c.tokensBefore, JSON.stringify(c));
      assert.ok(Date.parse(c.startedAt) >= Date.parse(d.startedAt));
    }
    // Observed beside predicted: C 32,768 and R = min(20000, ⌊C/4⌋) = 8,192 put the threshold at 24,576.
    const show = await runCli(['lab', 'show', JSON.parse(a.r.stdout).session.id], { cwd: a.dir });
    assert.match(show.stdout, /compaction trigger: observed at [\d,]+ tokens \(median of \d+\), predicted 24,576 \(C − R, R = min\(20000, ⌊C\/4⌋\); C 32,768 for mocklab\/mock-1\): \+[\d,]+ \(\+\d+ %\)/, show.stdout);
    const b = await compactingLab({ compactor: true, repeats: 1 });
    assert.equal(b.r.status, 0, b.r.stderr.slice(-3000));
    const db = JSON.parse(b.r.stdout).dispatches[0];
    // OpenClaw 2026.9.6 summarizes threshold compactions in mode "default" with the run's model even with
    // compaction.model set: the server saw only the primary asked, and the record says so — from the wire.
    assert.deepEqual([...new Set(b.s.summaries)], ['mock-1']);
    assert.ok((db.compactions as Compaction[]).every((c) => c.model === 'mocklab/mock-1' && c.modelFrom === 'wire'), JSON.stringify(db.compactions));
    assert.ok(db.requests >= db.turns + db.compactions.length, `the wire counted every model request: ${db.requests} for ${db.turns} turns and ${db.compactions.length} summaries`);
    assert.ok(db.promptTokensMax > 24_576 && db.prefillMs > 0, JSON.stringify({ promptTokensMax: db.promptTokensMax, prefillMs: db.prefillMs }));
    assert.ok(fs.existsSync(path.join(b.dir, '.local-ai-lab', 'runs', JSON.parse(b.r.stdout).session.id, 'wire.jsonl')));
    // The timeline calls it out: a summary asked of the primary while compaction.model names another model.
    const tb = JSON.parse((await runCli(['lab', 'show', JSON.parse(b.r.stdout).session.id, '--timeline', '--json'], { cwd: b.dir })).stdout);
    const onPrimary = tb.anomalies.filter((x: { kind: string }) => x.kind === 'summary-on-primary');
    assert.equal(onPrimary.length, b.s.summaries.length, JSON.stringify(tb.anomalies));
    assert.match(onPrimary[0].message, /asked of the primary mocklab\/mock-1 although compaction\.model is mocklab\/mock-compactor/);
    // Both sessions in one folder for the comparison.
    const into = path.join(a.dir, '.local-ai-lab', 'runs', JSON.parse(b.r.stdout).session.id);
    fs.cpSync(path.join(b.dir, '.local-ai-lab', 'runs', JSON.parse(b.r.stdout).session.id), into, { recursive: true });
    const c = await runCli(['lab', 'compare', JSON.parse(a.r.stdout).session.id, JSON.parse(b.r.stdout).session.id], { cwd: a.dir });
    assert.equal(c.status, 0, c.stderr);
    assert.equal((c.stdout.match(/compaction tax: mocklab\/mock-1 \d+\.\d s per compaction \(median of \d+\)/g) ?? []).length, 2, c.stdout);
    assert.match(c.stdout, /all dispatches: 1 of 1 step-by-step, \d+ compactions?/);
  });

  it('in safeguard mode with a compactor, the compaction that happens is summarized by the compactor: the wire says which model was asked', async () => {
    // The mid-turn precheck is the path that compacts inside one dispatch in safeguard mode on 2026.9.6; the quality
    // guard (which wants the scripted summary to foreground the exact latest ask) is off: which model is asked is the point.
    // Smaller reads than the threshold test's, so the recent messages fit beside a summary when the precheck compacts.
    const c = await compactingLab({ compactor: true, repeats: 1, files: 10, fileChars: 9_000, compaction: { mode: 'safeguard', midTurnPrecheck: { enabled: true }, qualityGuard: { enabled: false } } });
    assert.equal(c.r.status, 0, c.r.stderr.slice(-3000) + c.r.stdout.slice(0, 2000));
    const d = JSON.parse(c.r.stdout).dispatches[0];
    const cs = d.compactions as Compaction[];
    assert.ok(cs.length >= 1, `a compaction happened: ${JSON.stringify(d)}`);
    assert.ok(c.s.summaries.includes('mock-compactor'), `the server was asked by the compactor: ${c.s.summaries.join(', ')}`);
    const fromWire = cs.filter((x) => x.modelFrom === 'wire');
    assert.ok(fromWire.length >= 1);
    assert.deepEqual([...new Set(fromWire.map((x) => x.model))], [...new Set(c.s.summaries.map((m) => `mocklab/${m}`))], 'each summary recorded with the model the server was asked for');
    const t = JSON.parse((await runCli(['lab', 'show', JSON.parse(c.r.stdout).session.id, '--timeline', '--json'], { cwd: c.dir })).stdout);
    const asked = t.anomalies.filter((x: { kind: string }) => x.kind === 'summary-on-primary').length;
    assert.equal(asked, c.s.summaries.filter((m) => m === 'mock-1').length, 'only summaries the primary was asked for are called out');
  });
});
