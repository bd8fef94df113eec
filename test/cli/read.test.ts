import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { listCodewordRecords } from '../../src/core/lab/experiments/codewordRun.js';
import { listSweeps } from '../../src/core/lab/experiments/sweepRun.js';
import { listSessions, readSession } from '../../src/core/lab/records/store.js';
import { runCli } from '../support/cli.js';
import { pendingSession } from '../support/labRecords.js';

/** Bad input gets one clear line and exit 2 — never a hang (the runner's safety timeout fails a hang), never an out-of-memory abort. */
async function checkFails(config: string, pattern: RegExp): Promise<void> {
  const r = await runCli(['check', '--config', config, '--no-probe', '--openclaw-version', '2026.9.6'], { env: { PATH: '/usr/bin:/bin' } });
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
}

describe('the config reader', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-read-'));

  it('a FIFO is refused, not read (no hang)', async () => {
    const fifo = path.join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    await checkFails(fifo, /is a FIFO \(named pipe\), not a config file/);
  });

  it('a device is refused', () => checkFails('/dev/zero', /is a device, not a config file/));

  it('a folder is refused', () => checkFails(dir, /is a folder, not a config file/));

  it('a 20 MB file is refused by its size, without reading it', async () => {
    const big = path.join(dir, 'big.json');
    fs.writeFileSync(big, '{ "a": "' + 'x'.repeat(20 * 1024 * 1024) + '" }');
    await checkFails(big, /is 20\.0 MB; Local AI Lab reads a config of at most 16 MB \(a bound on memory, not OpenClaw's/);
  });

  it('item 17: a 2.9 MB main config is read, as OpenClaw validates it; a 2.5 MB $include is refused at the $include, by OpenClaw\'s own cap', async () => {
    const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-big-'));
    const config = path.join(cfgDir, 'openclaw.json');
    const filler = (mb: number) => `[${Array.from({ length: Math.round((mb * 1024 * 1024) / 57) }, (_, i) => `"note ${String(i).padStart(8, '0')} ${'x'.repeat(40)}"`).join(',')}]`;
    fs.writeFileSync(path.join(cfgDir, 'big.json5'), `{ notes: ${filler(2.5)} }`);
    fs.writeFileSync(config, `{
  meta: { notes: ${filler(2.9)} },
  agents: { $include: "./big.json5" },
}
`);
    assert.ok(fs.statSync(config).size > 2.8 * 1024 * 1024);
    const r = await runCli(['check', '--config', config, '--no-probe', '--openclaw-version', '2026.9.6', '--json'], { env: { PATH: '/usr/bin:/bin' } });
    assert.notEqual(r.status, 2, r.stderr);
    const findings = JSON.parse(r.stdout).findings as { message: string; range: { start: { line: number } } }[];
    const inc = findings.find((f) => /OpenClaw reads an \$include file of at most 2 MB/.test(f.message));
    assert.ok(inc, JSON.stringify(findings.map((f) => f.message)));
    assert.equal(inc.range.start.line, 2);
  });

  it('a missing file says so', () => checkFails(path.join(dir, 'nope.json'), /does not exist/));

  it('a symlinked include and an include outside the folder are findings at the $include, not reads', async () => {
    const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-inc-'));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-out-'));
    fs.writeFileSync(path.join(outside, 'agents.json5'), '{ defaults: {} }');
    fs.symlinkSync(path.join(outside, 'agents.json5'), path.join(cfgDir, 'linked.json5'));
    const config = path.join(cfgDir, 'openclaw.json');
    fs.writeFileSync(config, `{\n  agents: { $include: "./linked.json5" },\n  models: { $include: "${path.join(outside, 'agents.json5')}" },\n}\n`);
    const r = await runCli(['check', '--config', config, '--no-probe', '--openclaw-version', '2026.9.6', '--json'], { env: { PATH: '/usr/bin:/bin' } });
    const findings = JSON.parse(r.stdout).findings as { message: string; range: { start: { line: number } } }[];
    const link = findings.find((f) => /symbolic link/.test(f.message));
    const out = findings.find((f) => /outside the config (directory|folder)/.test(f.message));
    assert.ok(link, JSON.stringify(findings));
    assert.equal(link.range.start.line, 1);
    assert.ok(out, JSON.stringify(findings));
    assert.equal(out.range.start.line, 2);
  });

  it('OPENCLAW_INCLUDE_ROOTS allows an include outside the folder, as in OpenClaw', async () => {
    const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-inc-'));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-out-'));
    fs.writeFileSync(path.join(outside, 'models.json5'), '{ providers: {} }');
    const config = path.join(cfgDir, 'openclaw.json');
    fs.writeFileSync(config, `{ models: { $include: "${path.join(outside, 'models.json5')}" } }\n`);
    const r = await runCli(['check', '--config', config, '--no-probe', '--openclaw-version', '2026.9.6', '--json'], { env: { PATH: '/usr/bin:/bin', OPENCLAW_INCLUDE_ROOTS: outside } });
    assert.ok(!JSON.parse(r.stdout).findings.some((f: { message: string }) => /outside/.test(f.message)), r.stdout);
  });
});

describe('lab records are read bounded (#27 item 14)', () => {
  const labOf = () => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-hostile-')));

  it('item 14: a record that is a link to /dev/zero, a FIFO or a file outside the folder is refused, not read', () => {
    const labDir = labOf();
    const outside = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-victim-')), 'x.json');
    fs.writeFileSync(outside, '{}');
    const zero = pendingSession(labDir, '/nonexistent/openclaw.json', 'http://127.0.0.1:1/v1', 2);
    fs.rmSync(path.join(labDir, 'runs', zero.id, 'session.json'));
    fs.symlinkSync('/dev/zero', path.join(labDir, 'runs', zero.id, 'session.json'));
    assert.throws(() => readSession(labDir, zero.id), /leads outside|not a regular file/);
    const fifo = pendingSession(labDir, '/nonexistent/openclaw.json', 'http://127.0.0.1:1/v1', 2);
    execFileSync('mkfifo', [path.join(labDir, 'runs', fifo.id, 'dispatches.jsonl')]);
    assert.throws(() => readSession(labDir, fifo.id), /FIFO/, 'a FIFO neither blocks nor is read');
    const out = pendingSession(labDir, '/nonexistent/openclaw.json', 'http://127.0.0.1:1/v1', 2);
    fs.symlinkSync(outside, path.join(labDir, 'runs', out.id, 'dispatches.jsonl'));
    assert.throws(() => readSession(labDir, out.id), /leads outside/);
    assert.deepEqual(listSessions(labDir), [], 'the list skips all three');
    fs.mkdirSync(path.join(labDir, 'sweeps'));
    fs.symlinkSync('/dev/zero', path.join(labDir, 'sweeps', 'a.json'));
    execFileSync('mkfifo', [path.join(labDir, 'sweeps', 'b.json')]);
    fs.mkdirSync(path.join(labDir, 'probes'));
    fs.symlinkSync(outside, path.join(labDir, 'probes', 'c.json'));
    assert.deepEqual(listSweeps(labDir), []);
    assert.deepEqual(listCodewordRecords(labDir), []);
  });

});
