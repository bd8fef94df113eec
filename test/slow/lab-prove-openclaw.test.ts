import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { startCompactionServer, writeWorkspaceFiles, type CompactionServer } from '../support/compactionServer.js';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';

const { exe, skip } = needsOpenclaw();
const servers: CompactionServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

const PRIMARY = 'qwen/qwen3-coder-30b';
const COMPACTOR = 'qwen3-4b-instruct-2507';

describe('lab prove compaction-model-missing through the real OpenClaw 2026.9.6', { skip }, () => {
  it('as-is the primary summarizes slowly, with the fix the compactor fast: the verdict, the stored evidence, the bytes as before', async () => {
    const env = isolatedEnv();
    const files = writeWorkspaceFiles(path.join(env.OPENCLAW_STATE_DIR!, 'workspace'), 10, 9_000);
    // A scripted LM Studio (its REST API says what is downloaded: the fix picks the 4B instruct model from it).
    const s = await startCompactionServer({ agent: { id: PRIMARY, latencyMs: 20 }, summaryLatencyMs: { [PRIMARY]: 1500, [COMPACTOR]: 100 }, files, lmStudio: { loadedContext: 262144 } });
    servers.push(s);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-prove-oc-'));
    const config = path.join(dir, 'openclaw.json');
    // Safeguard with the mid-turn precheck (compactions inside the run), no compaction.model: compaction-model-missing.
    const text = JSON.stringify({
      models: { mode: 'merge', providers: { mocklab: { baseUrl: `http://127.0.0.1:${s.port}/v1`, apiKey: 'sk-mock-local', api: 'openai-completions', models: [{ id: PRIMARY, name: PRIMARY, contextWindow: 32768, maxTokens: 1024 }] } } },
      agents: { defaults: { model: { primary: `mocklab/${PRIMARY}` }, compaction: { mode: 'safeguard', midTurnPrecheck: { enabled: true }, qualityGuard: { enabled: false } } } },
    }, null, 2);
    fs.writeFileSync(config, text);
    fs.mkdirSync(path.join(dir, '.local-ai-lab', 'workloads'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, '.local-ai-lab', 'workloads', 'notes.json'),
      JSON.stringify({ name: 'notes', dispatcher: 'openclaw', transport: 'local', prompt: `Read the notes files ${files.join(', ')} one at a time with the read tool, then say DONE.`, repeats: 3, timeoutSeconds: 300 }),
    );
    const r = await runCli(['lab', 'prove', 'compaction-model-missing', '-n', '3', '--workload', 'notes', '--config', config, '--openclaw', exe!, '--json'], { cwd: dir, env });
    assert.equal(r.status, 0, r.stderr.slice(-3000) + r.stdout.slice(0, 2000));
    const out = JSON.parse(r.stdout);
    assert.equal(out.fix, `Use mocklab/${COMPACTOR} as the compaction model and the memory-flush model (and register it)`);
    // The server saw the primary summarize as-is and the compactor with the fix; the evidence says so from the records.
    assert.ok(s.summaries.includes(PRIMARY) && s.summaries.includes(COMPACTOR), s.summaries.join(', '));
    // Each compaction the wire attributed: the primary as-is, the compactor with the fix (records from OpenClaw's
    // log alone name the run's model whatever summarized, so they count as "not on the wire").
    const seen = (arm: string[]) => [...new Set(arm.filter((m) => m !== 'not on the wire'))];
    assert.deepEqual(seen(out.evidence.compactions.asIs), [`mocklab/${PRIMARY}`], JSON.stringify(out.evidence.compactions));
    assert.deepEqual(seen(out.evidence.compactions.fix), [`mocklab/${COMPACTOR}`], JSON.stringify(out.evidence.compactions));
    // The verdict is there with its interval; its sign is this machine's to say (no timing assertions in tests:
    // OpenClaw's own boot per dispatch dwarfs 1.4 s a summary at n = 3 on a busy machine).
    const m = out.evidence.medianSeconds;
    assert.ok([m.value, m.low, m.high].every(Number.isFinite) && m.low <= m.value && m.value <= m.high, JSON.stringify(m));
    assert.equal(fs.readFileSync(config, 'utf8'), text, "the config's bytes as before");
    const c = JSON.parse((await runCli(['check', '--config', config, '--openclaw', exe!, '--json'], { cwd: dir, env })).stdout);
    assert.match(c.findings.find((f: { rule: string }) => f.rule === 'compaction-model-missing').message, /Measured here on \d{4}-\d\d-\d\d: .*median wall time [+−]\d+\.\d s \(95 % interval /);
  });
});
