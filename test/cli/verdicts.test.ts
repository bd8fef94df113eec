import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { repairWithDoctor } from '../../src/core/openclaw/repair.js';
import { v } from '../../src/core/openclaw/version.js';

/**
 * A stand-in `openclaw` that counts its `config validate` runs (one line each in `runs`), answers the documented
 * JSON, and says the release in `version` (so a test can "upgrade" it).
 */
function standIn(dir: string): { exe: string; runs: () => number; release: (v: string) => void } {
  const exe = path.join(dir, 'openclaw');
  const runs = path.join(dir, 'runs');
  const version = path.join(dir, 'version');
  fs.writeFileSync(version, '2026.9.6');
  fs.writeFileSync(
    exe,
    `#!/bin/sh
if [ "$1" = "--version" ]; then echo "OpenClaw $(cat '${version}') (stand-in)"; exit 0; fi
if [ "$1" = "config" ] && [ "$2" = "validate" ]; then
  echo run >> '${runs}'
  printf '{"valid":true,"path":"%s","warnings":[]}\\n' "$OPENCLAW_CONFIG_PATH"
  exit 0
fi
exit 2
`,
    { mode: 0o755 },
  );
  return { exe, runs: () => (fs.existsSync(runs) ? fs.readFileSync(runs, 'utf8').split('\n').filter(Boolean).length : 0), release: (v) => fs.writeFileSync(version, v) };
}

describe("check keeps OpenClaw's verdict by bytes, includes and release", () => {
  it('a second check of unchanged bytes does not start the validator; a changed included file, config or release does', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-verdicts-'));
    const { exe, runs, release } = standIn(dir);
    const home = path.join(dir, 'home');
    fs.mkdirSync(home);
    const config = path.join(home, 'openclaw.json');
    const agents = path.join(home, 'agents.json5');
    fs.writeFileSync(config, "{\n  // the roster is in its own file\n  agents: { $include: './agents.json5' },\n}\n");
    fs.writeFileSync(agents, "{ defaults: { model: { primary: 'lmstudio/qwen3-8b' } } }\n");
    const env = { LOCAL_AI_LAB_CACHE: path.join(dir, 'cache') };
    const check = async () => {
      const r = await runCli(['check', '--config', config, '--openclaw', exe, '--no-probe', '--json'], { env });
      const out = JSON.parse(r.stdout);
      assert.equal(out.validator.ran, true, r.stderr);
      assert.equal(out.validator.valid, true);
      return out;
    };

    await check();
    assert.equal(runs(), 1, 'the first check runs the validator');
    const again = await check();
    assert.equal(runs(), 1, 'unchanged bytes: the kept verdict, no second run');
    assert.equal(again.validator.version, '2026.9.6');

    fs.writeFileSync(agents, "{ defaults: { model: { primary: 'lmstudio/qwen3-14b' } } }\n");
    await check();
    assert.equal(runs(), 2, 'a changed included file is judged again');
    await check();
    assert.equal(runs(), 2);

    fs.appendFileSync(config, '// one more line\n');
    await check();
    assert.equal(runs(), 3, 'a changed config is judged again');

    release('2026.9.7');
    const upgraded = await check();
    assert.equal(runs(), 4, 'another OpenClaw release judges again');
    assert.equal(upgraded.validator.version, '2026.9.7');

    await runCli(['check', '--config', config, '--openclaw', exe, '--no-probe', '--no-validate'], { env });
    assert.equal(runs(), 4, '--no-validate starts no validator');
  });
});

describe("doctor's repair kept by text, release and program", () => {
  it('the same text repaired by the same release is read back; other text, another release or a doctor that failed runs it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-doctor-keep-'));
    const runs = path.join(dir, 'runs');
    const exe = path.join(dir, 'openclaw');
    // Fails for a text that names "fail"; otherwise writes its repair and reports one move.
    fs.writeFileSync(
      exe,
      `#!/bin/sh
echo run >> '${runs}'
if grep -q fail "$OPENCLAW_CONFIG_PATH"; then echo "boom" >&2; exit 3; fi
printf '{"gateway":{"nodes":{"commands":{"deny":["system.run"]}}}}' > "$OPENCLAW_CONFIG_PATH"
echo "◇  Doctor changes ───╮"
echo "│  Moved gateway.nodes.denyCommands → gateway.nodes.commands.deny.  │"
echo "├────╯"
echo "Doctor complete."
`,
      { mode: 0o755 },
    );
    const count = () => fs.readFileSync(runs, 'utf8').split('\n').filter(Boolean).length;
    const keep = { version: v('2026.9.6'), dir: path.join(dir, 'kept') };
    const text = '{ gateway: { nodes: { denyCommands: ["system.run"] } } }';
    const first = await repairWithDoctor(exe, text, { keep });
    assert.equal(count(), 1);
    const again = await repairWithDoctor(exe, text, { keep });
    assert.equal(count(), 1, 'the same text and release: read back, doctor not run');
    assert.deepEqual(again.repaired, first.repaired);
    assert.deepEqual(again.notes, ['Moved gateway.nodes.denyCommands → gateway.nodes.commands.deny.']);
    await repairWithDoctor(exe, `${text}\n`, { keep });
    assert.equal(count(), 2, 'other bytes');
    await repairWithDoctor(exe, text, { keep: { ...keep, version: v('2026.9.7') } });
    assert.equal(count(), 3, 'another release');
    await repairWithDoctor(exe, text);
    assert.equal(count(), 4, 'without keep it always runs');
    await assert.rejects(repairWithDoctor(exe, '{ fail: 1 }', { keep }));
    await assert.rejects(repairWithDoctor(exe, '{ fail: 1 }', { keep }));
    assert.equal(count(), 6, 'a repair that failed is not kept');
  });
});
