import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isolatedEnv } from '../support/openclaw.js';

const CLI = path.resolve('dist/cli.js');
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...isolatedEnv(), PATH: '/usr/bin:/bin' } });
const copy = (name: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-mig-'));
  const file = path.join(dir, 'openclaw.json');
  fs.copyFileSync(path.resolve('test/fixtures/corpus', name), file);
  return file;
};

describe('local-ai-lab migrate', () => {
  it('exits 2 without an OpenClaw to judge, or without --config', () => {
    const r = run(['migrate', '--config', copy('02-lmstudio-tuned.json5')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /needs the installed OpenClaw/);
    assert.equal(run(['migrate']).status, 2);
    // The config is read before OpenClaw is asked anything: no OpenClaw is needed to refuse a missing file.
    const missing = run(['migrate', '--config', '/nonexistent/openclaw.json', '--openclaw', 'openclaw']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /does not exist/);
  });
});
