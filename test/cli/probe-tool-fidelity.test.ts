import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { keepProbeFixture } from '../support/probeFixtures.js';
import { startFidelityModel, type FidelityModel } from '../support/fidelityModel.js';

const open: FidelityModel[] = [];
after(() => Promise.all(open.map((s) => s.close())));

const proxy = path.resolve('out/test/support/scriptedProxy.js');
const cmd = (...flags: string[]) => [process.execPath, proxy, 'proxy', '--host', '127.0.0.1', '--port', '{port}', '--openai-api-url', '{upstream}', ...flags];

/** A config whose primary is the scripted fidelity model, and a proxies file: the scripted proxy with its defaults and with the safe flags. */
async function setup() {
  const s = await startFidelityModel();
  open.push(s);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-fidelity-cli-'));
  const config = path.join(dir, 'openclaw.json');
  fs.writeFileSync(config, JSON.stringify({ models: { providers: { mocklab: { baseUrl: `${s.url}/v1`, api: 'openai-completions', models: [{ id: 'mock-1', contextWindow: 32768, maxTokens: 1024 }] } } }, agents: { defaults: { model: { primary: 'mocklab/mock-1' } } } }));
  const proxies = path.join(dir, 'proxies.json');
  fs.writeFileSync(proxies, JSON.stringify([{ name: 'hr-defaults', command: cmd() }, { name: 'hr-safe', command: cmd('--mode', 'cache', '--no-cache', '--no-rate-limit', '--protect-tool-results', 'exec,read,process', '--lossless') }]));
  return { s, dir, args: ['--config', config, '--openclaw', path.join(dir, 'no-openclaw'), '--dir', path.join(dir, '.local-ai-lab'), '--proxies', proxies] };
}

describe('probe tool-fidelity on the command line (no OpenClaw needed)', () => {
  it('--json: direct and every declared proxy; a lost fact exits 1; the safe proxy alone exits 0', async () => {
    const t = await setup();
    const r = await runCli(['probe', 'tool-fidelity', ...t.args, '--json'], { cwd: t.dir });
    assert.equal(r.status, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.kind, 'tool-fidelity');
    assert.deepEqual(out.result.arms.map((a: { name: string; factsLost: string[] }) => [a.name, a.factsLost]), [['direct', []], ['hr-defaults', ['grep', 'ls']], ['hr-safe', []]]);
    assert.ok(fs.existsSync(out.record));
    keepProbeFixture(path.dirname(path.dirname(out.record)), 'tool-fidelity-scripted-proxy');
    const safe = await runCli(['probe', 'tool-fidelity', ...t.args, '--proxy', 'hr-safe'], { cwd: t.dir });
    assert.equal(safe.status, 0, safe.stderr);
    assert.match(safe.stdout, /^verdict: every planted fact reached the server in all 2 arms, nothing invented$/m);
    assert.match(safe.stdout, /^hr-safe +4\/4 +5\/5 +0 /m);
  });

  it('--dry-run lists the arms; an unknown --proxy and --base-url without --model are usage errors', async () => {
    const t = await setup();
    for (const picks of [['--proxy', 'hr-safe,hr-defaults'], ['--proxy', 'hr-safe', '--proxy', 'hr-defaults']]) {
      const d = await runCli(['probe', 'tool-fidelity', ...t.args, '--dry-run', ...picks], { cwd: t.dir });
      assert.equal(d.status, 0, d.stderr);
      assert.match(d.stdout, /^arms: direct, hr-safe, hr-defaults /m, picks.join(' '));
    }
    assert.ok(!t.s.bodies.length, 'no model request');
    const u = await runCli(['probe', 'tool-fidelity', ...t.args, '--proxy', 'nope'], { cwd: t.dir });
    assert.equal(u.status, 2, u.stderr);
    assert.match(u.stderr, /no proxy named "nope" \(declared: hr-defaults, hr-safe\)/);
    const b = await runCli(['probe', 'tool-fidelity', ...t.args, '--base-url', 'http://127.0.0.1:1/v1'], { cwd: t.dir });
    assert.equal(b.status, 2, b.stderr);
    assert.match(b.stderr, /--base-url needs --model/);
  });
});
