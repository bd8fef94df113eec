import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { member, nodeAt, parseDocument, toValue, type ObjectNode } from '../../src/core/openclaw/document.js';
import { appendItem, removeMember, replaceValue, setMember, setPath, setPaths, type DocEdits } from '../../src/core/openclaw/edit.js';
import { applyEdits } from '../../src/core/text.js';

const apply = (d: DocEdits) => applyEdits(d.doc.text, d.edits);
const obj = (text: string, path: (string | number)[] = []) => {
  const doc = parseDocument('/c.json5', text);
  assert.equal(doc.error, undefined, doc.error?.message);
  return { doc, o: nodeAt(doc.root, path) as ObjectNode };
};

describe('style-preserving edits', () => {
  it('replaces only the value, keeping its quote style', () => {
    const { doc, o } = obj("{ a: 'x', // keep\n  b: 131072 }");
    assert.equal(apply(replaceValue(doc, member(o, 'b')!.value, 32768)), "{ a: 'x', // keep\n  b: 32768 }");
    assert.equal(apply(replaceValue(doc, member(o, 'a')!.value, 'y')), "{ a: 'y', // keep\n  b: 131072 }");
  });

  it('removes a member on its own line with its attached comments and keeps the rest byte for byte', () => {
    const text = '{\n  a: 1,\n  // about b\n  b: 2, // trailing\n\n  c: 3,\n}';
    const { doc, o } = obj(text);
    const r = removeMember(doc, o, member(o, 'b')!);
    assert.equal(apply(r), '{\n  a: 1,\n\n  c: 3,\n}');
    assert.match(r.removedText, /about b/);
  });

  it('removes the last member without leaving a comma the file did not use', () => {
    const { doc, o } = obj('{\n  "a": 1,\n  "b": 2\n}');
    const out = apply(removeMember(doc, o, member(o, 'b')!));
    assert.equal(out, '{\n  "a": 1\n}');
    assert.doesNotThrow(() => JSON.parse(out));
  });

  it('removes members from a one-line object', () => {
    const { doc, o } = obj('{ a: 1, b: 2, c: 3 }');
    assert.equal(apply(removeMember(doc, o, member(o, 'b')!)), '{ a: 1, c: 3 }');
    assert.equal(apply(removeMember(doc, o, member(o, 'c')!)), '{ a: 1, b: 2 }');
    assert.equal(apply(removeMember(doc, o, member(o, 'a')!)), '{ b: 2, c: 3 }');
  });

  it('inserts in the object\'s own layout: trailing commas, indentation, key quoting', () => {
    let { doc, o } = obj("{\n    a: 1, // one\n    b: 'x',\n}");
    assert.equal(apply(setMember(doc, o, 'mode', 'default')), "{\n    a: 1, // one\n    b: 'x',\n    mode: 'default',\n}");
    ({ doc, o } = obj('{\n  "a": 1\n}'));
    const out = apply(setMember(doc, o, 'mode', 'default'));
    assert.equal(out, '{\n  "a": 1,\n  "mode": "default"\n}');
    assert.doesNotThrow(() => JSON.parse(out), 'a strict JSON file stays strict JSON');
    ({ doc, o } = obj('{ a: 1 }'));
    assert.equal(apply(setMember(doc, o, 'b', 2)), '{ a: 1, b: 2 }');
    ({ doc, o } = obj('{}'));
    assert.equal(apply(setMember(doc, o, 'b', 2)), '{ "b": 2 }', 'nothing to mirror: quote keys, which keeps JSON files JSON');
  });

  it('creates missing parents as one nested value', () => {
    const { doc, o } = obj('{\n  "agents": {\n    "defaults": {}\n  }\n}');
    const out = apply(setPath(doc, o, ['agents', 'defaults', 'compaction', 'model'], 'p/m'));
    assert.deepEqual(JSON.parse(out), { agents: { defaults: { compaction: { model: 'p/m' } } } });
  });

  it('appends to arrays of objects', () => {
    const { doc } = obj("{ models: [\n  { id: 'a', name: 'A' },\n] }");
    const arr = nodeAt(doc.root, ['models'])!;
    assert.equal(arr.kind, 'array');
    const out = apply(appendItem(doc, arr as never, { id: 'b', name: 'B', contextWindow: 68000 }));
    assert.deepEqual(toValue(parseDocument('/c', out).root), { models: [{ id: 'a', name: 'A' }, { id: 'b', name: 'B', contextWindow: 68000 }] });
    assert.match(out, /\{ id: 'b', name: 'B', contextWindow: 68000 \},\n\] \}/);
  });
});

describe('removing the only member', () => {
  it('leaves {} whether the object is on one line or several, and keeps a comment that is not attached', () => {
    let { doc, o } = obj("{ a: 'x' }");
    assert.equal(apply(removeMember(doc, o, member(o, 'a')!)), '{}');
    ({ doc, o } = obj('{\n  "a": {\n    "b": 1,\n  },\n}', ['a']));
    assert.equal(apply(removeMember(doc, o, member(o, 'b')!)), '{\n  "a": {},\n}');
    ({ doc, o } = obj('{\n  "a": {\n    "b": 1,\n\n    // unrelated note\n  },\n}', ['a']));
    assert.match(apply(removeMember(doc, o, member(o, 'b')!)), /unrelated note/);
  });
});

describe('setPaths', () => {
  // The whole-file reparse after every key, as setPaths did before it reparsed only the object the keys share.
  const reference = (text: string, leaves: [string[], unknown][]) => {
    let t = text;
    for (const [p, v] of leaves) {
      const d = parseDocument('/c.json5', t);
      t = applyEdits(t, setPath(d, d.root as ObjectNode, p, v).edits);
    }
    return t;
  };
  const C = ['agents', 'defaults', 'compaction'];
  const cases: [string, [string[], unknown][]][] = [
    // new members of one object, a comment after it, and a string whose quote the file's majority decides
    ["// head\n{\n  models: { a: 'x', b: \"y\" },\n  agents: {\n    defaults: {\n      compaction: {\n        // why\n        mode: 'safeguard',\n      },\n    },\n  },\n  // tail\n  z: \"w\",\n}\n", [[[...C, 'mode'], 'default'], [[...C, 'midTurnPrecheck', 'enabled'], true], [[...C, 'model'], 'lmstudio/m']]],
    ['{\n  "agents": { "defaults": { "compaction": {} } }\n}\n', [[[...C, 'mode'], 'safeguard'], [[...C, 'midTurnPrecheck', 'enabled'], true], [[...C, 'midTurnPrecheck', 'other'], 1]]],
    // the shared object is missing: the first key creates it, the next ones land in the whole file parsed again
    ['{ agents: { defaults: {} } }', [[[...C, 'mode'], 'safeguard'], [[...C, 'timeoutSeconds'], 600]]],
    // keys that share only the root
    ['{ a: 1 }', [[['b', 'c'], 'x'], [['d'], 2]]],
  ];
  it('writes what setting each key on the whole file parsed again writes, as one edit', () => {
    for (const [text, leaves] of cases) {
      const doc = parseDocument('/c.json5', text);
      const r = setPaths(doc, doc.root as ObjectNode, leaves);
      assert.equal(r.edits.length, 1);
      assert.equal(apply(r), reference(text, leaves), text);
      assert.equal(parseDocument('/c.json5', apply(r)).error, undefined);
    }
  });

  it('a later key under a value that is not an object is declined', () => {
    const doc = parseDocument('/c.json5', '{ agents: { defaults: { compaction: { midTurnPrecheck: 3 } } } }');
    assert.throws(() => setPaths(doc, doc.root as ObjectNode, [[[...C, 'mode'], 'safeguard'], [[...C, 'midTurnPrecheck', 'enabled'], true]]), /midTurnPrecheck is not an object/);
  });
});
