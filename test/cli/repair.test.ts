// OpenClaw's repair as a process: capped, cancellable, killed with everything it started, and a failure decides
// nothing. The "openclaw" here are small scripts that behave as a hung or failing doctor would; the real doctor
// runs in migrate-real.test.ts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repairWithDoctor, RepairFailed } from '../../src/core/openclaw/repair.js';
import { planMigration } from '../../src/core/migrate/run.js';
import { parseVersion } from '../../src/core/openclaw/version.js';
import { millis } from '../../src/core/units.js';
import { runCli } from '../support/cli.js';

const V = parseVersion('2026.9.6')!;

function script(body: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-fake-oc-'));
  const exe = path.join(dir, 'openclaw');
  fs.writeFileSync(exe, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return exe;
}
/** Running, not a zombie waiting for a parent that does not reap (pid 1 in a container may not). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe("OpenClaw's repair as a process", () => {
  it('a doctor that hangs is killed at the cap, with the child it started, and the private home is gone', async () => {
    const pidFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-pid-')), 'child');
    const exe = script(`echo "$HOME" > "${pidFile}.home"; sleep 60 & echo $! > "${pidFile}"; wait`);
    // The cap, not the 60 s sleep, ended it: a doctor that ran to its end would have exited 0.
    await assert.rejects(repairWithDoctor(exe, '{}', { timeoutMs: millis(1500) }), (e: Error) => e instanceof RepairFailed && /did not finish within 2 s/.test(e.message));
    const child = Number(fs.readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(alive(child), false, 'the sleeping child was killed too');
    assert.equal(fs.existsSync(fs.readFileSync(`${pidFile}.home`, 'utf8').trim()), false, 'the private home was removed');
  });

  it('cancel stops it at once', async () => {
    const exe = script('sleep 60');
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    await assert.rejects(repairWithDoctor(exe, '{}', { signal: abort.signal, timeoutMs: millis(60_000) }), /cancelled/);
  });

  it('runs with a private HOME and config path, never the real ones; returns the tree it wrote', async () => {
    const exe = script(`case "$HOME" in "${os.homedir()}") exit 9;; esac
test "$OPENCLAW_CONFIG_PATH" = "$OPENCLAW_STATE_DIR/openclaw.json" || exit 8
printf '{"gateway":{"nodes":{"commands":{"deny":["system.run"]}}}}' > "$OPENCLAW_CONFIG_PATH"
echo "◇  Doctor changes ───╮"
echo "│  Moved gateway.nodes.denyCommands → gateway.nodes.commands.deny.  │"
echo "├────╯"
echo "Doctor complete."`);
    const r = await repairWithDoctor(exe, '{ gateway: { nodes: { denyCommands: ["system.run"] } } }');
    assert.deepEqual(r.repaired, { gateway: { nodes: { commands: { deny: ['system.run'] } } } });
    assert.deepEqual(r.notes, ['Moved gateway.nodes.denyCommands → gateway.nodes.commands.deny.']);
    assert.deepEqual(r.blocked, []);
  });

  it('a doctor that fails: Make Config Valid writes nothing and names the way on', async () => {
    const exe = script('echo "boom: cannot read plugin registry" >&2; exit 3');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-rf-'));
    const file = path.join(dir, 'openclaw.json');
    const text = '// mine\n{ gateway: { nodes: { denyCommands: ["system.run"] } } }\n';
    fs.writeFileSync(file, text);
    const plan = await planMigration(file, fs.readFileSync(file), { executable: exe, version: V, installed: V, timeoutMs: millis(20_000) });
    assert.equal(plan.after, text);
    assert.match(plan.refused ?? '', /OpenClaw's repair did not complete: openclaw doctor exited with 3: boom: cannot read plugin registry\. Nothing was changed; .*--no-repair/);
    assert.deepEqual(fs.readdirSync(dir), ['openclaw.json']);
  });
});

describe('#27 item 15: doctor never outlives migrate, and its private home never stays', () => {
  /** A doctor that records its HOME and a child it started, then waits for ever (its validator rejects the file, so doctor runs). */
  function hangingDoctor() {
    const at = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-doc-'));
    const exe = script(`case "$1" in --version) echo "OpenClaw 2026.9.6"; exit 0;; config) echo '{"valid":false,"issues":[{"path":"gateway.mode","message":"Invalid input"}],"warnings":[]}'; exit 1;; esac
echo "$HOME" > "${at}/home"; sleep 60 & echo $! > "${at}/child"; wait`);
    const config = path.join(at, 'openclaw.json');
    fs.writeFileSync(config, '{ gateway: { mode: "local" } }\n');
    const started = async () => {
      const until = Date.now() + 20_000;
      while (!fs.existsSync(path.join(at, 'child')) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 100));
      return { home: fs.readFileSync(path.join(at, 'home'), 'utf8').trim(), child: Number(fs.readFileSync(path.join(at, 'child'), 'utf8')) };
    };
    return { exe, config, started };
  }

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig} during migrate stops doctor with its child and removes the private home`, async () => {
      const d = hangingDoctor();
      let pid = 0;
      const run = runCli(['migrate', '--config', d.config, '--openclaw', d.exe], { onSpawn: (p) => (pid = p) });
      const { home, child } = await d.started();
      process.kill(pid, sig);
      await run;
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(alive(child), false, "doctor's child was stopped");
      assert.equal(fs.existsSync(home), false, 'the private home (a copy of the config) is gone');
    });
  }

  it('SIGKILL leaves them; the next run stops that doctor and removes its home', async () => {
    const d = hangingDoctor();
    let pid = 0;
    const run = runCli(['migrate', '--config', d.config, '--openclaw', d.exe], { onSpawn: (p) => (pid = p) });
    const { home, child } = await d.started();
    process.kill(pid, 'SIGKILL');
    await run;
    assert.ok(fs.existsSync(home) && alive(child), 'a killed migrate could not clean up');
    const next = script('exit 0');
    await repairWithDoctor(next, '{}').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(alive(child), false, 'the next run stopped the doctor left running');
    assert.equal(fs.existsSync(home), false, 'and removed its private home');
  });

  it('a doctor killed by a signal is said as such, not "exited with null"', async () => {
    const exe = script('kill -9 $$');
    await assert.rejects(repairWithDoctor(exe, '{}'), (e: Error) => /openclaw doctor was killed by SIGKILL/.test(e.message));
    // Through migrate: the refusal says what happened, and no "still rejects it: 0 issue(s) remain" follows it.
    const cli = script('case "$1" in --version) echo "OpenClaw 2026.9.6"; exit 0;; esac\nkill -9 $$');
    const config = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-doc-')), 'openclaw.json');
    fs.writeFileSync(config, '{ gateway: { mode: "local" } }\n');
    const r = await runCli(['migrate', '--config', config, '--openclaw', cli]);
    assert.match(r.stderr, /not changed: OpenClaw's repair did not complete: openclaw doctor was killed by SIGKILL/);
    assert.doesNotMatch(r.stdout, /issue\(s\) remain/);
  });
});

describe('#27 item 16: doctor that finished without applying its fixes is no failed repair', () => {
  it('exit 1 with "Doctor finished, but config fixes were not applied" returns the blocking paths, like "No config changes were written"', async () => {
    // Doctor's own words, from test/fixtures/corpus-real/doctor/025-lee-jaejin-ollama-env-baseurl.json.
    const exe = script(`cat <<'END'
◇  Doctor warnings ──────────────────────────────────────────────────────╮
│                                                                        │
│  Doctor could not apply config fixes: the repaired config still fails  │
│  validation.                                                           │
│  - gateway.bind: gateway.bind must resolve to loopback when            │
│    gateway.tailscale.mode=serve (use gateway.bind="loopback" or        │
│  No config changes were written. Fix the value(s) above in             │
│                                                                        │
├────────────────────────────────────────────────────────────────────────╯
│
└  Doctor finished, but config fixes were not applied.
END
exit 1`);
    const r = await repairWithDoctor(exe, '{ gateway: { bind: "lan" } }');
    assert.deepEqual(r.blocked, ['gateway.bind']);
    assert.deepEqual(r.repaired, { gateway: { bind: 'lan' } }, 'the copy as it was: doctor wrote nothing');
  });

  it('exit 1 that finished with only warnings is the unchanged tree, not a failure', async () => {
    const exe = script(`echo "[config] warnings: - plugins.entries.x: plugin not installed"; echo "└  Doctor finished, but config fixes were not applied."; exit 1`);
    const r = await repairWithDoctor(exe, '{ a: 1 }');
    assert.deepEqual([r.blocked, r.repaired], [[], { a: 1 }]);
  });
});

describe('#27 Also: a config folder you cannot write', () => {
  it('migrate says so in one sentence before doctor runs, not a raw EACCES after it', { skip: process.getuid?.() !== 0 ? 'needs root to run as nobody' : false }, async () => {
    const at = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-ro-'));
    fs.chmodSync(at, 0o755);
    const ran = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-ran-')), 'doctor-ran');
    fs.chmodSync(path.dirname(ran), 0o777);
    const exe = script(`case "$1" in --version) echo "OpenClaw 2026.9.6"; exit 0;; esac\ntouch "${ran}"; echo "Doctor complete."`);
    fs.chmodSync(path.dirname(exe), 0o755);
    const config = path.join(at, 'openclaw.json');
    fs.writeFileSync(config, '{ gateway: { mode: "local" } }\n');
    fs.chmodSync(config, 0o644);
    // As nobody: the file and its folder are root's, readable, not writable.
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [path.resolve('dist/cli.js'), 'migrate', '--config', config, '--openclaw', exe], { uid: 65534, gid: 65534, env: { PATH: process.env.PATH, HOME: '/tmp' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (status) => resolve({ status, stderr }));
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /openclaw\.json cannot be changed: you cannot write the file, .*\(EACCES\); nothing was run or changed/);
    assert.equal(fs.existsSync(ran), false, 'doctor never ran');
  });
});

describe('#26: Make Config Valid waits for no doctor run it does not need', () => {
  it("doctor's first config write is its repair: read then, without waiting for the private copy's later writes", async () => {
    // After its repair, doctor writes again about the private copy's environment (skills whose binaries it lacks);
    // that write, 5 s later, must not be what comes back.
    const exe = script(`printf '{"gateway":{"nodes":{"commands":{"deny":["system.run"]}}}}' > "$OPENCLAW_CONFIG_PATH"
echo "Updated config: \\$OPENCLAW_HOME/.openclaw/openclaw.json"
sleep 5
printf '{"gateway":{"nodes":{"commands":{"deny":["system.run"]}}},"skills":{"entries":{"xurl":{"enabled":false}}}}' > "$OPENCLAW_CONFIG_PATH"
echo "Updated config: \\$OPENCLAW_HOME/.openclaw/openclaw.json"
echo "Doctor complete."`);
    const r = await repairWithDoctor(exe, '{ gateway: { nodes: { denyCommands: ["system.run"] } } }');
    assert.deepEqual(r.repaired, { gateway: { nodes: { commands: { deny: ['system.run'] } } } });
  });

  it('a refusal is an answer as soon as doctor prints it: the blocking paths, without waiting for the rest of its run', async () => {
    const exe = script(`cat <<'END'
◇  Doctor warnings ───────────────────────────╮
│  - gateway.bind: gateway.bind must resolve to loopback  │
│  No config changes were written. Fix the value(s) above in             │
END
sleep 60`);
    // Were the rest of the run waited for, the 20 s cap would end it as a failure.
    const r = await repairWithDoctor(exe, '{ gateway: { bind: "lan" } }', { timeoutMs: millis(20_000) });
    assert.deepEqual([r.blocked, r.repaired], [['gateway.bind'], { gateway: { bind: 'lan' } }]);
  });

  it('a file OpenClaw already accepts: doctor, started beside the validator, is stopped with its child', async () => {
    const at = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-doc-'));
    const exe = script(`case "$1" in --version) echo "OpenClaw 2026.9.6"; exit 0;; config) sleep 1; echo '{"valid":true,"issues":[],"warnings":[]}'; exit 0;; esac
sleep 60 & echo $! > "${at}/child"; wait`);
    const file = path.join(at, 'openclaw.json');
    fs.writeFileSync(file, '{ gateway: { mode: "local" } }\n');
    const plan = await planMigration(file, fs.readFileSync(file), { executable: exe, version: V, installed: V, timeoutMs: millis(20_000) });
    assert.equal(plan.repair.note, 'OpenClaw already accepts the file, so its repair did not run');
    assert.ok(fs.existsSync(path.join(at, 'child')), 'doctor had started beside the validator');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(alive(Number(fs.readFileSync(path.join(at, 'child'), 'utf8'))), false, "doctor's child was stopped");
  });

  /** A validator that rejects `denyCommands` where 2026.9.6 no longer reads it, and accepts the file without it. */
  const guardValidator = () =>
    script(`case "$1" in --version) echo "OpenClaw 2026.9.6"; exit 0;; esac
if grep -q denyCommands "$OPENCLAW_CONFIG_PATH"; then echo '{"valid":false,"issues":[{"path":"gateway.nodes","message":"Unrecognized key: \\"denyCommands\\""}],"warnings":[]}'; exit 1; fi
echo '{"valid":true,"issues":[],"warnings":[]}'`);
  const moved = { gateway: { nodes: { commands: { deny: ['system.run'] } } } };

  it('the guards doctor leaves unread are asked about beside the repair, and that answer is the one used', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-ga-')), 'openclaw.json');
    const text = '{\n  gateway: {\n    mode: "local",\n    nodes: { denyCommands: ["system.run"] }, // never let agents run\n  },\n}\n';
    fs.writeFileSync(file, text);
    const calls: { input: string; started: number; ended?: number }[] = [];
    const repair = async (t: string) => {
      const call: (typeof calls)[number] = { input: t, started: Date.now() };
      calls.push(call);
      await new Promise((r) => setTimeout(r, 500));
      call.ended = Date.now();
      // The whole file: doctor leaves the guard where it is. The guards-only copy: it moves it.
      const tree = JSON.parse(JSON.stringify(t.includes('mode') ? { gateway: { mode: 'local', nodes: { denyCommands: ['system.run'] } } } : moved));
      return { repaired: tree, seconds: 0.5, notes: [], blocked: [] };
    };
    const plan = await planMigration(file, fs.readFileSync(file), { executable: guardValidator(), version: V, installed: V, timeoutMs: millis(20_000), repair });
    assert.equal(calls.length, 2, 'the repair, and the guards-only copy once');
    assert.deepEqual(JSON.parse(calls[1]!.input), { gateway: { nodes: { denyCommands: ['system.run'] } } });
    assert.ok(calls[1]!.started < calls[0]!.ended!, 'the guards-only copy was asked while the repair ran');
    assert.ok(plan.valid, JSON.stringify(plan.remaining));
    assert.match(plan.after, /commands: \{ deny: \["system\.run"\] \}|commands/);
    assert.match(plan.after, /never let agents run/, 'the comment kept');
  });

  it('an answer asked ahead for a copy step 3 does not ask about is not used', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-ga-')), 'openclaw.json');
    fs.writeFileSync(file, '{ gateway: { mode: "local", nodes: { denyCommands: ["system.run"] } } }\n');
    const inputs: string[] = [];
    // The repair itself moves the guard: step 3 has nothing to ask, and the answer ahead (a marker) must not show.
    const repair = async (t: string) => {
      inputs.push(t);
      return { repaired: t.includes('mode') ? { gateway: { mode: 'local', nodes: { commands: { deny: ['system.run'] } } } } : { gateway: { nodes: { commands: { deny: ['MARKER'] } } } }, seconds: 0.1, notes: [], blocked: [] };
    };
    const plan = await planMigration(file, fs.readFileSync(file), { executable: guardValidator(), version: V, installed: V, timeoutMs: millis(20_000), repair });
    assert.ok(plan.valid);
    assert.doesNotMatch(plan.after, /MARKER/);
    assert.match(plan.after, /system\.run/);
  });
});

describe('a repair doctor works out but its own write refuses', () => {
  it('is an answer, not a failure: Make Config Valid goes on with its own fixes and says why (corpus-real 048)', async () => {
    // OpenClaw's write guard, as doctor printed it on test/fixtures/corpus-real/048 (its stored run): exit 1.
    const exe = script(`case "$1" in --version) echo "OpenClaw 2026.9.6"; exit 0;; esac
if [ "$1" = config ]; then
  if grep -q reserveTokensFloor "$OPENCLAW_CONFIG_PATH"; then echo '{"valid":false,"issues":[{"path":"agents.defaults.compaction","message":"Unrecognized key: \\"reserveTokensFloor\\""}],"warnings":[]}'; exit 1; fi
  echo '{"valid":true,"issues":[],"warnings":[]}'; exit 0
fi
echo "┌  OpenClaw doctor"
echo "Doctor could not complete maintenance. Check the reported service state and resolve the failure." >&2
echo "Config write would reorder or modify an array containing environment references." >&2
exit 1`);
    const r = await repairWithDoctor(exe, '{ a: ["${X}"] }');
    assert.equal(r.declined, 'Config write would reorder or modify an array containing environment references.');
    assert.deepEqual(r.repaired, { a: ['${X}'] }, 'the copy as it was');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-dd-')), 'openclaw.json');
    fs.writeFileSync(file, '{\n  env: { list: ["${A}", "${B}"] },\n  agents: { defaults: { compaction: { reserveTokensFloor: 24000 } } }, // tuned\n}\n');
    const plan = await planMigration(file, fs.readFileSync(file), { executable: exe, version: V, installed: V, timeoutMs: millis(20_000) });
    assert.equal(plan.refused, undefined);
    assert.equal(plan.valid, true, JSON.stringify(plan.remaining));
    assert.match(plan.repair.note ?? '', /^doctor would not write its repair: Config write would reorder or modify an array containing environment references; only Local AI Lab's own fixes were used$/);
    assert.match(plan.after, /"\$\{A\}", "\$\{B\}"/, 'the ${VAR} list untouched');
    assert.doesNotMatch(plan.after, /reserveTokensFloor/);
  });

  it('a doctor that fails for another reason still refuses the whole plan', async () => {
    const exe = script('echo "Error: EACCES: permission denied, open plugins.json" >&2; exit 1');
    await assert.rejects(repairWithDoctor(exe, '{}'), (e: Error) => e instanceof RepairFailed && /EACCES/.test(e.message));
  });
});
