// Issue #29 "A newcomer's walk, fixed": the items the CLI shows, as child processes of the built CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const CLI = path.resolve('dist/cli.js');
const FIX = path.resolve('test/fixtures');
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, PATH: '/usr/bin:/bin', ...env } });
const lms = ['--loaded', `${FIX}/lms/ps.json`, '--downloaded', `${FIX}/lms/ls.json`];
const tmpCopy = (name: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-cli-'));
  const file = path.join(dir, 'openclaw.json');
  fs.copyFileSync(path.join(FIX, 'configs', name), file);
  return file;
};

describe('fix keeps removed values in the side file (item 8)', () => {
  it('fix --all and fix --rule retired-key write the removed reserveTokensFloor, comment and all, beside the config', () => {
    for (const how of [['--all'], ['--rule', 'retired-key']]) {
      const file = tmpCopy('planted.json5');
      const before = fs.readFileSync(file, 'utf8');
      const r = run(['fix', '--config', file, ...how, ...lms, '--json']);
      const out = JSON.parse(r.stdout) as { applied: string[]; removedTo: string | null };
      assert.ok(out.applied.some((a) => a.startsWith('Remove reserveTokensFloor')), r.stdout);
      assert.doesNotMatch(fs.readFileSync(file, 'utf8'), /reserveTokensFloor/);
      assert.ok(out.removedTo && fs.existsSync(out.removedTo), `a side file (${how.join(' ')}): ${r.stdout}`);
      assert.equal(path.dirname(out.removedTo), path.dirname(file));
      const side = fs.readFileSync(out.removedTo, 'utf8');
      const removedLine = before.split('\n').find((l) => l.includes('reserveTokensFloor'))!.trim();
      assert.ok(side.includes(removedLine), `the side file keeps "${removedLine}" as it was:\n${side}`);
    }
  });

  it('--dry-run writes no side file', () => {
    const file = tmpCopy('planted.json5');
    const r = run(['fix', '--config', file, '--all', ...lms, '--dry-run', '--json']);
    assert.equal(JSON.parse(r.stdout).removedTo, null);
    assert.deepEqual(fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.removed-')), []);
  });
});
