import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

const FIX = path.resolve('test/fixtures/servers');

describe('readers tolerate every server version', () => {
  it('lms ps --json before 2025-02 through the CLI: no mismatch invented, no exit 2', () => {
    const cli = path.resolve('dist/cli.js');
    const r = spawnSync(process.execPath, [cli, 'check', '--config', path.resolve('test/fixtures/configs/valid-minimal.json'), '--loaded', path.join(FIX, 'lms-ps-pre-2025-02.json'), '--no-probe', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: '/usr/bin:/bin' },
    });
    assert.notEqual(r.status, 2, r.stderr);
    const out = JSON.parse(r.stdout) as { findings: { rule: string }[] };
    assert.deepEqual(out.findings.filter((f) => f.rule === 'context-window-mismatch'), []);
  });
});
