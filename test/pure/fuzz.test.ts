import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { placeIssue } from '../../src/core/openclaw/issues.js';
import { hoverAt } from '../../src/core/hover.js';
import { applyEdits } from '../../src/core/text.js';
import { runRules } from '../../src/core/rules/registry.js';
import { lmstudio, observe } from '../support/observe.js';

const seeds = ['test/fixtures/configs/planted.json5', 'test/fixtures/configs/valid-minimal.json'].map((f) => fs.readFileSync(f, 'utf8'));
const runtimes = { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 32768, max: 262144, size: 18e9 }], [{ key: 'qwen3-4b-instruct-2507', params: '4B', max: 262144 }]) };
const settings = { turnTokens: 2000, recordTokens: 400, compression: 0.6 };

/** Truncations, deletions, insertions of JSON5 punctuation, and duplicated spans of real configs. */
const mutated = fc
  .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat(40), fc.constantFrom('', ',', '}', '{', '"', "'", '//', '/*', ':', '[', ']', 'x', '\n', '0', '-1', 'null', '${A}')), { maxLength: 6 }), fc.option(fc.nat()))
  .map(([seed, ops, cut]) => {
    let t = seed;
    for (const [at, len, ins] of ops) {
      const i = at % (t.length + 1);
      t = t.slice(0, i) + ins + t.slice(Math.min(t.length, i + len));
    }
    return cut === null ? t : t.slice(0, cut % (t.length + 1));
  });

describe('property: any mutated or truncated config', () => {
  it('never throws, and every finding, fix edit and hover range lies inside its file', () => {
    fc.assert(
      fc.property(mutated, fc.nat(), (text, hoverAtOffset) => {
        const obs = observe(text, { runtimes });
        const findings = runRules(obs);
        const lines = text.split(/\r\n|\r|\n/);
        for (const f of findings) {
          assert.ok(f.span[0] >= 0 && f.span[0] <= f.span[1] && f.span[1] <= text.length, `${f.rule} span ${f.span}`);
          assert.ok(f.range.start.line < lines.length && f.range.end.line < lines.length);
          assert.ok(f.range.end.character <= lines[f.range.end.line]!.length);
          for (const fix of f.fixes) {
            for (const fe of fix.plan?.edits ?? []) {
              const after = applyEdits(text, fe.edits);
              assert.equal(parseDocument('/x', after).error, undefined, `${fix.title} left the file unparseable`);
            }
          }
        }
        hoverAt(obs, obs.config.doc, hoverAtOffset % (text.length + 1), settings);
        placeIssue(obs.config.root, obs.config.doc, { path: 'agents.defaults.compaction', message: 'Unrecognized key: "x"' });
      }),
      { numRuns: 400, seed: 20261121 },
    );
  });
});
