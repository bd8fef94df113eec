import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '../../src/core/fsutil.js';
import { listBackups } from '../../src/core/write/backups.js';
import { execute } from '../../src/core/write/executor.js';

// A real 64 KiB file system (tmpfs; mounting needs root): the disk-full paths of the one executor.
// test/pure/executor.test.ts injects the short write for machines where nothing can be mounted.
const mountable = (() => {
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-mnt-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return false;
  } catch {
    return 'this machine does not let us mount a tmpfs';
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
})();

describe('writes on a full disk', { skip: mountable }, () => {
  let mnt: string;
  before(() => {
    mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-small-fs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
  });
  after(() => {
    execFileSync('umount', [mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  });

  /** Fills the small file system until `free` bytes are left. */
  function fillLeaving(dir: string, free: number): void {
    const s = fs.statfsSync(dir);
    const avail = s.bavail * s.bsize;
    fs.writeFileSync(path.join(dir, 'filler'), Buffer.alloc(Math.max(0, avail - free)));
    const left = fs.statfsSync(dir);
    assert.equal(left.bavail * left.bsize, free, 'the file system has exactly the room the test needs');
  }

  function clean(dir: string): void {
    for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  }

  it('item 1: a symlinked config on a nearly full disk is refused whole, never left truncated', async () => {
    clean(mnt);
    const target = path.join(mnt, 'openclaw.json');
    const old = `{\n  // kept\n  a: "${'1'.repeat(5000)}",\n}\n`;
    fs.writeFileSync(target, old);
    fillLeaving(mnt, 4096);
    // The link is on the big disk, so its backup goes there and succeeds: only the temp's write can fail.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-link-'));
    const link = path.join(home, 'openclaw.json');
    fs.symlinkSync(target, link);
    const r = await execute({ title: 'fix', writes: [{ file: link, expectedHash: sha256(fs.readFileSync(link)), after: `{\n  // kept\n  a: "${'2'.repeat(9000)}",\n}\n` }] });
    assert.equal(r.ok, false, 'a write that did not fit is no success');
    assert.match(r.error!, /no space left on the disk holding openclaw\.json/);
    assert.equal(fs.readFileSync(target, 'utf8'), old, 'the config is as it was');
    assert.deepEqual(fs.readdirSync(mnt).sort(), ['filler', 'openclaw.json'], 'no temp left on the full disk');
    assert.deepEqual(listBackups(link), [], 'no backup for a write that did not happen');
  });

  it('item 2: a disk that fills at the backup leaves no 0-byte backup for Restore Backup… to offer', async () => {
    clean(mnt);
    const file = path.join(mnt, 'openclaw.json');
    fs.writeFileSync(file, '{ a: 1 }\n');
    // Room for the temp (one page) and none for the backup.
    fillLeaving(mnt, 4096);
    const r = await execute({ title: 'fix', writes: [{ file, expectedHash: sha256(fs.readFileSync(file)), after: '{ a: 2 }\n' }] });
    assert.equal(r.ok, false);
    assert.deepEqual(listBackups(file), [], 'no empty backup');
    assert.equal(fs.readFileSync(file, 'utf8'), '{ a: 1 }\n');
    assert.match(r.error!, /no space left on the disk holding the backup of openclaw\.json/, 'says what stopped it');
    assert.deepEqual(fs.readdirSync(mnt).filter((f) => f.includes('.lal-')), [], 'no temp');
  });
});
