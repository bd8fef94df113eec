import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { corpusCopy, runIsolatedCli } from '../support/migrateCli.js';

const run = runIsolatedCli;
const copy = corpusCopy;

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
