import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { validatorFor } from '../../src/core/migrate/validate.js';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';
import { runCli } from '../support/cli.js';
import { millis } from '../../src/core/units.js';

const { exe, skip } = needsOpenclaw();

describe('the validator copy, judged by the real OpenClaw 2026.9.6', { skip }, () => {
  it('resolves $include against the real config folder and leaves nothing beside the config', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-val-'));
    const config = path.join(dir, 'openclaw.json');
    fs.writeFileSync(path.join(dir, 'models.json5'), '{ providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", models: [{ id: "m", name: "M" }] } } }\n');
    const text = '{\n  models: { $include: "./models.json5" },\n  agents: { defaults: { model: { primary: "lmstudio/m" } } },\n}\n';
    fs.writeFileSync(config, text);
    const validate = validatorFor(exe!, config, { timeoutMs: millis(120_000), env: isolatedEnv() });
    const ok = await validate(text);
    assert.equal(ok.valid, true, JSON.stringify(ok));
    // The included file's own problem is found through the copy, so the copy really read it.
    fs.writeFileSync(path.join(dir, 'models.json5'), '{ providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", models: [{ id: "m" }] } } }\n');
    const bad = await validate(text);
    assert.equal(bad.valid, false);
    assert.ok(bad.issues.some((i) => /models\.providers\.lmstudio\.models\.0\.name/.test(i.path)), JSON.stringify(bad.issues));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['models.json5', 'openclaw.json']);
  });
});

describe('local-ai-lab check asks the installed OpenClaw too, as the editor does', { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-chk-'));
  const config = path.join(dir, 'openclaw.json');
  // A key our rules do not know but OpenClaw 2026.9.6 rejects, and a retired key both of us know.
  fs.writeFileSync(config, `{
  models: { providers: { lmstudio: { baseUrl: "http://127.0.0.1:1/v1", api: "openai-completions", models: [{ id: "m", name: "M", contextWindow: 32768 }] } } },
  bogusTopLevel: 1,
  agents: { defaults: {
    model: { primary: "lmstudio/m" },
    compaction: { mode: "default", reserveTokensFloor: 24000 },
  } },
}
`);
  const run = (args: string[]) => runCli(['check', '--config', config, '--openclaw', exe!, '--no-probe', ...args], { env: { ...isolatedEnv(), PATH: '/usr/bin:/bin' } });

  it('reports OpenClaw\'s issues (source openclaw, with ranges) beside ours, once per key; exit 1', async () => {
    const r = await run(['--json']);
    assert.equal(r.status, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.validator, { ran: true, version: '2026.9.6', valid: false });
    const theirs = out.findings.filter((f: { source: string }) => f.source === 'openclaw');
    const bogus = theirs.find((f: { message: string }) => /Unrecognized key: "bogusTopLevel"/.test(f.message));
    assert.ok(bogus, JSON.stringify(out.findings, null, 1));
    assert.equal(bogus.rule, 'openclaw');
    assert.equal(fs.readFileSync(config, 'utf8').split('\n')[bogus.range.start.line]!.includes('bogusTopLevel'), true, 'at the key');
    // The retired key: one finding (ours), OpenClaw's words beside it; not a second one at the same range.
    const retired = out.findings.filter((f: { message: string; related?: string[] }) => /reserveTokensFloor/.test(f.message) || f.related?.some((m) => /reserveTokensFloor/.test(m)));
    assert.equal(retired.length, 1, JSON.stringify(retired));
    assert.equal(retired[0].rule, 'retired-key');
    assert.match(retired[0].related[0], /Unrecognized key: "reserveTokensFloor"/);
  });

  it('--no-validate skips it, and says so in the JSON', async () => {
    const r = await run(['--json', '--no-validate']);
    const out = JSON.parse(r.stdout);
    assert.equal(out.validator.ran, false);
    assert.equal(out.validator.note, '--no-validate');
    assert.ok(!out.findings.some((f: { source: string }) => f.source === 'openclaw'));
  });

  it('without OpenClaw the output says the validator did not run', async () => {
    const r = await runCli(['check', '--config', config, '--no-probe', '--openclaw', '/nonexistent/openclaw'], { env: { PATH: '/usr/bin:/bin' } });
    assert.match(r.stderr, /OpenClaw's own validator did not run \(no OpenClaw found/);
  });
});
