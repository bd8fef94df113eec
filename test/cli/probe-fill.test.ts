import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { serverPool } from '../support/scriptedServer.js';

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
});
