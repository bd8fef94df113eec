import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sha256 } from '../../src/core/fsutil.js';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { listBackups, KEEP_BACKUPS, pruneBackups } from '../../src/core/write/backups.js';
import { editsBetween, mapText } from '../../src/core/write/bytes.js';
import { execute, replacesEnvReference, sweepStale } from '../../src/core/write/executor.js';

// The executor in this process; killing it mid-write is test/cli/executor.test.ts.
describe('the config writer', () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lal-exec-'));
  const stray = (dir: string) => fs.readdirSync(dir).filter((f) => f.includes('.lal-'));

  function setup(text: string | Buffer, name = 'openclaw.json') {
    const dir = tmp();
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return { dir, file, hash: sha256(fs.readFileSync(file)) };
  }

  describe('write executor', () => {
    it('keeps a save that lands at the moment of the write, refuses, and leaves nothing behind', async () => {
      const { dir, file, hash } = setup('{ a: 1 }\n');
      const r = await execute({
        title: 't',
        writes: [{ file, expectedHash: hash, after: '{ a: 2 }\n' }],
        sideFiles: [{ file: path.join(dir, 'openclaw.json.removed-x.json5'), text: '{}' }],
        // Called just before the last check and the rename: another editor saves right now.
        onStep: () => fs.writeFileSync(file, '{ a: 1, theirs: true }\n'),
      });
      assert.equal(r.ok, false);
      assert.match(r.error!, /changed on disk/);
      assert.equal(fs.readFileSync(file, 'utf8'), '{ a: 1, theirs: true }\n', 'their save is kept');
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f !== 'local-ai-lab'), ['openclaw.json'], 'no temp, no side file');
      assert.deepEqual(listBackups(file), [], 'no backup for a write that did not happen');
    });

    it('keeps the user edit saved after the write when a server action then fails, and says where ours is', async () => {
      const { file, hash } = setup('{ a: 1 }\n');
      const r = await execute({
        title: 'profile',
        writes: [{ file, expectedHash: hash, after: '{ a: 2 }\n' }],
        actions: [{ kind: 'load', runtime: 'lmstudio', baseUrl: 'http://127.0.0.1:9/v1', modelKey: 'm', identifier: 'm', contextLength: 4096 }],
        runAction: async () => {
          fs.writeFileSync(file, '{ a: 2, mine: "typed while it loaded" }\n');
          throw new Error('load failed');
        },
      });
      assert.equal(r.ok, false);
      assert.equal(r.error, 'load failed');
      assert.equal(fs.readFileSync(file, 'utf8'), '{ a: 2, mine: "typed while it loaded" }\n', 'the edit is kept');
      assert.deepEqual(r.restored, []);
      assert.equal(r.keptNewer.length, 1);
      assert.equal(fs.readFileSync(r.keptNewer[0]!.backup, 'utf8'), '{ a: 1 }\n', 'the version from before is in the backup it names');
    });

    it('restores the file when a server action fails and nobody saved since', async () => {
      const { file, hash } = setup('{ a: 1 }\n');
      const r = await execute({
        title: 'profile',
        writes: [{ file, expectedHash: hash, after: '{ a: 2 }\n' }],
        actions: [{ kind: 'unload', runtime: 'lmstudio', baseUrl: 'http://127.0.0.1:9/v1', identifier: 'm' }],
        runAction: async () => {
          throw new Error('unload failed');
        },
      });
      assert.equal(r.ok, false);
      assert.deepEqual(r.restored, [file]);
      assert.equal(fs.readFileSync(file, 'utf8'), '{ a: 1 }\n');
    });

    it('keeps owner nobody when run as root', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async () => {
      const { file, hash } = setup('{ a: 1 }\n');
      fs.chownSync(file, 65534, 65534);
      fs.chmodSync(file, 0o640);
      const r = await execute({ title: 't', writes: [{ file, expectedHash: hash, after: '{ a: 2 }\n' }] });
      assert.equal(r.ok, true, r.error);
      const st = fs.statSync(file);
      assert.deepEqual([st.uid, st.gid, st.mode & 0o777], [65534, 65534, 0o640]);
    });

    it('keeps a Latin-1 comment outside the edit byte for byte', async () => {
      const latin1 = Buffer.concat([Buffer.from('// caf'), Buffer.from([0xe9]), Buffer.from(' cr'), Buffer.from([0xe8, 0x6d, 0x65]), Buffer.from('\n{ a: 1, b: 2 }\n')]);
      const { file, hash } = setup(latin1);
      const text = mapText(latin1).text;
      const r = await execute({ title: 't', writes: [{ file, expectedHash: hash, after: text.replace('b: 2', 'b: 3') }] });
      assert.equal(r.ok, true, r.error);
      const out = fs.readFileSync(file);
      assert.deepEqual(out, Buffer.from(latin1.toString('latin1').replace('b: 2', 'b: 3'), 'latin1'));
    });

    it('refuses to rewrite bytes that are not UTF-8, and writes nothing', async () => {
      const bytes = Buffer.concat([Buffer.from('{ a: "x'), Buffer.from([0xff]), Buffer.from('" }\n')]);
      const { dir, file, hash } = setup(bytes);
      const r = await execute({ title: 't', writes: [{ file, expectedHash: hash, edits: [{ span: [5, 10], newText: '"y"' }] }] });
      assert.equal(r.ok, false);
      assert.match(r.error!, /not UTF-8/);
      assert.deepEqual(fs.readFileSync(file), bytes);
      assert.deepEqual(stray(dir), []);
    });

    it('keeps CRLF in inserted lines', async () => {
      const { file, hash } = setup('{\r\n  a: 1,\r\n}\r\n');
      const r = await execute({ title: 't', writes: [{ file, expectedHash: hash, edits: [{ span: [10, 10], newText: '\n  b: {\n    c: 2,\n  },' }] }] });
      assert.equal(r.ok, true, r.error);
      const out = fs.readFileSync(file, 'utf8');
      assert.equal(out, '{\r\n  a: 1,\r\n  b: {\r\n    c: 2,\r\n  },\r\n}\r\n');
      assert.doesNotMatch(out, /[^\r]\n/);
    });

    it('keeps twelve backups taken in one second, in time order', async () => {
      const { file } = setup('{ n: 0 }\n');
      const now = new Date('2026-12-01T12:00:00.000Z');
      for (let i = 1; i <= 12; i++) {
        const r = await execute({ title: 't', writes: [{ file, expectedHash: sha256(fs.readFileSync(file)), after: `{ n: ${i} }\n` }], now });
        assert.equal(r.ok, true, r.error);
      }
      const all = listBackups(file);
      assert.equal(all.length, 12);
      assert.deepEqual(all.map((b) => fs.readFileSync(b, 'utf8')), Array.from({ length: 12 }, (_, i) => `{ n: ${i} }\n`));
      assert.ok(KEEP_BACKUPS >= 12);
    });

    it('never overwrites a ${VAR} value, and says which', async () => {
      const { file, hash } = setup('{ apiKey: "${LMSTUDIO_KEY}", other: 1 }\n');
      const r = await execute({ title: 't', writes: [{ file, expectedHash: hash, after: '{ apiKey: "secret", other: 2 }\n' }] });
      assert.equal(r.ok, false);
      assert.match(r.error!, /apiKey is \$\{LMSTUDIO_KEY\}/);
      assert.equal(fs.readFileSync(file, 'utf8'), '{ apiKey: "${LMSTUDIO_KEY}", other: 1 }\n');
      const ok = await execute({ title: 't', writes: [{ file, expectedHash: hash, after: '{ apiKey: "${LMSTUDIO_KEY}", other: 2 }\n' }] });
      assert.equal(ok.ok, true, 'changing something else is fine');
    });

    it('item 1: a short write (the disk fills mid-temp) is refused, not renamed over the config', async () => {
      // Injected: what a nearly full disk does (test/cli/diskfull.test.ts does it on a real 64 KiB tmpfs).
      const { dir, file, hash } = setup('{ a: 1 }\n');
      const real = fs.writeSync;
      // The first file written (the temp) takes 4 bytes, then the disk is full; other files write normally.
      let full: number | undefined;
      let taken = 0;
      const realClose = fs.closeSync;
      (fs as { writeSync: unknown }).writeSync = (fd: number, buf: Uint8Array, off = 0, len = buf.length - off) => {
        full ??= fd;
        if (fd !== full) return real(fd, buf, off, len);
        if (taken++ === 0) return real(fd, buf, off, Math.min(len, 4));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      };
      // Once the temp is closed its descriptor number may be reused for the backup, which must write normally.
      (fs as { closeSync: unknown }).closeSync = (fd: number) => {
        if (fd === full) full = -1;
        realClose(fd);
      };
      let r;
      try {
        r = await execute({ title: 'fix', writes: [{ file, expectedHash: hash, after: '{ a: 2, b: "longer than four bytes" }\n' }] });
      } finally {
        (fs as { writeSync: unknown }).writeSync = real;
        (fs as { closeSync: unknown }).closeSync = realClose;
      }
      assert.equal(r.ok, false, 'a write that did not fit is no success');
      assert.equal(fs.readFileSync(file, 'utf8'), '{ a: 1 }\n', 'the config is whole');
      assert.match(r.error!, /no space left on the disk holding openclaw\.json/);
      assert.deepEqual(stray(dir), [], 'no temp');
      assert.deepEqual(listBackups(file), [], 'no backup');
    });

    it('item 3: a root run gives the backup folder, the backup and the side file to the config\'s owner', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async () => {
      const { dir, file, hash } = setup('{ a: 1, b: 2 }\n');
      fs.chownSync(dir, 65534, 65534);
      fs.chownSync(file, 65534, 65534);
      const r = await execute({ title: 'migrate', writes: [{ file, expectedHash: hash, after: '{ a: 1 }\n' }], sideFiles: [{ file: path.join(dir, 'openclaw.json.removed-x.json5'), text: '{ b: 2 }' }] });
      assert.equal(r.ok, true, r.error);
      const owned = (f: string) => {
        const st = fs.statSync(f);
        return [st.uid, st.gid];
      };
      assert.deepEqual(owned(path.join(dir, 'local-ai-lab')), [65534, 65534], 'the state folder');
      assert.deepEqual(owned(path.join(dir, 'local-ai-lab', 'backups')), [65534, 65534], 'the backup folder');
      assert.deepEqual(owned(r.backups[0]!), [65534, 65534], 'the backup');
      assert.deepEqual(owned(r.sideFiles[0]!), [65534, 65534], 'the side file');
      assert.equal(fs.statSync(r.sideFiles[0]!).mode & 0o777, 0o600, 'still private');
    });

    it('item 7: backups belong to their file by exact name: openclaw.json.work keeps its own', async () => {
      const { dir, file } = setup('{ n: 0 }\n');
      const work = path.join(dir, 'openclaw.json.work');
      fs.writeFileSync(work, '{ w: 0 }\n');
      const now = new Date('2026-12-01T12:00:00.000Z');
      for (let i = 1; i <= 3; i++) {
        assert.equal((await execute({ title: 't', writes: [{ file: work, expectedHash: sha256(fs.readFileSync(work)), after: `{ w: ${i} }\n` }], now })).ok, true);
      }
      assert.equal((await execute({ title: 't', writes: [{ file, expectedHash: sha256(fs.readFileSync(file)), after: '{ n: 1 }\n' }], now })).ok, true);
      assert.deepEqual(listBackups(file).map((b) => fs.readFileSync(b, 'utf8')), ['{ n: 0 }\n'], "only openclaw.json's own backup");
      pruneBackups(file, 0);
      assert.equal(listBackups(work).length, 3, "pruning openclaw.json's backups leaves openclaw.json.work's");
    });

    it('item 8: protects a ${VAR} under a key with dots (provider ids lm.studio, 192.168.1.20)', async () => {
      const text = '{ models: { providers: { "lm.studio": { apiKey: "${LM_KEY}" }, "192.168.1.20": { apiKey: "${BOX_KEY}" } } } }\n';
      const { file, hash } = setup(text);
      const r = await execute({ title: 't', writes: [{ file, expectedHash: hash, after: text.replace('${LM_KEY}', 'sk-plain').replace('${BOX_KEY}', 'x') }] });
      assert.equal(r.ok, false, 'the references are refused');
      assert.match(r.error!, /models\.providers\["lm\.studio"\]\.apiKey is \$\{LM_KEY\}/);
      assert.match(r.error!, /\["192\.168\.1\.20"\]\.apiKey is \$\{BOX_KEY\}/);
      assert.equal(fs.readFileSync(file, 'utf8'), text);
      assert.equal(replacesEnvReference(file, text, text.replace('"lm.studio": {', '"lm.studio": { extra: 1,')), undefined, 'other changes under the dotted key are fine');
    });

    it('writes through a symlink to its target and keeps the mode', async () => {
      const dir = tmp();
      const real = path.join(dir, 'real.json');
      const link = path.join(dir, 'openclaw.json');
      fs.writeFileSync(real, '{}', { mode: 0o600 });
      fs.symlinkSync(real, link);
      const r = await execute({ title: 't', writes: [{ file: link, expectedHash: sha256('{}'), after: '{ b: 1 }' }] });
      assert.equal(r.ok, true, r.error);
      assert.ok(fs.lstatSync(link).isSymbolicLink());
      assert.equal(fs.readFileSync(real, 'utf8'), '{ b: 1 }');
      assert.equal(fs.statSync(real).mode & 0o777, 0o600);
    });

    it('sweeps what a killed write left: a temp config goes, a side file whose config was written is kept', () => {
      const { dir, file } = setup('{ a: 2 }\n');
      const dead = 2 ** 22 + 12345; // above pid_max on Linux: never a live process
      const h = sha256(fs.readFileSync(file)).slice(0, 16);
      fs.writeFileSync(path.join(dir, `.openclaw.json.lal-${dead}-abcd.tmp`), 'half');
      fs.writeFileSync(path.join(dir, `.openclaw.json.removed-A.json5.lal-${dead}-${h}.side`), '{ kept: 1 }');
      fs.writeFileSync(path.join(dir, `.openclaw.json.removed-B.json5.lal-${dead}-0000000000000000.side`), '{ orphan: 1 }');
      sweepStale(dir);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['openclaw.json', 'openclaw.json.removed-A.json5']);
    });

    it('two side files with one name both survive, and a removed multi-line string is kept exactly', async () => {
      const { dir, file } = setup('{}\n');
      const text = 'prompt: "first line \\\n  second line, indented",';
      const a = await execute({ title: 't', writes: [], sideFiles: [{ file: path.join(dir, 'openclaw.json.removed-X.json5'), text: `{ ${text} }` }] });
      const b = await execute({ title: 't', writes: [], sideFiles: [{ file: path.join(dir, 'openclaw.json.removed-X.json5'), text: '{ b: 2 }' }] });
      assert.ok(a.ok && b.ok);
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('removed')).sort(), ['openclaw.json.removed-X-2.json5', 'openclaw.json.removed-X.json5']);
      assert.equal(fs.readFileSync(a.sideFiles[0]!, 'utf8'), `{ ${text} }`);
      assert.equal(fs.readFileSync(file, 'utf8'), '{}\n');
    });

    it('derives edits that leave unchanged runs alone', () => {
      const before = '{ a: 1, /* keep */ b: 2, c: 3 }';
      const after = '{ a: 10, /* keep */ b: 2, c: 30 }';
      const edits = editsBetween(before, after);
      assert.ok(edits.length >= 2);
      assert.ok(edits.every((e) => !before.slice(e.span[0], e.span[1]).includes('keep')));
      assert.ok(parseDocument('x', after).root);
    });
  });
});
