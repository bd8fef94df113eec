import { applyEdits, type TextEdit } from '../text.js';
import { parseDocument, reparseInside, type ArrayNode, type ConfigDocument, type JsonNode, type MemberNode, type ObjectNode } from './document.js';

/**
 * Minimal, style-preserving JSON5 edits. Each function returns the text edits for one document or
 * throws EditDeclined with a sentence a user can act on; it never re-serializes the file.
 */
export class EditDeclined extends Error {}

export interface DocEdits {
  readonly doc: ConfigDocument;
  readonly edits: TextEdit[];
}

function assertEditable(node: JsonNode | ObjectNode, doc: ConfigDocument): void {
  if (node.doc !== doc) throw new EditDeclined(`the value comes from the included file ${node.doc.file}; edit it there`);
  if ((node as ObjectNode).synthetic) throw new EditDeclined('the object is assembled from $include files; edit the included file');
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The quote the document prefers for new strings: whatever its string values mostly use. */
export function preferredQuote(doc: ConfigDocument): '"' | "'" {
  const n = quoteCounts(doc);
  return n.single > n.double ? "'" : '"';
}

// Counted once per document: every string a fix writes asks, and the count walks the whole tree.
const quotesOf = new WeakMap<ConfigDocument, { single: number; double: number }>();
function quoteCounts(doc: ConfigDocument): { single: number; double: number } {
  let n = quotesOf.get(doc);
  if (!n) quotesOf.set(doc, (n = countQuotes(doc.text, doc.root)));
  return n;
}
function countQuotes(text: string, root: JsonNode | undefined): { single: number; double: number } {
  const n = { single: 0, double: 0 };
  const walk = (x: JsonNode | undefined): void => {
    if (!x) return;
    if (x.kind === 'string') {
      if (text[x.span[0]] === "'") n.single++;
      else n.double++;
    } else if (x.kind === 'object') x.members.forEach((m) => walk(m.value));
    else if (x.kind === 'array') x.items.forEach(walk);
  };
  walk(root);
  return n;
}

export function formatString(value: string, quote: '"' | "'"): string {
  const body = JSON.stringify(value).slice(1, -1);
  if (quote === '"') return `"${body}"`;
  return `'${body.replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

export function formatKey(key: string, style: '"' | "'" | ''): string {
  if (style === '' && IDENT.test(key)) return key;
  return formatString(key, style === "'" ? "'" : '"');
}

/** A JSON-ish value written in the document's style (one line). */
export function formatValue(value: unknown, doc: ConfigDocument, keyStyle: '"' | "'" | ''): string {
  if (typeof value === 'string') return formatString(value, preferredQuote(doc));
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new EditDeclined('not a finite number');
    return String(value);
  }
  if (typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => formatValue(v, doc, keyStyle)).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return `{ ${entries.map(([k, v]) => `${formatKey(k, keyStyle)}: ${formatValue(v, doc, keyStyle)}`).join(', ')} }`;
  }
  throw new EditDeclined(`cannot write a ${typeof value}`);
}

/** Replace a scalar (or whole value) in place, keeping the quote style of a string it replaces. */
export function replaceValue(doc: ConfigDocument, node: JsonNode, value: unknown): DocEdits {
  assertEditable(node, doc);
  let text: string;
  if (typeof value === 'string' && node.kind === 'string') text = formatString(value, doc.text[node.span[0]] === "'" ? "'" : '"');
  else text = formatValue(value, doc, keyStyleOf(doc, undefined));
  return { doc, edits: [{ span: node.span, newText: text }] };
}

/** Key style used by an object's members (or the document's root as a fallback). */
export function keyStyleOf(doc: ConfigDocument, obj: ObjectNode | undefined): '"' | "'" | '' {
  const m = obj?.members[0];
  if (m) return m.keyQuote;
  let style = rootKeyStyle.get(doc);
  if (style === undefined) rootKeyStyle.set(doc, (style = doc.root?.kind === 'object' ? (doc.root.members[0]?.keyQuote ?? '"') : '"'));
  return style;
}
const rootKeyStyle = new WeakMap<ConfigDocument, '"' | "'" | ''>();

/* ---------- scanning helpers over the raw text ---------- */

/** Skip whitespace and comments forward from `i`. */
function skipTrivia(text: string, i: number): number {
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else return i;
  }
}

/** Skip whitespace and comments backward from `i` (exclusive end). */
function skipTriviaBack(doc: ConfigDocument, i: number): number {
  for (;;) {
    while (i > 0 && /\s/.test(doc.text[i - 1]!)) i--;
    const c = doc.comments.find((s) => s[1] === i);
    if (c) i = c[0];
    else return i;
  }
}

/** Offset just past the comma that follows `end`, or undefined. */
function commaAfter(text: string, end: number): number | undefined {
  const j = skipTrivia(text, end);
  return text[j] === ',' ? j + 1 : undefined;
}

function lineStart(text: string, i: number): number {
  while (i > 0 && text[i - 1] !== '\n') i--;
  return i;
}

function lineEnd(text: string, i: number): number {
  while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  return i;
}

function onlyWhitespace(s: string): boolean {
  return /^[ \t]*$/.test(s);
}

/**
 * The span a member occupies together with the comments attached to it: the comment lines directly
 * above (no blank line between) and a comment on the same line after it.
 */
export function memberBlock(doc: ConfigDocument, m: MemberNode): { start: number; end: number; ownLine: boolean } {
  const text = doc.text;
  let start = m.keySpan[0];
  let end = m.value.span[1];
  const comma = commaAfter(text, end);
  const afterValue = comma ?? end;
  const restOfLine = text.slice(afterValue, lineEnd(text, afterValue));
  const ownLine =
    onlyWhitespace(text.slice(lineStart(text, start), start)) && /^[ \t]*(\/\/.*|\/\*.*\*\/[ \t]*)?$/.test(restOfLine);
  if (!ownLine) return { start, end: afterValue, ownLine };
  // Attached leading comments: whole lines holding only a comment, directly above.
  for (;;) {
    const ls = lineStart(text, start);
    if (ls === 0) break;
    const prevLineEnd = ls - 1 - (text[ls - 2] === '\r' ? 1 : 0);
    const prevLs = lineStart(text, prevLineEnd);
    const prevLine = text.slice(prevLs, prevLineEnd);
    const trimmed = prevLine.trim();
    const isComment = doc.comments.some((c) => c[0] === prevLs + prevLine.indexOf(trimmed) && c[1] <= prevLineEnd + 1);
    if (trimmed.length > 0 && isComment && (trimmed.startsWith('//') || (trimmed.startsWith('/*') && trimmed.endsWith('*/')))) {
      start = prevLs + prevLine.indexOf(trimmed);
    } else break;
    start = lineStart(text, start);
  }
  start = lineStart(text, start);
  // Trailing comment on the same line.
  const le = lineEnd(text, afterValue);
  const rest = text.slice(afterValue, le);
  if (/^[ \t]*(\/\/.*|\/\*.*\*\/[ \t]*)?$/.test(rest)) end = le;
  else end = afterValue;
  return { start, end, ownLine };
}

/** Remove a member and the comments attached to it. Returns the edits and the removed text. */
export function removeMember(doc: ConfigDocument, obj: ObjectNode, m: MemberNode): DocEdits & { removedText: string } {
  assertEditable(obj, doc);
  if (m.doc !== doc) throw new EditDeclined(`the key comes from the included file ${m.doc.file}; edit it there`);
  const text = doc.text;
  const idx = obj.members.indexOf(m);
  if (idx < 0) throw new EditDeclined('the key is not in that object');
  const block = memberBlock(doc, m);
  if (obj.members.length === 1) {
    // The only member: leave `{}` rather than stray whitespace, when nothing else (a comment) is inside.
    const open = obj.span[0] + 1;
    const close = obj.span[1] - 1;
    const rest = text.slice(open, block.start) + text.slice(block.end, close);
    if (/^\s*,?\s*$/.test(rest)) return { doc, edits: [{ span: [open, close], newText: '' }], removedText: text.slice(block.start, block.end).trim() };
  }
  const hasComma = commaAfter(text, m.value.span[1]) !== undefined;
  const isLast = idx === obj.members.length - 1;
  const edits: TextEdit[] = [];
  if (block.ownLine) {
    // Remove whole lines, including the line break that ends the block.
    let end = block.end;
    if (text[end] === '\r') end++;
    if (text[end] === '\n') end++;
    edits.push({ span: [block.start, end], newText: '' });
  } else if (!isLast) {
    edits.push({ span: [block.start, skipSpaces(text, block.end)], newText: '' });
  } else {
    // Last on a shared line: take the separator before it instead.
    const prevEnd = skipTriviaBack(doc, m.keySpan[0]);
    const from = text[prevEnd - 1] === ',' && idx > 0 ? prevEnd - 1 : block.start;
    edits.push({ span: [from, block.end], newText: '' });
    return { doc, edits, removedText: text.slice(m.keySpan[0], m.value.span[1]) };
  }
  // The last member had no comma: the new last member must not keep one it did not have in this style.
  if (isLast && !hasComma && idx > 0) {
    const prev = obj.members[idx - 1]!;
    const c = commaAfter(text, prev.value.span[1]);
    if (c !== undefined && c <= block.start) edits.push({ span: [c - 1, c], newText: '' });
  }
  return { doc, edits, removedText: text.slice(block.start, block.end).trim() };
}

/** Remove an array item and the comments attached to it, by the same rules as a member. */
export function removeItem(doc: ConfigDocument, arr: ArrayNode, item: JsonNode): DocEdits & { removedText: string } {
  const members: MemberNode[] = arr.items.map((i) => ({ key: '', keySpan: i.span, keyQuote: '', value: i, doc: i.doc }));
  const idx = arr.items.indexOf(item);
  if (idx < 0) throw new EditDeclined('the item is not in that list');
  return removeMember(doc, { ...arr, kind: 'object', members } as ObjectNode, members[idx]!);
}

/** The block of an array item with its attached comments (see memberBlock). */
export function itemBlock(doc: ConfigDocument, item: JsonNode): { start: number; end: number; ownLine: boolean } {
  return memberBlock(doc, { key: '', keySpan: item.span, keyQuote: '', value: item, doc: item.doc });
}

/**
 * Insert a member whose text we write ourselves (a value moved with its comments). `entry` receives the indent
 * the new member's line gets, so lines after its first can follow it; `multiLine` says whether the object is
 * laid out one member a line (else line comments must not be used).
 */
export function insertMemberText(doc: ConfigDocument, obj: ObjectNode, entry: (indent: string, multiLine: boolean) => string): DocEdits {
  assertEditable(obj, doc);
  const entries = obj.members.map((m) => ({ start: m.keySpan[0], end: m.value.span[1] }));
  const text = doc.text;
  const open = obj.span[0];
  let indent: string;
  let multiLine: boolean;
  if (entries.length === 0) {
    multiLine = text.slice(open + 1, obj.span[1] - 1).includes('\n');
    indent = indentOf(text, open) + indentUnit(doc);
  } else {
    const last = entries[entries.length - 1]!;
    multiLine = text.slice(open + 1, entries[0]!.start).includes('\n');
    const own = text.slice(lineStart(text, last.start), last.start);
    indent = onlyWhitespace(own) ? own : indentOf(text, open) + indentUnit(doc);
  }
  return insertEntry(doc, obj, entry(indent, multiLine), entries);
}

/* ---------- moving text with its comments ---------- */

export function lineIndent(doc: ConfigDocument, offset: number): string {
  const ls = doc.index.lineStartOf(offset);
  return /^[ \t]*/.exec(doc.text.slice(ls))![0];
}

/** Lines after the first move from one indentation to another; a value with a string continued across lines is kept as it is. */
export function reindent(text: string, from: string, to: string): string {
  if (from === to || /\\\r?\n/.test(text)) return text;
  return text.replace(/(\r?\n)([ \t]*)/g, (all, nl: string, ws: string) => (ws.startsWith(from) ? nl + to + ws.slice(from.length) : all));
}

/** The comment lines attached above an entry, and a comment after it on its line. */
export function attachedComments(doc: ConfigDocument, block: { start: number; end: number }, start: number, end: number): string[] {
  const inside = (s: number, e: number) => doc.comments.filter((c) => c[0] >= s && c[1] <= e).map((c) => doc.text.slice(c[0], c[1]));
  return [...inside(block.start, start), ...inside(end, block.end)];
}

/** Line ending the document uses. */
export function eolOf(doc: ConfigDocument): string {
  return eol(doc.text);
}

function skipSpaces(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return i;
}

/** Set `key` in `obj` to `value`: replace when present, insert after the last member otherwise. */
export function setMember(doc: ConfigDocument, obj: ObjectNode, key: string, value: unknown): DocEdits {
  assertEditable(obj, doc);
  const existing = [...obj.members].reverse().find((m) => m.key === key);
  if (existing) return replaceValue(doc, existing.value, value);
  const style = keyStyleOf(doc, obj);
  return insertEntry(doc, obj, `${formatKey(key, style)}: ${formatValue(value, doc, style)}`, obj.members.map((m) => ({ start: m.keySpan[0], end: m.value.span[1] })));
}

/** Append `value` to an array, in the array's own layout. */
export function appendItem(doc: ConfigDocument, arr: ArrayNode, value: unknown): DocEdits {
  assertEditable(arr, doc);
  const style = keyStyleOf(doc, arr.items.find((i): i is ObjectNode => i.kind === 'object'));
  return insertEntry(doc, arr, formatValue(value, doc, style), arr.items.map((i) => ({ start: i.span[0], end: i.span[1] })));
}

function insertEntry(doc: ConfigDocument, container: JsonNode, entry: string, entries: { start: number; end: number }[]): DocEdits {
  const text = doc.text;
  const open = container.span[0];
  const close = container.span[1] - 1;
  if (entries.length === 0) {
    const inner = text.slice(open + 1, close);
    if (inner.includes('\n')) {
      const indent = indentOf(text, open);
      const unit = indentUnit(doc);
      const innerHasComment = inner.trim().length > 0;
      return {
        doc,
        edits: [{ span: innerHasComment ? [close, close] : [open + 1, close], newText: `${innerHasComment ? unit : '\n' + indent + unit}${entry}\n${indent}` }],
      };
    }
    return { doc, edits: [{ span: [open + 1, close], newText: ` ${entry} ` }] };
  }
  const last = entries[entries.length - 1]!;
  const first = entries[0]!;
  const multiLine = text.slice(open + 1, first.start).includes('\n');
  const comma = commaAfter(text, last.end);
  const trailingCommaStyle = comma !== undefined;
  if (!multiLine) {
    // `{ a: 1 }` → `{ a: 1, b: 2 }`
    if (comma !== undefined) return { doc, edits: [{ span: [comma, comma], newText: ` ${entry},` }] };
    return { doc, edits: [{ span: [last.end, last.end], newText: `, ${entry}` }] };
  }
  const indent = text.slice(lineStart(text, last.start), last.start);
  const indentText = onlyWhitespace(indent) ? indent : indentOf(text, open) + indentUnit(doc);
  // Insert after the last entry's line (past a trailing comment) so comments stay with their entry.
  const afterLast = comma ?? last.end;
  const le = lineEnd(text, afterLast);
  const rest = text.slice(afterLast, le);
  const insertAt = /^[ \t]*(\/\/.*|\/\*.*\*\/[ \t]*)?$/.test(rest) ? le : afterLast;
  const edits: TextEdit[] = [];
  if (!trailingCommaStyle) edits.push({ span: [last.end, last.end], newText: ',' });
  edits.push({ span: [insertAt, insertAt], newText: `${eol(text)}${indentText}${entry}${trailingCommaStyle ? ',' : ''}` });
  return { doc, edits };
}

function eol(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function indentOf(text: string, i: number): string {
  const ls = lineStart(text, i);
  return /^[ \t]*/.exec(text.slice(ls))![0];
}

export function indentUnit(doc: ConfigDocument): string {
  const m = /\n([ \t]+)\S/.exec(doc.text);
  if (!m) return '  ';
  return m[1]!.startsWith('\t') ? '\t' : m[1]!.length >= 4 && m[1]!.length % 4 === 0 ? '    ' : '  ';
}

/**
 * Make sure the object path exists under `obj`, creating nested objects as one inserted value.
 * Returns edits that set `path[last]` = value.
 */
export function setPath(doc: ConfigDocument, obj: ObjectNode, path: readonly string[], value: unknown): DocEdits {
  let cur: ObjectNode = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const m = [...cur.members].reverse().find((x) => x.key === path[i]);
    if (!m) {
      const nested = path.slice(i + 1).reduceRight<unknown>((acc, k) => ({ [k]: acc }), value);
      return setMember(doc, cur, path[i]!, nested);
    }
    if (m.value.kind !== 'object') throw new EditDeclined(`${path.slice(0, i + 1).join('.')} is not an object`);
    cur = m.value;
  }
  return setMember(doc, cur, path[path.length - 1]!, value);
}

/**
 * Several keys set in one edit (e.g. compaction.mode and compaction.midTurnPrecheck.enabled where neither exists):
 * each setPath is applied to the text the previous one left, so two new members of one object never collide,
 * and the result is one edit over the changed middle of the file. The first step sees `root` (the effective tree,
 * so a value from an `$include` is declined as setPath declines it); later steps see the file reparsed: only the
 * deepest object of the file that every key lies under (`agents.defaults.compaction`), when the edits stay inside
 * it, else the whole file. Parsing a 50 KB file again per key was most of a `check`'s time.
 */
export function setPaths(doc: ConfigDocument, root: ObjectNode, leaves: readonly (readonly [readonly string[], unknown])[]): DocEdits {
  let text = doc.text;
  let obj = root;
  let cur = doc;
  let { node: under, depth } = sharedObject(doc, leaves);
  // Text no step touched: every step keeps the text before its first edit and after its last, so the result shares
  // at least this much with the old text at each end, and the scan for the changed middle starts there.
  let keptHead = doc.text.length;
  let keptTail = doc.text.length;
  for (const [i, [path, value]] of leaves.entries()) {
    const step = setPath(cur, i > 0 && under ? under : obj, i > 0 && under ? path.slice(depth) : path, value).edits;
    for (const e of step) {
      keptHead = Math.min(keptHead, e.span[0]);
      keptTail = Math.min(keptTail, text.length - e.span[1]);
    }
    const next = applyEdits(text, step);
    const inside = under !== undefined && step.every((e) => e.span[0] > under!.span[0] && e.span[1] < under!.span[1]);
    const part = inside ? reparseInside(cur, under!, next) : undefined;
    if (part) {
      // What the next step reads of the document it edits; after the last step nothing reads it.
      if (i < leaves.length - 1) seed(part.doc, cur, under!, part.node);
      cur = part.doc;
      under = part.node;
    } else {
      cur = parseDocument(doc.file, next, doc.encoding);
      if (inside || cur.error || cur.root?.kind !== 'object') throw new EditDeclined('the combined edit does not parse');
      obj = cur.root;
      under = undefined;
      depth = 0;
    }
    text = next;
  }
  const old = doc.text;
  let a = Math.min(keptHead, old.length, text.length);
  while (a < old.length && a < text.length && old.charCodeAt(a) === text.charCodeAt(a)) a++;
  let b = Math.min(keptTail, old.length - a, text.length - a);
  while (b < old.length - a && b < text.length - a && old.charCodeAt(old.length - 1 - b) === text.charCodeAt(text.length - 1 - b)) b++;
  return { doc, edits: [{ span: [a, old.length - b], newText: text.slice(a, text.length - b) }] };
}

/** The deepest object of the file itself (not the root) on the path every leaf shares, found as setPath finds keys. */
function sharedObject(doc: ConfigDocument, leaves: readonly (readonly [readonly string[], unknown])[]): { node?: ObjectNode; depth: number } {
  const first = leaves[0]?.[0] ?? [];
  let shared = first.length - 1; // the last segment of a path is the key set, never an object walked through
  for (const [p] of leaves) {
    let k = 0;
    while (k < shared && k < p.length - 1 && p[k] === first[k]) k++;
    shared = k;
  }
  let node: ObjectNode | undefined;
  let depth = 0;
  let cur = doc.root?.kind === 'object' ? doc.root : undefined;
  for (let k = 0; k < shared && cur; k++) {
    const m = [...cur.members].reverse().find((x) => x.key === first[k]);
    cur = m?.value.kind === 'object' ? m.value : undefined;
    if (cur) [node, depth] = [cur, k + 1];
  }
  return { node, depth };
}

/** What the edit helpers read off the whole tree, carried to a document of which only `after` was parsed again. */
function seed(next: ConfigDocument, prev: ConfigDocument, before: ObjectNode, after: ObjectNode): void {
  const all = quoteCounts(prev);
  const was = countQuotes(prev.text, before);
  const now = countQuotes(next.text, after);
  quotesOf.set(next, { single: all.single - was.single + now.single, double: all.double - was.double + now.double });
  // The root's first key is written before any object inside it.
  rootKeyStyle.set(next, keyStyleOf(prev, undefined));
}
