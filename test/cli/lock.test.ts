import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { lockSession, SessionLocked } from '../../src/core/lab/records/store.js';

// Child mode: for each trial folder, wait for the trial's start time, try to take the session's lock, and if
// held, record when it was held from and to (hrtime is per process; wall time in µs is shared).
const TRIALS = 150;
const SPACING_MS = 40;
if (process.env.LAL_LOCK_CHILD) {
  const [labRoot, startAt] = [process.env.LAL_LOCK_CHILD, Number(process.env.LAL_LOCK_START)];
  const now = () => performance.timeOrigin + performance.now();
  const out: string[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const at = startAt + t * SPACING_MS;
    while (now() < at) {
      /* spin to the same millisecond as the other two */
    }
    const labDir = path.join(labRoot, String(t));
    try {
      const release = lockSession(labDir, 'session');
      const from = now();
      while (now() < from + 8) {
        /* hold it a while */
      }
      out.push(JSON.stringify({ t, pid: process.pid, from, to: now() }));
      release();
    } catch (err) {
      if (!(err instanceof SessionLocked)) throw err;
    }
  }
  fs.writeFileSync(path.join(labRoot, `held-${process.pid}.jsonl`), out.join('\n') + '\n');
} else {
  describe('the session lock (#27 item 9)', () => {
    it('three processes taking over one stale lock at the same millisecond: never two holders at once', async () => {
      const labRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-lock-'));
      const dead = spawnSync(process.execPath, ['-e', '0']).pid;
      for (let t = 0; t < TRIALS; t++) {
        const dir = path.join(labRoot, String(t), 'runs', 'session');
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid: dead, host: os.hostname() }));
      }
      const startAt = Date.now() + 1500;
      const children = Array.from({ length: 3 }, () => spawn(process.execPath, [process.argv[1]!], { env: { ...process.env, LAL_LOCK_CHILD: labRoot, LAL_LOCK_START: String(startAt) }, stdio: ['ignore', 'ignore', 'inherit'] }));
      const codes = await Promise.all(children.map((c) => new Promise<number | null>((r) => c.once('exit', r))));
      assert.deepEqual(codes, [0, 0, 0]);
      const held = fs
        .readdirSync(labRoot)
        .filter((f) => f.startsWith('held-'))
        .flatMap((f) => fs.readFileSync(path.join(labRoot, f), 'utf8').trim().split('\n').filter(Boolean))
        .map((l) => JSON.parse(l) as { t: number; pid: number; from: number; to: number });
      const overlaps: number[] = [];
      for (let t = 0; t < TRIALS; t++) {
        const spans = held.filter((h) => h.t === t).sort((a, b) => a.from - b.from);
        assert.ok(spans.length >= 1, `trial ${t}: somebody took the stale lock`);
        for (let i = 1; i < spans.length; i++) if (spans[i]!.from < spans[i - 1]!.to) overlaps.push(t);
      }
      assert.deepEqual(overlaps, [], 'trials in which two processes held the lock at once');
    });
  });
}
