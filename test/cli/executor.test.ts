import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sha256 } from '../../src/core/fsutil.js';
import { execute, sweepStale } from '../../src/core/write/executor.js';

// Child mode for the SIGKILL test: rewrite the config over and over until killed.
if (process.env.LAL_EXECUTOR_CHILD) {
  const file = process.env.LAL_EXECUTOR_CHILD;
  const texts = [fs.readFileSync(file, 'utf8'), fs.readFileSync(file + '.next', 'utf8')];
  void (async () => {
    for (let i = 0; ; i++) {
      const bytes = fs.readFileSync(file);
      const next = texts[(texts.indexOf(bytes.toString('utf8')) + 1) % 2]!;
      await execute({ title: 'flip', writes: [{ file, expectedHash: sha256(bytes), after: next }], sideFiles: i % 3 === 0 ? [{ file: `${file}.removed-${i}.json5`, text: '{}' }] : [] });
    }
  })();
} else {
  const stray = (dir: string) => fs.readdirSync(dir).filter((f) => f.includes('.lal-'));
  function setup(text: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-exec-'));
    const file = path.join(dir, 'openclaw.json');
    fs.writeFileSync(file, text);
    return { dir, file };
  }

  describe('write executor', () => {
    it('leaves the old or the new file and no stray files when killed at random points', async () => {
      const { dir, file } = setup(`{\n  // old\n  a: ${'1'.repeat(200_000)},\n}\n`);
      const old = fs.readFileSync(file, 'utf8');
      const next = `{\n  // new\n  a: ${'2'.repeat(200_000)},\n}\n`;
      fs.writeFileSync(file + '.next', next);
      const self = process.argv[1]!;
      for (let round = 0; round < 12; round++) {
        const child = spawn(process.execPath, [self], { env: { ...process.env, LAL_EXECUTOR_CHILD: file }, stdio: 'ignore' });
        await new Promise((r) => setTimeout(r, 150 + Math.random() * 250));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        const now = fs.readFileSync(file, 'utf8');
        assert.ok(now === old || now === next, `round ${round}: the config is whole`);
        sweepStale(dir);
        assert.deepEqual(stray(dir), [], `round ${round}: no temp files after the next command's sweep`);
        for (const f of fs.readdirSync(dir).filter((x) => x.includes('.removed-'))) fs.rmSync(path.join(dir, f));
      }
    });
  });
}
