import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sha256 } from '../../src/core/fsutil.js';
import { v } from '../../src/core/openclaw/version.js';
import type { ValidatorVerdict } from '../../src/vscode/configState.js';
import { settingsFrom } from '../../src/vscode/options.js';
import { ValidatorScheduler, type Validate, type ValidationTarget } from '../../src/vscode/validator.js';

const settings = settingsFrom(() => undefined);
const quiet = { info: () => undefined, warn: () => undefined };
const until = async (what: () => boolean) => {
  for (let i = 0; i < 500 && !what(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(what(), 'it happened');
};

/** A validator that answers when told to, counting its starts. */
function heldValidator() {
  const starts: string[] = [];
  const waiting: (() => void)[] = [];
  const validate: Validate = (_exe, subject) => {
    starts.push(sha256(subject.bytes));
    return new Promise((resolve) => waiting.push(() => resolve({ result: { valid: true, issues: [], warnings: [] }, cached: false })));
  };
  return { validate, starts, release: () => waiting.splice(0).forEach((f) => f()) };
}

describe("the editor's validator scheduling", () => {
  it('one save heard twice (the save, then the file watcher) starts the validator once; new bytes start it again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-sched-'));
    const file = path.join(dir, 'openclaw.json');
    fs.writeFileSync(file, '{ gateway: { port: 18789 } }\n');
    let target: ValidationTarget = { file, hash: sha256(fs.readFileSync(file)), version: v('2026.9.6') };
    const verdicts: ValidatorVerdict[] = [];
    const held = heldValidator();
    const s = new ValidatorScheduler(quiet, () => target, (x) => verdicts.push(x), held.validate);
    try {
      assert.equal(s.schedule(settings, true, 0), true);
      await until(() => held.starts.length === 1);
      // The watcher's refresh of the same bytes while the run is on: no second run, the first one is not cancelled.
      assert.equal(s.schedule(settings, true, 0), true);
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(held.starts.length, 1);
      held.release();
      await until(() => verdicts.length === 1);
      assert.equal(verdicts[0]!.validatedHash, target!.hash);

      fs.writeFileSync(file, '{ gateway: { port: 18790 } }\n');
      target = { file, hash: sha256(fs.readFileSync(file)), version: v('2026.9.6') };
      s.schedule(settings, true, 0);
      await until(() => held.starts.length === 2);
      assert.equal(held.starts[1], target.hash, 'the new bytes are judged');
      held.release();
      await until(() => verdicts.length === 2);
    } finally {
      s.dispose();
    }
  });

  it('a request for other bytes while a run is on cancels that run: only the newer verdict is published', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-sched-'));
    const file = path.join(dir, 'openclaw.json');
    fs.writeFileSync(file, '{}\n');
    let target: ValidationTarget = { file, hash: sha256(fs.readFileSync(file)), version: v('2026.9.6') };
    const verdicts: ValidatorVerdict[] = [];
    const held = heldValidator();
    const s = new ValidatorScheduler(quiet, () => target, (x) => verdicts.push(x), held.validate);
    try {
      s.schedule(settings, true, 0);
      await until(() => held.starts.length === 1);
      fs.writeFileSync(file, '{ gateway: {} }\n');
      target = { file, hash: sha256(fs.readFileSync(file)), version: v('2026.9.6') };
      s.schedule(settings, true, 0);
      await until(() => held.starts.length === 2);
      held.release();
      await until(() => verdicts.length >= 1);
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(verdicts.length, 1);
      assert.equal(verdicts[0]!.validatedHash, target.hash);
    } finally {
      s.dispose();
    }
  });
});
