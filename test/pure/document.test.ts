import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeText, encodeText, nodeAt, parseDocument, toValue } from '../../src/core/openclaw/document.js';
import { resolveIncludes } from '../../src/core/openclaw/includes.js';
import { locateConfig } from '../../src/core/openclaw/locate.js';

describe('JSON5 document', () => {
  it('reads comments, trailing commas, unquoted keys and single quotes, with exact spans', () => {
    const text = "// c\n{ a: 1, /* b */ 'b': [1, 2,], \"c\": { d: 'x', }, }";
    const doc = parseDocument('/x.json5', text);
    assert.equal(doc.error, undefined);
    assert.deepEqual(toValue(doc.root), { a: 1, b: [1, 2], c: { d: 'x' } });
    const d = nodeAt(doc.root, ['c', 'd'])!;
    assert.equal(text.slice(d.span[0], d.span[1]), "'x'");
    assert.deepEqual(doc.index.rangeOf(d.span).start, { line: 1, character: text.split('\n')[1]!.indexOf("'x'") });
    assert.equal(doc.comments.length, 2);
  });

  it('reports a parse error at its position', () => {
    const doc = parseDocument('/x.json5', '{\n  a: 1,,\n}');
    assert.ok(doc.error);
    assert.deepEqual(doc.index.positionAt(doc.error.span[0]), { line: 1, character: 7 });
  });

  it('round-trips UTF-8 BOM and UTF-16 files byte for byte', () => {
    for (const enc of ['utf8bom', 'utf16le', 'utf16be'] as const) {
      const bytes = encodeText('{ "a": "é" }', enc);
      const { text, encoding } = decodeText(bytes);
      assert.equal(encoding, enc);
      assert.equal(text, '{ "a": "é" }');
      assert.deepEqual(Buffer.from(encodeText(text, encoding)), Buffer.from(bytes));
    }
  });
});

describe('$include', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-inc-'));
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f) : undefined);

  it('replaces the including object, merges arrays of files in order, siblings win', () => {
    fs.writeFileSync(path.join(dir, 'a.json5'), "{ defaults: { model: 'p/a', timeoutSeconds: 5 } }");
    fs.writeFileSync(path.join(dir, 'b.json5'), "{ defaults: { model: 'p/b' } }");
    const main = parseDocument(path.join(dir, 'openclaw.json'), "{ agents: { $include: ['./a.json5', './b.json5'], extra: 1 } }");
    const eff = resolveIncludes(main, read);
    assert.deepEqual(eff.includeProblems, []);
    assert.deepEqual(toValue(eff.root), { agents: { defaults: { model: 'p/b', timeoutSeconds: 5 }, extra: 1 } });
    const model = nodeAt(eff.root, ['agents', 'defaults', 'model'])!;
    assert.equal(path.basename(model.doc.file), 'b.json5', 'the value knows the file it lives in');
    assert.deepEqual(model.path, ['agents', 'defaults', 'model']);
  });

  it('leaves the documents as parsed: resolving twice gives the same tree, and each included value has its own path', () => {
    fs.writeFileSync(path.join(dir, 'shared.json5'), "{ model: 'p/shared', nested: { deep: 1 } }");
    fs.writeFileSync(path.join(dir, 'outer.json5'), "{ inner: { $include: './shared.json5' } }");
    const main = parseDocument(path.join(dir, 'openclaw.json'), "{ a: { $include: './shared.json5', extra: 1 }, b: { $include: './outer.json5' } }");
    // The parsed tree with every node's path and document, as plain data (a node's `doc` is a getter).
    const snapshot = (n: unknown): unknown =>
      Array.isArray(n) ? n.map(snapshot) : n && typeof n === 'object' ? Object.fromEntries(Object.keys(n).map((k) => [k, k === 'doc' ? (n as { doc: { file: string } }).doc.file : snapshot((n as Record<string, unknown>)[k])])) : n;
    const before = snapshot(main.root);
    const first = resolveIncludes(main, read);
    assert.deepEqual(snapshot(main.root), before, 'the input document is unchanged');
    for (const d of first.docs.slice(1)) assert.deepEqual(toValue(d.root), toValue(parseDocument(d.file, d.text).root), `${path.basename(d.file)} is unchanged`);
    const second = resolveIncludes(main, read);
    assert.deepEqual(snapshot(second.root), snapshot(first.root), 'a second resolve sees the same document');
    assert.deepEqual(second.includeProblems, []);
    assert.deepEqual(toValue(first.root), { a: { model: 'p/shared', nested: { deep: 1 }, extra: 1 }, b: { inner: { model: 'p/shared', nested: { deep: 1 } } } });
    assert.deepEqual(nodeAt(first.root, ['a', 'nested', 'deep'])!.path, ['a', 'nested', 'deep']);
    assert.deepEqual(nodeAt(first.root, ['b', 'inner', 'nested', 'deep'])!.path, ['b', 'inner', 'nested', 'deep'], 'one file included twice: each copy knows where it stands');
    assert.equal(path.basename(nodeAt(first.root, ['b', 'inner', 'model'])!.doc.file), 'shared.json5');
  });

  it('reports missing files, cycles and escapes without throwing', () => {
    fs.writeFileSync(path.join(dir, 'loop.json5'), "{ x: { $include: './loop.json5' } }");
    const main = parseDocument(path.join(dir, 'openclaw.json'), "{ a: { $include: './nope.json5' }, b: { $include: './loop.json5' }, c: { $include: '../../etc/passwd' } }");
    const eff = resolveIncludes(main, read);
    const msgs = eff.includeProblems.map((p) => p.message).join('\n');
    assert.match(msgs, /not found: \.\/nope\.json5/);
    assert.match(msgs, /cycle/);
    assert.match(msgs, /outside the config directory/);
  });
});

describe('locateConfig', () => {
  const home = '/home/u';
  const only = (...files: string[]) => (f: string) => files.includes(f);
  it('prefers the setting, then OPENCLAW_CONFIG_PATH, then the state dir, then home, then legacy names', () => {
    assert.equal(locateConfig({ settingPath: '~/x.json', env: { OPENCLAW_CONFIG_PATH: '/e.json' }, homedir: home, exists: only() }).path, '/home/u/x.json');
    assert.equal(locateConfig({ env: { OPENCLAW_CONFIG_PATH: '/e.json' }, homedir: home, exists: only() }).source, 'OPENCLAW_CONFIG_PATH');
    assert.equal(locateConfig({ env: { OPENCLAW_STATE_DIR: '/s' }, homedir: home, exists: only('/s/openclaw.json', '/home/u/.openclaw/openclaw.json') }).path, '/s/openclaw.json');
    assert.equal(locateConfig({ env: {}, homedir: home, exists: only('/home/u/.openclaw/openclaw.json') }).source, 'home');
    const legacy = locateConfig({ env: {}, homedir: home, exists: only('/home/u/.clawdbot/clawdbot.json') });
    assert.deepEqual([legacy.path, legacy.source], ['/home/u/.clawdbot/clawdbot.json', 'legacy']);
    const none = locateConfig({ env: {}, homedir: home, exists: only() });
    assert.deepEqual([none.exists, none.path], [false, '/home/u/.openclaw/openclaw.json']);
  });
});
