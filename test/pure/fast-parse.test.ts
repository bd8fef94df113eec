import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { momoaDocument, nodeAt, parseDocument, reparseInside, type ConfigDocument, type JsonNode, type ObjectNode } from '../../src/core/openclaw/document.js';
import { fastParse } from '../../src/core/openclaw/fastParse.js';
import { bigConfig } from '../support/bigConfig.js';

// Everything the rules and the edits read off a document, -0 told from 0.
const shape = (d: ConfigDocument, at?: JsonNode) => {
  const node = (n: JsonNode | undefined): unknown => {
    if (!n) return undefined;
    const common = { kind: n.kind, span: [...n.span], path: [...n.path], doc: n.doc === d };
    if (n.kind === 'object') return { ...common, members: n.members.map((m) => ({ key: m.key, keySpan: [...m.keySpan], keyQuote: m.keyQuote, doc: m.doc === d, value: node(m.value) })) };
    if (n.kind === 'array') return { ...common, items: n.items.map(node) };
    return { ...common, value: Object.is(n.value, -0) ? '-0' : Number.isNaN(n.value) ? 'NaN' : n.value };
  };
  return { root: node(at ?? d.root), comments: d.comments.map((c) => [...c]), error: d.error };
};
const fixtures = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? fixtures(path.join(dir, e.name)) : /\.json5?$/.test(e.name) ? [path.join(dir, e.name)] : []));

describe('the fast parser', () => {
  it('reads every fixture config as momoa does, and reads the plain ones itself', () => {
    const files = fixtures(path.resolve('test/fixtures'));
    let own = 0;
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8').replace(/^\uFEFF/, '');
      assert.deepEqual(shape(parseDocument(f, text)), shape(momoaDocument(f, text)), f);
      if (fastParse(text, () => undefined as never)) own++;
    }
    assert.ok(files.length > 40 && own > files.length / 2, `${own} of ${files.length} read by the fast parser`);
    const big = bigConfig(50 * 1024);
    assert.ok(fastParse(big, () => undefined as never), 'the bench config is read by the fast parser');
    assert.deepEqual(shape(parseDocument('/b.json5', big)), shape(momoaDocument('/b.json5', big)));
  });

  it('gives up on what only momoa reads right, and on every error, so errors are momoa\'s', () => {
    for (const text of ["{ a: 'x\\ny' }", '{ a: 0x1F }', '{ a: .5 }', '{ a: 5. }', '{ a: +1 }', '{ a: Infinity }', '{ a: NaN }', '{ ünï: 1 }', '{\u00a0a: 1 }', '{ a: 1 } x', '{ a: 1', '{ a: /x/ }', '{ a: 1,, }', '[,]', '{ "a\\u0041": 1 }', '{ a: "\t" }', '{ a: 01 }', '{ a: 1 /* open', '']) {
      assert.equal(fastParse(text, () => undefined as never), undefined, text);
      assert.deepEqual(shape(parseDocument('/x.json5', text)), shape(momoaDocument('/x.json5', text)), text);
    }
  });

  it('whatever it accepts of a thousand damaged configs, momoa reads to the same tree', () => {
    const base = "// head\n{\n  a: { 'b': [1, -2.5e3, true, null, \"s\"], /* c */ c: {}, },\n  \"d\": [ [], {} ], // tail\n  e_$: false,\n}\n";
    const bits = ['{', '}', '[', ']', ',', ':', '"', "'", '/', '*', '\n', ' ', '-', '.', 'e', '0', '9', 'x', '\\', '\u2028', 'true', 'null'];
    let seed = 7;
    const rand = (k: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % k);
    let accepted = 0;
    for (let r = 0; r < 1000; r++) {
      let t = base;
      for (let k = 0; k <= rand(3); k++) {
        const at = rand(t.length + 1);
        t = rand(2) ? t.slice(0, at) + bits[rand(bits.length)] + t.slice(at) : t.slice(0, at) + t.slice(at + 1 + rand(3));
      }
      if (!fastParse(t, () => undefined as never)) continue;
      accepted++;
      assert.deepEqual(shape(parseDocument('/f.json5', t)), shape(momoaDocument('/f.json5', t)), JSON.stringify(t));
    }
    assert.ok(accepted > 50, `${accepted} damaged texts accepted`);
  });

  it('an object parsed again inside a larger text (an edit\'s next step) is the node a parse of the whole text gives', () => {
    // Plain (the fast parser reads the object) and not (a hex number: momoa reads it), comments before, inside, after.
    for (const inner of ["mode: 'safeguard', /* c */ keep: [1, 2], // k\n      added: { deep: true },", 'mode: 0x1F, keep: [1, 2], // k\n      added: { deep: true },']) {
      const before = `// head\n{\n  agents: { defaults: {\n    compaction: { mode: 'safeguard', keep: [1, 2] },\n  } }, // after\n  other: "x",\n}\n`;
      const doc = parseDocument('/c.json5', before);
      const obj = nodeAt(doc.root, ['agents', 'defaults', 'compaction']) as ObjectNode;
      const text = before.slice(0, obj.span[0]) + `{ ${inner} }` + before.slice(obj.span[1]);
      const part = reparseInside(doc, obj, text);
      assert.ok(part, inner);
      const whole = momoaDocument('/c.json5', text);
      const want = shape(whole, nodeAt(whole.root, ['agents', 'defaults', 'compaction']));
      assert.deepEqual(shape(part.doc, part.node), want, inner);
      assert.deepEqual(part.doc.comments, whole.comments, inner);
    }
    const doc = parseDocument('/c.json5', '{ a: { b: 1 } }');
    const obj = nodeAt(doc.root, ['a']) as ObjectNode;
    assert.equal(reparseInside(doc, obj, '{ a: [ 1 ] }'), undefined, 'not an object any more');
    assert.equal(reparseInside(doc, obj, '{ a: { b: } }'), undefined, 'no longer parses');
  });
});
