import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { plantedConfig } from '../support/sandbox.js';
import { lmStudioRoutes, startServer, type ScriptedServer } from '../support/scriptedServer.js';
import { runCli } from '../support/cli.js';

const run = (args: string[]) => runCli(args, { env: { PATH: '/usr/bin:/bin' } });

describe('local-ai-lab profile', () => {
  let s: ScriptedServer;
  after(() => s?.close());

  it('apply mid-range --dry-run prints the plan and writes nothing; --yes applies it; no --yes without a terminal is exit 2', async () => {
    s = await startServer(lmStudioRoutes({ loadedContext: 32768 }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-clip-'));
    const file = path.join(dir, 'openclaw.json');
    fs.writeFileSync(file, plantedConfig(s.port).replace(/\n\s*reserveTokensFloor: 24000, \/\/[^\n]*/, ''));
    const before = fs.readFileSync(file, 'utf8');

    const dry = await run(['profile', 'apply', 'mid-range', '--config', file, '--openclaw-version', '2026.9.6', '--dry-run']);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /^Profile mid-range:/m);
    assert.match(dry.stdout, /load qwen\/qwen3-coder-30b at/);
    assert.match(dry.stdout, /^\+.*contextTokens/m);
    assert.equal(fs.readFileSync(file, 'utf8'), before);

    const refused = await run(['profile', 'apply', 'mid-range', '--config', file, '--openclaw-version', '2026.9.6']);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /needs --yes/);

    const list = JSON.parse((await run(['profile', 'list', '--config', file, '--openclaw-version', '2026.9.6', '--json'])).stdout);
    assert.equal(list.active.name, 'custom');

    const applied = await run(['profile', 'apply', 'mid-range', '--config', file, '--openclaw-version', '2026.9.6', '--yes', '--json']);
    assert.equal(applied.status, 0, applied.stderr + applied.stdout);
    const report = JSON.parse(applied.stdout);
    assert.equal(report.ok, true);
    assert.ok(fs.existsSync(report.backup));
    assert.notEqual(fs.readFileSync(file, 'utf8'), before);
    assert.match(fs.readFileSync(file, 'utf8'), /\/\/ Registered at 128K/);
    assert.ok(s.requests.some((r) => r.path === '/api/v1/models/load'));

    const after = JSON.parse((await run(['profile', 'list', '--config', file, '--openclaw-version', '2026.9.6', '--json'])).stdout);
    assert.deepEqual([after.active.name, after.active.drift], ['mid-range', false]);
    const check = await run(['check', '--config', file, '--openclaw-version', '2026.9.6', '--json']);
    assert.equal(check.status, 0, 'no error-level finding after the profile');
    assert.deepEqual(JSON.parse(check.stdout).findings.filter((f: { severity: string }) => f.severity !== 'info').map((f: { rule: string }) => f.rule), []);
  });

  it('fix respects the profile in force: after single-turn, fix --rule compaction-model-missing plans nothing (one pipeline)', async () => {
    s ??= await startServer(lmStudioRoutes({ loadedContext: 32768 }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-clip-'));
    const file = path.join(dir, 'openclaw.json');
    fs.writeFileSync(file, plantedConfig(s.port).replace(/\n\s*reserveTokensFloor: 24000, \/\/[^\n]*/, ''));
    const v = ['--config', file, '--openclaw-version', '2026.9.6'];
    const before = JSON.parse((await run(['fix', ...v, '--rule', 'compaction-model-missing', '--dry-run', '--json'])).stdout);
    assert.ok(before.applied.length > 0, 'without a profile, the compactor fix is offered');
    const applied = await run(['profile', 'apply', 'single-turn', ...v, '--yes', '--json']);
    assert.equal(applied.status, 0, applied.stderr + applied.stdout);
    const check = JSON.parse((await run(['check', ...v, '--json'])).stdout);
    assert.ok(!check.findings.some((f: { rule: string }) => f.rule === 'compaction-model-missing'), 'check: single-turn chose no compactor');
    const fix = await run(['fix', ...v, '--rule', 'compaction-model-missing', '--dry-run', '--json']);
    assert.equal(fix.status, 0, fix.stderr);
    const out = JSON.parse(fix.stdout);
    assert.deepEqual(out.applied, [], 'fix plans nothing that would undo the profile');
    assert.equal(out.diff, '');
  });

  it('lab run --profile resolves the user profiles from --profiles FILE, as profile apply does', async () => {
    s ??= await startServer(lmStudioRoutes({ loadedContext: 32768 }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-clip-'));
    const file = path.join(dir, 'openclaw.json');
    fs.writeFileSync(file, plantedConfig(s.port).replace(/\n\s*reserveTokensFloor: 24000, \/\/[^\n]*/, ''));
    const profiles = path.join(dir, 'profiles.json');
    fs.writeFileSync(profiles, JSON.stringify([{ name: 'my-48k', primary: { context: 48000 }, compactor: null, budget: 40000 }]));
    const workload = path.join(dir, 'w.json');
    fs.writeFileSync(workload, JSON.stringify({ name: 'w', dispatcher: 'openai', prompt: 'hi', repeats: 1, timeoutSeconds: 5 }));
    const common = ['--config', file, '--dir', path.join(dir, 'lab'), '-n', '1', '--json'];
    const without = await run(['lab', 'run', workload, '--profile', 'my-48k', ...common]);
    assert.equal(without.status, 2, 'an unknown profile is a usage error');
    assert.match(without.stderr, /no profile "my-48k"/);
    const r = await run(['lab', 'run', workload, '--profile', 'my-48k', '--profiles', profiles, '--keep-profile', ...common]);
    assert.equal(JSON.parse(r.stdout).session.environment.profile, 'my-48k');
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'local-ai-lab', 'profile.json'), 'utf8'));
    assert.equal(state.profile, 'my-48k', 'the user profile was applied before the first dispatch, and kept (--keep-profile)');
    assert.ok(s.requests.some((r) => r.path === '/api/v1/models/load' && (r.body as { context_length?: number }).context_length === 48000));
  });

  it('usage errors exit 2', async () => {
    assert.equal((await run(['profile'])).status, 2);
    assert.equal((await run(['profile', 'show'])).status, 2);
    const nope = await run(['profile', 'show', 'nope', '--config', 'test/fixtures/configs/planted.json5', '--no-probe']);
    assert.equal(nope.status, 2);
    assert.match(nope.stderr, /no profile "nope" \(have: single-turn, mid-range, long-agentic\)/);
  });
});
