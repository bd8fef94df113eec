import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { lmStudioRoutes, serverPool } from '../support/scriptedServer.js';

const pool = serverPool();
after(() => pool.closeAll());

/** A config whose primary is served by a scripted vLLM (max_model_len 40960), registered at C 32768. */
async function setup() {
  const s = await pool.start({ '/health': { text: '' }, '/v1/models': { json: { object: 'list', data: [{ id: 'mock-1', object: 'model', owned_by: 'vllm', max_model_len: 40960 }] } } });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-fill-cli-'));
  const config = path.join(dir, 'openclaw.json');
  fs.writeFileSync(config, JSON.stringify({ models: { providers: { mocklab: { baseUrl: `${s.url}/v1`, api: 'openai-completions', models: [{ id: 'mock-1', contextWindow: 32768, maxTokens: 1024 }] } } }, agents: { defaults: { model: { primary: 'mocklab/mock-1' } } } }));
  return { s, dir, config, args: ['--config', config, '--openclaw', path.join(dir, 'no-openclaw'), '--dir', path.join(dir, '.local-ai-lab')] };
}

describe('probe fill on the command line (no OpenClaw needed)', () => {
  it('--dry-run says what would run — C, the trigger, the server context, the turns, the wire — and runs nothing', async () => {
    const t = await setup();
    const r = await runCli(['probe', 'fill', ...t.args, '--dry-run', '--max-turns', '8'], { cwd: t.dir });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^probe fill: agent main, primary mocklab\/mock-1, as things are$/m);
    assert.match(r.stdout, /registered C 32,768, predicted compaction at 24,576 \(C − R, R = min\(20000, ⌊C\/4⌋\)\)/);
    assert.match(r.stdout, /server: loaded context 40,960 \(what vLLM reports loaded\)/);
    assert.match(r.stdout, /up to 6 growth turns of ~1,978 tokens each/);
    assert.match(r.stdout, new RegExp(`wired: ${t.s.url.replace(/[.]/g, '\\.')}`));
    assert.ok(!t.s.requests.some((q) => q.method === 'POST'), 'no model request');
    assert.equal(fs.existsSync(path.join(t.dir, '.local-ai-lab')), false, 'nothing recorded');
    const j = await runCli(['probe', 'fill', ...t.args, '--dry-run', '--json', '--step', '1000'], { cwd: t.dir });
    assert.equal(j.status, 0, j.stderr);
    const plan = JSON.parse(j.stdout);
    assert.equal(plan.dryRun, true);
    assert.ok(plan.plan.some((l: string) => l.includes('up to 10 growth turns of ~1,000 tokens')));
  });

  it('usage errors exit 2: --max-turns out of 3–40, --step out of 100–24000, an unknown profile', async () => {
    const t = await setup();
    for (const [flag, value, re] of [['--max-turns', '2', /--max-turns: "2" is not a number of turns from 3 to 40/], ['--max-turns', '41', /from 3 to 40/], ['--step', '50', /--step: "50" is not a number of tokens from 100 to 24000/]] as const) {
      const r = await runCli(['probe', 'fill', ...t.args, flag, value], { cwd: t.dir });
      assert.equal(r.status, 2, `${flag} ${value}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    const p = await runCli(['probe', 'fill', ...t.args, '--dry-run', '--profile', 'no-such-profile'], { cwd: t.dir });
    assert.equal(p.status, 2, p.stderr);
    assert.match(p.stderr, /no-such-profile/);
  });

  it('--profile P: applied before the first turn and the state from before put back when the probe ends (here: OpenClaw missing, so the plant fails at once)', async () => {
    const s = await pool.start({ ...lmStudioRoutes({ loadedContext: 32768 }), 'POST /v1/chat/completions': { chat: { reply: 'Noted.' } } });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-fill-cli-'));
    const config = path.join(dir, 'openclaw.json');
    fs.writeFileSync(config, `// by hand\n{ models: { providers: { lmstudio: { baseUrl: 'http://127.0.0.1:${s.port}/v1', api: 'openai-completions', models: [{ id: 'qwen/qwen3-coder-30b', contextWindow: 32768 }] } } },\n  agents: { defaults: { model: { primary: 'lmstudio/qwen/qwen3-coder-30b' } } } }\n`);
    const before = fs.readFileSync(config);
    const profiles = path.join(dir, 'profiles.json');
    fs.writeFileSync(profiles, JSON.stringify([{ name: 'tuned', primary: { context: 65536 }, budget: 60000, compactor: null, compaction: { mode: 'default' } }]));
    const lab = path.join(dir, '.local-ai-lab');
    const r = await runCli(['probe', 'fill', '--profile', 'tuned', '--profiles', profiles, '--config', config, '--openclaw', path.join(dir, 'no-openclaw'), '--dir', lab, '--json'], { cwd: dir });
    assert.equal(r.status, 1, r.stderr);
    assert.ok(s.requests.some((q) => q.path === '/api/v1/models/load' && (q.body as { context_length?: number }).context_length === 65536), 'the profile was applied first');
    assert.match(r.stderr, /profile tuned: the state from before the probe is back \(openclaw\.json restored\)/);
    assert.deepEqual(fs.readFileSync(config), before);
    const out = JSON.parse(r.stdout);
    assert.deepEqual([out.kind, out.profile, out.result.verdict, out.result.turns.length], ['fill', 'tuned', 'no verdict', 1]);
    assert.match(out.result.turns[0].error, /no-openclaw/);
    assert.equal(path.dirname(out.record), path.join(lab, 'probes'));
  });
});
