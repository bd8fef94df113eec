import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { v } from '../../src/core/openclaw/version.js';
import { cachedVerdict, storeVerdict, verdictKey } from '../../src/core/openclaw/verdicts.js';

function subject(dir: string, env: NodeJS.ProcessEnv = {}, version = '2026.9.6') {
  const file = path.join(dir, 'openclaw.json');
  const bytes = fs.readFileSync(file);
  return { doc: parseDocument(file, bytes.toString('utf8')), bytes, version: v(version), env: { HOME: dir, ...env } };
}

describe('the verdict key', () => {
  it('changes with the bytes, an include appearing, the release, the include roots and a ${VAR} the file names; not with an unrelated variable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-vkey-'));
    fs.writeFileSync(path.join(dir, 'openclaw.json'), "{ models: { $include: './models.json5' }, gateway: { auth: { token: '${GW_TOKEN}' } } }\n");
    const base = verdictKey(subject(dir));
    assert.equal(verdictKey(subject(dir)), base, 'the same inputs, the same key');
    assert.equal(verdictKey(subject(dir, { UNRELATED: 'x' })), base);
    assert.notEqual(verdictKey(subject(dir, { GW_TOKEN: 'secret' })), base, 'a variable the file names');
    assert.notEqual(verdictKey(subject(dir, {}, '2026.9.7')), base, 'another release');
    assert.notEqual(verdictKey(subject(dir, { OPENCLAW_INCLUDE_ROOTS: '/srv' })), base, 'include roots');
    fs.writeFileSync(path.join(dir, 'models.json5'), '{}\n');
    const withInclude = verdictKey(subject(dir));
    assert.notEqual(withInclude, base, 'a missing include that appears');
    fs.writeFileSync(path.join(dir, 'models.json5'), '{ mode: "merge" }\n');
    assert.notEqual(verdictKey(subject(dir)), withInclude, 'an included file that changes');
    fs.appendFileSync(path.join(dir, 'openclaw.json'), '// more\n');
    assert.notEqual(verdictKey(subject(dir)), withInclude, 'the config that changes');
  });

  it('keeps and reads back a verdict; a foreign or broken file under a key is no verdict', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-vstore-'));
    const verdict = { valid: false, issues: [{ path: 'agents.defaults', message: 'Unrecognized key: "x"' }], warnings: [] };
    storeVerdict('k1', verdict, dir);
    assert.deepEqual(cachedVerdict('k1', dir), verdict);
    assert.equal(cachedVerdict('k2', dir), undefined);
    fs.writeFileSync(path.join(dir, 'k3.json'), '{"valid":"yes"}');
    assert.equal(cachedVerdict('k3', dir), undefined);
    fs.writeFileSync(path.join(dir, 'k4.json'), '{"valid":tru');
    assert.equal(cachedVerdict('k4', dir), undefined);
  });
});
