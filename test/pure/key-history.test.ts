import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fixForIssue } from '../../src/core/migrate/fixes.js';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { KEY_HISTORY, KEY_INTRODUCTIONS } from '../../src/core/openclaw/knowledge.js';
import { v as ver } from '../../src/core/openclaw/version.js';
import { retiredKeyRule } from '../../src/core/rules/keys.js';
import { observe } from '../support/observe.js';

/**
 * What real OpenClaw releases' `config validate --json` said about the files in test/fixtures/key-history/files/
 * (regenerate with `node scripts/key-history-verdicts.mjs`). The knowledge base must predict every verdict:
 * a file is rejected exactly when retired-key reports an error for it on that release.
 */
interface Verdict {
  readonly release: string;
  readonly file: string;
  readonly valid: boolean;
  readonly issues: readonly { readonly path: string; readonly message: string }[];
}

const DIR = path.resolve('test/fixtures/key-history');
/**
 * Table entries (2026.8 compaction knobs, verified earlier with 2026.7.35 / 2026.8.1 but not stored here) that have no
 * file yet: adding one means checking on which of the releases in RELEASES the key first existed.
 */
const NOT_STORED_YET = [
  'agents.defaults.compaction.reserveTokens',
  'agents.defaults.compaction.maxHistoryShare',
  'agents.defaults.compaction.customInstructions',
  'agents.defaults.compaction.identifierInstructions',
  'agents.defaults.compaction.truncateAfterCompaction',
  'agents.defaults.compaction.memoryFlush.prompt',
  'agents.defaults.compaction.memoryFlush.systemPrompt',
];
const verdicts: Verdict[] = JSON.parse(fs.readFileSync(path.join(DIR, 'verdicts.json'), 'utf8'));
const text = (file: string) => fs.readFileSync(path.join(DIR, 'files', file), 'utf8');

describe('key history agrees with the real validators', () => {
  it('has verdicts on both sides of every boundary, for every file', () => {
    const releases = new Set(verdicts.map((x) => x.release));
    for (const r of ['2026.4.25', '2026.4.26', '2026.4.29', '2026.4.30-beta.1', '2026.5.2', '2026.7.35', '2026.8.1-beta.1', '2026.8.1', '2026.9.6']) assert.ok(releases.has(r), r);
    const files = fs.readdirSync(path.join(DIR, 'files')).sort();
    for (const r of releases) assert.deepEqual(verdicts.filter((x) => x.release === r).map((x) => x.file).sort(), files, r);
  });

  for (const v of verdicts) {
    it(`${v.release} ${v.file}: ${v.valid ? 'valid' : 'rejected'}`, () => {
      const errors = retiredKeyRule.check(observe(text(v.file), { version: v.release })).filter((f) => f.severity === 'error');
      const said = errors.map((f) => f.path.join('.'));
      if (v.valid) {
        assert.deepEqual(said, [], `OpenClaw ${v.release} accepts ${v.file}`);
        return;
      }
      assert.notDeepEqual(said, [], `OpenClaw ${v.release} rejects ${v.file}: ${JSON.stringify(v.issues)}`);
      // Every issue is explained by a finding at the issue's path or under it (the key is named in the message
      // or, on 2026.7, not at all: "Invalid input" at the parent).
      for (const issue of v.issues) {
        const key = /Unrecognized key: "([^"]+)"/.exec(issue.message)?.[1];
        const full = key ? `${issue.path}.${key}` : issue.path;
        assert.ok(said.some((p) => p === full || p.startsWith(`${issue.path}.`) || p === issue.path), `${JSON.stringify(issue)} not explained by ${JSON.stringify(said)}`);
      }
    });
  }

  it('every entry of the table is exercised by some stored verdict', () => {
    const paths = [...KEY_HISTORY.map((k) => k.path), ...KEY_INTRODUCTIONS.map((k) => k.path)].filter((p) => !p.includes('*'));
    const exercised = new Set<string>();
    for (const v of verdicts) for (const f of retiredKeyRule.check(observe(text(v.file), { version: v.release }))) exercised.add(f.path.join('.'));
    const missing = paths.filter((p) => !exercised.has(p) && !NOT_STORED_YET.includes(p));
    assert.deepEqual(missing, []);
  });

  it('migrate does not remove a whole agents.entries roster that a 2026.4 validator calls unrecognized (stored verdict)', () => {
    const verdict = verdicts.find((x) => x.release === '2026.4.25' && x.file === 'agents-entries.json')!;
    assert.equal(verdict.valid, false);
    const doc = parseDocument('/tmp/openclaw.json', text('agents-entries.json'));
    const fix = fixForIssue(doc, doc.root, verdict.issues[0]!, ver(verdict.release));
    assert.ok('declined' in fix, JSON.stringify(fix));
    assert.match(fix.declined, /agents\.entries is newer than OpenClaw 2026\.4\.25: write the agents\.list array/);
  });
});
