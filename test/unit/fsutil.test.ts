import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ChangedOnDisk, sha256, writeAtomic } from '../../src/core/fsutil.js';

describe('writeAtomic', () => {
  it('refuses when the file changed since it was read, and leaves no temporary file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-w-'));
    const f = path.join(dir, 'openclaw.json');
    fs.writeFileSync(f, '{ a: 1 }');
    const hash = sha256(fs.readFileSync(f));
    fs.writeFileSync(f, '{ a: 2 } // someone else');
    assert.throws(() => writeAtomic(f, Buffer.from('{ a: 3 }'), hash), ChangedOnDisk);
    assert.equal(fs.readFileSync(f, 'utf8'), '{ a: 2 } // someone else');
    assert.deepEqual(fs.readdirSync(dir), ['openclaw.json']);
  });

  it('writes through a symlink to its target and keeps the mode', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-w-'));
    const real = path.join(dir, 'real.json');
    const link = path.join(dir, 'openclaw.json');
    fs.writeFileSync(real, '{}', { mode: 0o600 });
    fs.symlinkSync(real, link);
    writeAtomic(link, Buffer.from('{ b: 1 }'), sha256(Buffer.from('{}')));
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.equal(fs.readFileSync(real, 'utf8'), '{ b: 1 }');
    assert.equal(fs.statSync(real).mode & 0o777, 0o600);
  });
});
