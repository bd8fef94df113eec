// OpenClaw decides what a migration changes; this file decides how it is written. Given the original text and
// the value tree OpenClaw's own repair produced, it finds the value-level difference (moved subtrees, renamed
// keys, rewritten values, added and deleted keys) and applies it to the original text as minimal edits: a moved
// subtree keeps its text and its comments at the new place, untouched bytes stay as they were.
import { child, isEnvReference, nodeAt, parseDocument, toValue, type ConfigDocument, type JsonNode, type JsonPath, type ObjectNode } from '../openclaw/document.js';
import { attachedComments, EditDeclined, eolOf, formatKey, indentUnit, insertMemberText, itemBlock, keyStyleOf, lineIndent, memberBlock, reindent, removeItem, removeMember, replaceValue, setPath, type DocEdits } from '../openclaw/edit.js';
import { keyHistory } from '../openclaw/knowledge.js';
import { formatVersion, type OpenClawVersion } from '../openclaw/version.js';
import { applyEdits } from '../text.js';
import type { Change, Removal, Remaining } from './migrate.js';
import { guardedBy } from './guards.js';

type Tree = unknown;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** `a` is found inside `b`: b has every key of a (recursively), arrays of the same length item by item. */
function contained(a: unknown, b: unknown): boolean {
  if (isObj(a) && isObj(b)) return Object.keys(a).every((k) => k in b && contained(a[k], b[k]));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => contained(x, b[i]));
  return deepEqual(a, b);
}

interface Diff {
  readonly removed: { path: JsonPath; value: Tree }[];
  readonly added: { path: JsonPath; value: Tree }[];
  readonly rewritten: { path: JsonPath; from: Tree; to: Tree }[];
}

/** The value-level difference between two trees, as maximal removed/added subtrees and rewritten values. */
export function treeDiff(a: Tree, b: Tree): Diff {
  const d: Diff = { removed: [], added: [], rewritten: [] };
  const walk = (x: Tree, y: Tree, path: JsonPath): void => {
    if (deepEqual(x, y)) return;
    if (isObj(x) && isObj(y)) {
      for (const k of Object.keys(x)) if (k in y) walk(x[k], y[k], [...path, k]);
      else d.removed.push({ path: [...path, k], value: x[k] });
      for (const k of Object.keys(y)) if (!(k in x)) d.added.push({ path: [...path, k], value: y[k] });
      return;
    }
    if (Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every(isObj) && y.every(isObj)) {
      x.forEach((xi, i) => walk(xi, y[i], [...path, i]));
      return;
    }
    d.rewritten.push({ path, from: x, to: y });
  };
  walk(a, b, []);
  return d;
}

const key = (p: JsonPath) => p.map(String).join('\u0000');
export const dottedPath = (p: JsonPath) => p.map((s) => (typeof s === 'number' ? `[${s}]` : /[.\s]/.test(s) ? `["${s}"]` : s)).join('.').replace(/\.\[/g, '[');

/**
 * What doctor adds that is not about the user's values: its bookkeeping, an inventory of this machine (skills
 * whose tools it lacks, plugins it enabled), a default agent and generated credentials. Left out of the
 * migration and listed as "OpenClaw's doctor would also …".
 */
export function bookkeeping(path: JsonPath, value: Tree): string | undefined {
  const [a, b, c] = path;
  if (a === 'meta' || a === 'wizard') return `record its own bookkeeping in ${dottedPath(path)}`;
  const toggle = isObj(value) && Object.keys(value).length === 1 && typeof value.enabled === 'boolean';
  if (a === 'skills' && b === 'entries' && c !== undefined && path.length === 3 && toggle) return `${value.enabled ? 'enable' : 'disable'} the skill ${String(c)} (${value.enabled ? 'found' : 'its tools are missing'} on the machine it ran on)`;
  if (a === 'skills' && b === 'entries' && path.length === 2 && isObj(value) && Object.values(value).every((v) => isObj(v) && Object.keys(v).length === 1 && typeof v.enabled === 'boolean')) return `set ${Object.keys(value).length} skills on or off for the tools of the machine it ran on`;
  if (a === 'plugins' && b === 'entries' && c !== undefined && path.length === 3 && toggle) return `${value.enabled ? 'enable' : 'disable'} the plugin ${String(c)}`;
  if (a === 'plugins' && path.length <= 2 && isObj(value) && (b === undefined || b === 'entries')) {
    const entries = (b === undefined ? value.entries : value) as Tree;
    if (isObj(entries) && Object.values(entries).every((v) => isObj(v) && Object.keys(v).length === 1 && typeof v.enabled === 'boolean') && (b !== undefined || Object.keys(value).length === 1)) return `enable the plugins ${Object.keys(entries).join(', ')}`;
  }
  if ((a === 'skills' || a === 'plugins') && path.length === 1 && isObj(value) && Object.keys(value).length === 1 && isObj(value.entries) && Object.values(value.entries).every((v) => isObj(v) && Object.keys(v).length === 1 && typeof v.enabled === 'boolean')) return `set ${Object.keys(value.entries).length} ${a} on or off for the machine it ran on`;
  if (a === 'agents' && b === 'entries' && c === 'main' && path.length === 3 && isObj(value) && Object.keys(value).length === 0) return 'add an empty default agent "main"';
  if (a === 'agents' && b === 'entries' && path.length === 2 && deepEqual(value, { main: {} })) return 'add an empty default agent "main"';
  if (a === 'agents' && path.length === 1 && isObj(value) && Object.keys(value).every((k) => k === 'entries' || k === 'defaults') && deepEqual(value.entries ?? { main: {} }, { main: {} }) && (value.defaults === undefined || (isObj(value.defaults) && Object.keys(value.defaults).every((k) => k === 'model')))) return 'add a default agent "main" with the model it found';
  if (a === 'gateway' && b === 'auth') return 'generate a gateway credential';
  if (a === 'agents' && b === 'defaults' && c === 'model' && path.length === 3) return `pick ${JSON.stringify(isObj(value) ? (value.primary ?? value) : value)} as the default model (from the providers it found)`;
  return undefined;
}

/**
 * Whether doctor's addition is written into the user's file: only inside what the file already has (or what a
 * move just put there). A new top-level section is doctor's onboarding, not a repair: listed, not written.
 */
function takenAddition(path: JsonPath, value: Tree): boolean {
  return path.length > 1 && !bookkeeping(path, value);
}

export function leftOut(path: JsonPath, value: Tree): string | undefined {
  const b = bookkeeping(path, value);
  if (b) return b;
  if (path.length === 1) {
    const shown = JSON.stringify(value);
    return `add a new section ${dottedPath(path)}: ${shown.length > 80 ? `${shown.slice(0, 77)}…` : shown}`;
  }
  return undefined;
}

type Op =
  | { kind: 'move'; from: JsonPath; to: JsonPath; byId?: string }
  | { kind: 'rewrite'; path: JsonPath; to: Tree; from: Tree }
  | { kind: 'remove'; path: JsonPath; value: Tree }
  | { kind: 'add'; path: JsonPath; value: Tree };

const opKey = (op: Op) => `${op.kind}:${key('path' in op ? op.path : op.from)}`;

/** Every node inside the added subtrees, with its path: the candidates a removed value may have moved to. */
function addedNodes(d: Diff): { path: JsonPath; value: Tree }[] {
  const out: { path: JsonPath; value: Tree }[] = [];
  const walk = (v: Tree, p: JsonPath) => {
    out.push({ path: p, value: v });
    if (isObj(v)) for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
  };
  for (const a of d.added) walk(a.value, a.path);
  return out;
}

/** A list of objects with unique string ids that reappears as a map keyed by them (agents.list → agents.entries). */
function byIdMatch(from: Tree, to: Tree): string | undefined {
  if (!Array.isArray(from) || from.length === 0 || !isObj(to)) return undefined;
  for (const field of ['id', 'name']) {
    const ids = from.map((x) => (isObj(x) && typeof x[field] === 'string' ? (x[field] as string) : undefined));
    if (ids.some((x) => x === undefined) || new Set(ids).size !== ids.length) continue;
    // Each item reappears under its id with at least one of its values (doctor may drop or rewrite others inside;
    // those are diffed after the move, where the item now is).
    const rest = (i: number) => Object.entries(from[i] as object).filter(([k]) => k !== field);
    const found = (i: number, id: string) => isObj(to[id]) && (rest(i).length === 0 || rest(i).some(([k, v]) => deepEqual(v, (to[id] as Record<string, unknown>)[k])));
    if (ids.every((id, i) => id! in to && found(i, id!))) return field;
  }
  return undefined;
}

/** Short values are followed only nearby: `true` reappearing anywhere is a coincidence, not a move. */
function distinctive(v: Tree): boolean {
  if (isObj(v)) return Object.keys(v).length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'string') return v.length >= 12;
  return false;
}

/** Removed subtrees and everything inside them, outermost first: part of a deleted object may have moved. */
function removedNodes(d: Diff): { path: JsonPath; value: Tree }[] {
  const out: { path: JsonPath; value: Tree }[] = [];
  const walk = (v: Tree, p: JsonPath) => {
    out.push({ path: p, value: v });
    if (isObj(v)) for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  for (const r of d.removed) walk(r.value, r.path);
  return out;
}

function findMove(d: Diff): Op | undefined {
  const candidates = addedNodes(d);
  for (const r of removedNodes(d)) {
    let best: { op: Op; score: number } | undefined;
    const last = r.path[r.path.length - 1];
    const parent = key(r.path.slice(0, -1));
    for (const c of candidates) {
      const near = c.path[c.path.length - 1] === last || key(c.path.slice(0, r.path.length - 1)) === parent;
      let score = 0;
      const field = byIdMatch(r.value, c.value);
      if (field) score = 4;
      else if (deepEqual(r.value, c.value) && (distinctive(r.value) || near)) score = 3;
      else if ((isObj(r.value) || Array.isArray(r.value)) && distinctive(r.value) && contained(r.value, c.value)) score = 2;
      if (!score) continue;
      score += near ? 0.5 : 0;
      if (!best || score > best.score) best = { op: { kind: 'move', from: r.path, to: c.path, ...(field ? { byId: field } : {}) }, score };
    }
    if (best) return best.op;
  }
  return undefined;
}

function nextOp(cur: Tree, repaired: Tree, skip: Set<string>): Op | undefined {
  const d = treeDiff(cur, repaired);
  const open = (op: Op) => !skip.has(opKey(op));
  const move = findMove({ removed: d.removed.filter((r) => !skip.has(`move:${key(r.path)}`)), added: d.added.filter((a) => !bookkeeping(a.path, a.value)), rewritten: d.rewritten });
  if (move) return move;
  for (const r of d.rewritten) {
    const op: Op = { kind: 'rewrite', path: r.path, from: r.from, to: r.to };
    if (open(op)) return op;
  }
  for (const r of d.removed) {
    const op: Op = { kind: 'remove', path: r.path, value: r.value };
    if (open(op)) return op;
  }
  for (const a of d.added) {
    const op: Op = { kind: 'add', path: a.path, value: a.value };
    if (open(op) && takenAddition(a.path, a.value)) return op;
  }
  return undefined;
}

/* ---------- writing one operation as minimal text edits ---------- */

function asLineSafe(comment: string, multiLine: boolean): string {
  return multiLine || comment.startsWith('/*') ? comment : `/* ${comment.replace(/^\/\/\s?/, '').replace(/\*\//g, '* /')} */`;
}

interface Source {
  readonly valueText: string;
  readonly comments: string[];
  readonly indent: string;
  readonly remove: DocEdits & { removedText: string };
}

function sourceOf(doc: ConfigDocument, path: JsonPath): Source {
  const parent = nodeAt(doc.root, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (parent?.kind === 'object') {
    const m = [...parent.members].reverse().find((x) => x.key === last);
    if (!m) throw new EditDeclined(`${dottedPath(path)} is not in the file`);
    const block = memberBlock(doc, m);
    return { valueText: doc.text.slice(m.value.span[0], m.value.span[1]), comments: attachedComments(doc, block, m.keySpan[0], m.value.span[1]), indent: lineIndent(doc, m.keySpan[0]), remove: removeMember(doc, parent, m) };
  }
  if (parent?.kind === 'array' && typeof last === 'number' && parent.items[last]) {
    const item = parent.items[last]!;
    const block = itemBlock(doc, item);
    return { valueText: doc.text.slice(item.span[0], item.span[1]), comments: attachedComments(doc, block, item.span[0], item.span[1]), indent: lineIndent(doc, item.span[0]), remove: removeItem(doc, parent, item) };
  }
  throw new EditDeclined(`${dottedPath(path)} is not in the file`);
}

/** The deepest object on `path` that exists in the document, and the keys still to create below it. */
function anchor(doc: ConfigDocument, path: JsonPath): { obj: ObjectNode; rest: string[] } {
  let node = doc.root;
  let i = 0;
  for (; i < path.length - 1; i++) {
    const next = child(node, path[i]!);
    if (!next) break;
    node = next;
  }
  if (node?.kind !== 'object') throw new EditDeclined(`${dottedPath(path.slice(0, i))} is not an object`);
  const rest = path.slice(i).map(String);
  if (path.slice(i).some((s) => typeof s === 'number')) throw new EditDeclined(`cannot create list items at ${dottedPath(path)}`);
  return { obj: node, rest };
}

/** Text of `k1: { k2: { … kN: VALUE } }`, one key a line when the object is laid out that way. */
function nestedEntry(doc: ConfigDocument, obj: ObjectNode, rest: string[], src: { valueText: string; comments: string[]; indent: string }, indent: string, multiLine: boolean): string {
  const unit = indentUnit(doc);
  const nl = eolOf(doc);
  const style = keyStyleOf(doc, obj);
  const depth = rest.length - 1;
  const innerIndent = indent + unit.repeat(depth);
  const value = multiLine ? reindent(src.valueText, src.indent, innerIndent) : src.valueText;
  const comments = src.comments.map((c) => asLineSafe(c, multiLine));
  const lead = (ind: string) => comments.map((c) => (multiLine ? `${c}${nl}${ind}` : `${c} `)).join('');
  let text = `${lead(innerIndent)}${formatKey(rest[depth]!, style)}: ${value}`;
  for (let k = depth - 1; k >= 0; k--) {
    const ind = indent + unit.repeat(k);
    text = multiLine ? `${formatKey(rest[k]!, style)}: {${nl}${ind}${unit}${text}${nl}${ind}}` : `${formatKey(rest[k]!, style)}: { ${text} }`;
  }
  return text;
}

/** A move as text: the edits on this document, then (for a move elsewhere) the insertion computed on the result. */
function writeMove(doc: ConfigDocument, op: Extract<Op, { kind: 'move' }>): { edits: DocEdits; removedText: string; then?: (doc: ConfigDocument) => DocEdits } {
  const src = sourceOf(doc, op.from);
  const sameParent = key(op.from.slice(0, -1)) === key(op.to.slice(0, -1)) && typeof op.to[op.to.length - 1] === 'string';
  const parent = nodeAt(doc.root, op.from.slice(0, -1));
  let valueText = src.valueText;
  if (op.byId) {
    // Each item becomes `id: { …item… }` with its own comments; the id member left inside is removed next round.
    const list = nodeAt(doc.root, op.from);
    if (list?.kind !== 'array') throw new EditDeclined(`${dottedPath(op.from)} is not a list`);
    const nl = eolOf(doc);
    const unit = indentUnit(doc);
    const style = keyStyleOf(doc, parent?.kind === 'object' ? parent : undefined);
    const lines = list.items.map((item) => {
      const id = (toValue(child(item, op.byId!)) as string) ?? '';
      const block = itemBlock(doc, item);
      const comments = attachedComments(doc, block, item.span[0], item.span[1]);
      const ind = lineIndent(doc, item.span[0]);
      return `${comments.map((c) => `${c}${nl}${src.indent}${unit}`).join('')}${formatKey(id, style)}: ${reindent(doc.text.slice(item.span[0], item.span[1]), ind, src.indent + unit)}`;
    });
    const multi = /\n/.test(src.valueText);
    if (!multi && lines.some((l) => l.includes('//'))) throw new EditDeclined('line comments in a one-line list');
    const lastItem = list.items[list.items.length - 1]!;
    const trailing = doc.text.slice(lastItem.span[1], list.span[1]).replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '').includes(',') ? ',' : '';
    valueText = multi ? `{${nl}${src.indent}${unit}${lines.join(`,${nl}${src.indent}${unit}`)}${trailing}${nl}${src.indent}}` : `{ ${lines.join(', ')} }`;
  }
  if (sameParent && parent?.kind === 'object') {
    // A rename in place: only the key (and, for a list become a map, the value) changes.
    const m = [...parent.members].reverse().find((x) => x.key === op.from[op.from.length - 1])!;
    const name = String(op.to[op.to.length - 1]);
    const newKey = formatKey(name, m.keyQuote || (/^[A-Za-z_$][\w$]*$/.test(name) ? '' : '"'));
    const edits = [{ span: m.keySpan, newText: newKey }, ...(valueText !== src.valueText ? [{ span: m.value.span, newText: valueText }] : [])];
    return { edits: { doc, edits }, removedText: '' };
  }
  const moved = { ...src, valueText };
  const target = anchor(doc, op.to);
  if (parent?.kind === 'object' && target.obj === parent) {
    // `denyCommands: […]` → `commands: { deny: […] }` where it stands: its comments stay above it.
    const m = [...parent.members].reverse().find((x) => x.key === op.from[op.from.length - 1])!;
    const multiLine = doc.text.slice(parent.span[0], parent.span[1]).includes('\n');
    return { edits: { doc, edits: [{ span: [m.keySpan[0], m.value.span[1]], newText: nestedEntry(doc, parent, target.rest, { ...moved, comments: [] }, src.indent, multiLine) }] }, removedText: '' };
  }
  return {
    edits: src.remove,
    removedText: '',
    then: (next) => {
      const { obj, rest } = anchor(next, op.to);
      return insertMemberText(next, obj, (indent, multiLine) => nestedEntry(next, obj, rest, moved, indent, multiLine));
    },
  };
}

function memberOrItem(doc: ConfigDocument, path: JsonPath): { node: JsonNode; remove: () => DocEdits & { removedText: string } } {
  const parent = nodeAt(doc.root, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (parent?.kind === 'object') {
    const m = [...parent.members].reverse().find((x) => x.key === last);
    if (m) return { node: m.value, remove: () => removeMember(doc, parent, m) };
  }
  if (parent?.kind === 'array' && typeof last === 'number' && parent.items[last]) {
    const item = parent.items[last]!;
    return { node: item, remove: () => removeItem(doc, parent, item) };
  }
  throw new EditDeclined(`${dottedPath(path)} is not in the file`);
}

/* ---------- the whole repair ---------- */

function apply(text: string, edits: DocEdits['edits']): string {
  try {
    return applyEdits(text, edits);
  } catch (err) {
    throw new EditDeclined(`the edits overlap (${(err as Error).message})`);
  }
}

export interface RepairApplied {
  readonly after: string;
  readonly changes: Change[];
  readonly removed: Removal[];
  /** Guarded values left in place although OpenClaw's repair deletes them, with what to do. */
  readonly kept: Remaining[];
  /** What doctor also did that is not the user's values (bookkeeping, machine inventory). */
  readonly alsoDoctor: string[];
  /** Operations that could not be written as minimal edits (the validate → fix loop goes on from there). */
  readonly declined: { path: string; why: string }[];
}

export interface ApplyRepairOptions {
  readonly version: OpenClawVersion;
  /** Doctor's own sentences about its changes; quoted as the reason where one names the path. */
  readonly notes?: readonly string[];
  readonly maxSteps?: number;
}

function reasonFor(op: Op, notes: readonly string[], ver: string): string {
  const path = 'path' in op ? op.path : op.from;
  const dotted = dottedPath(path);
  const names = path.filter((s): s is string => typeof s === 'string');
  const prefixes = names.map((_, i) => names.slice(0, names.length - i).join('.')).filter((p) => p.includes('.'));
  const tail2 = names.slice(-2).join('.');
  const lastKey = names[names.length - 1] ?? '';
  const note =
    notes.find((n) => n.includes(dotted) && !n.startsWith(`${dotted}:`)) ??
    prefixes.map((p) => notes.find((n) => n.startsWith(`${p}:`))).find(Boolean) ??
    (names.length > 1 ? notes.find((n) => n.includes(tail2)) : undefined) ??
    (lastKey.length >= 12 ? notes.find((n) => /^(Moved|Removed)/.test(n) && n.includes(lastKey)) : undefined);
  const h = keyHistory(path);
  const what =
    op.kind === 'move' ? `moves ${dotted} to ${dottedPath(op.to)}` : op.kind === 'rewrite' ? `rewrites ${dotted}` : op.kind === 'remove' ? `deletes ${dotted}` : `adds ${dotted}`;
  const said = note ? note.replace(/^[\w.[\]"-]+:\s*/, '').replace(/\.?$/, '.') : `it ${what}.`;
  return `OpenClaw ${ver}'s repair: ${said}${h ? ` ${h.reason}` : ''}`;
}

/**
 * Applies OpenClaw's repaired tree to `text` one operation at a time (re-parsing after each, so every edit is
 * computed on the text it changes). Moves first, so a value that moved is never deleted and re-added.
 */
export function applyRepair(file: string, text: string, repaired: Tree, opts: ApplyRepairOptions): RepairApplied {
  const ver = formatVersion(opts.version);
  const notes = opts.notes ?? [];
  const changes: Change[] = [];
  const removed: Removal[] = [];
  const kept: Remaining[] = [];
  const declined: { path: string; why: string }[] = [];
  const skip = new Set<string>();
  let current = text;
  const originalTree = toValue(parseDocument(file, text).root);
  // A guard's meaning changes only with the user's own edit: a repair that rewrites a guard (dmPolicy allowlist →
  // open, a deny list emptied) or adds one (tools.elevated) is held, the value left as it was, with what to do.
  // What the repair changes against the original, once: the guard checks below all read it.
  const diff = treeDiff(originalTree, repaired);
  const held = heldGuardChanges(originalTree, diff);
  const max = opts.maxSteps ?? 500;
  for (let step = 0; step < max; step++) {
    const doc = parseDocument(file, current);
    if (doc.error || !doc.root) break;
    const cur = toValue(doc.root);
    const op = nextOp(cur, repaired, skip);
    if (!op) break;
    skip.add(opKey(op));
    const path = 'path' in op ? op.path : op.from;
    try {
      let edits: DocEdits;
      let removedText = '';
      let silent = false;
      let then: ((doc: ConfigDocument) => DocEdits) | undefined;
      if (op.kind === 'move') {
        ({ edits, removedText, then } = writeMove(doc, op));
        skip.delete(opKey(op));
        skip.add(`move:${key(op.from)}`);
      } else if ((op.kind === 'rewrite' || op.kind === 'add') && held.has(key(op.path))) {
        const what = op.kind === 'rewrite' ? `changes ${dottedPath(op.path)} from ${short(op.from)} to ${short(op.to)}` : `adds ${dottedPath(op.path)} = ${short(op.value)}`;
        kept.push({ path: dottedPath(op.path), message: `kept: OpenClaw ${ver}'s repair ${what}, which ${held.get(key(op.path))}`, why: `a guard's meaning changes only by your own edit: make that change yourself if you mean it` });
        continue;
      } else if (op.kind === 'rewrite') {
        const { node } = memberOrItem(doc, op.path);
        if (isEnvReference(op.from) || (typeof op.to === 'string' && isEnvReference(op.to))) throw new EditDeclined('a ${VAR} value is never replaced');
        edits = replaceValue(doc, node, op.to);
        // The side file holds members (`was: { key: value }`): a rewritten list or object is kept under its key.
        if (node.kind === 'object' || node.kind === 'array') removedText = `${JSON.stringify(String(op.path[op.path.length - 1]))}: ${doc.text.slice(node.span[0], node.span[1])},`;
      } else if (op.kind === 'remove') {
        const { remove } = memberOrItem(doc, op.path);
        const guard = guardedBy(op.path, op.value);
        const parentKey = op.path[op.path.length - 2];
        // An id that became the entry's key is not lost: it is the key now.
        const absorbed = typeof op.value === 'string' && op.value === parentKey;
        if (guard && !translatedNearby(diff, op.path, held)) {
          kept.push({ path: dottedPath(op.path), message: `kept: OpenClaw ${ver}'s repair deletes ${dottedPath(op.path)}, which ${guard}`, why: `move it to where OpenClaw ${ver} reads it (see its docs for ${dottedPath(op.path.slice(0, -1))}) or delete it yourself` });
          continue;
        }
        const r = remove();
        edits = r;
        // An id that became a key, or an object a move emptied: nothing of the user's is lost, nothing to report.
        silent = absorbed || (isObj(op.value) && Object.keys(op.value).length === 0);
        if (!absorbed && !(isObj(op.value) && Object.keys(op.value).length === 0)) removedText = r.removedText;
      } else {
        const { obj, rest } = anchor(doc, op.path);
        edits = setPath(doc, obj, rest, op.value);
      }
      let next = apply(current, edits.edits);
      if (then) {
        const mid = parseDocument(file, next);
        if (mid.error) throw new EditDeclined('the edit would leave the file unreadable');
        next = apply(next, then(mid).edits);
      }
      if (parseDocument(file, next).error) throw new EditDeclined('the edit would leave the file unreadable');
      current = next;
      if (silent) continue;
      const reason = reasonFor(op, notes, ver);
      changes.push({ path: dottedPath(path), action: op.kind === 'move' ? 'move' : op.kind === 'remove' ? 'remove' : 'set', ...(op.kind === 'move' ? { to: dottedPath(op.to) } : {}), reason });
      if (removedText) removed.push({ path: dottedPath(path), reason, text: removedText });
    } catch (err) {
      if (!(err instanceof EditDeclined)) throw err;
      declined.push({ path: dottedPath(path), why: err.message });
    }
  }
  const finalDoc = parseDocument(file, current);
  const alsoDoctor = treeDiff(finalDoc.root ? toValue(finalDoc.root) : {}, repaired)
    .added.map((a) => leftOut(a.path, a.value))
    .filter((s): s is string => !!s);
  // Skills toggled one by one read as one line: they are the machine's inventory, not a list to review.
  const skills = alsoDoctor.filter((l) => /^(disable|enable) the skill /.test(l));
  const also = [...new Set(alsoDoctor.filter((l) => !skills.includes(l)))];
  if (skills.length) also.push(`switch ${skills.length} skill${skills.length === 1 ? '' : 's'} on or off for the tools of the machine it ran on`);
  return { after: current, changes, removed, kept, alsoDoctor: also, declined };
}

/**
 * A guarded key deleted because doctor wrote its meaning into a sibling (tools.exec.security → tools.exec.mode). A
 * sibling change that is held (heldGuardChanges) translates nothing: the key it would replace stays too.
 */
function translatedNearby(d: Diff, path: JsonPath, held: ReadonlyMap<string, string>): boolean {
  const parent = path.slice(0, -1);
  if (parent.length === 0) return false;
  // The sibling must itself be a guard key (tools.exec.mode beside security/ask), not merely hold one somewhere.
  const under = (p: JsonPath) => p.length === parent.length + 1 && key(p.slice(0, -1)) === key(parent) && !held.has(key(p));
  return d.added.some((a) => under(a.path) && guardedBy(a.path)) || d.rewritten.some((r) => under(r.path) && guardedBy(r.path));
}

/**
 * The guard rewrites and additions of a repair that widen what a guard allows, keyed by path, with why the value
 * guards. A repair spreads the user's own settings into the new shape all the time (a channel's dmPolicy copied to
 * each account, `allowFrom` copied to `groupAllowFrom`, the model list into `modelPolicy.allow`): those keep the
 * effective policy and pass. Held: a policy that becomes "open", a list that gains "*", a deny list that loses
 * entries, a switch turned to a loose value (off, full, never), and an `elevated` block that was not there — unless
 * the same key on an enclosing object of the original already said so (the effective policy before).
 */
function heldGuardChanges(original: Tree, d: Diff): Map<string, string> {
  const held = new Map<string, string>();
  const hold = (path: JsonPath, v: unknown) => {
    const guard = guardedBy(path, v);
    if (guard) held.set(key(path), guard);
  };
  for (const r of d.rewritten) if (widens(r.path, r.from, r.to) && !inheritedBefore(original, r.path, r.to)) hold(r.path, r.from);
  for (const a of d.added) {
    for (const [p, v] of leaves(a.path, a.value)) if ((widens(p, undefined, v) || isElevated(p, original)) && !inheritedBefore(original, p, v) && !translatesLoose(d, p)) hold(a.path, a.value);
  }
  return held;
}

// Values that switch a guard off or admit everyone (sandbox mode "all" is its strictest, so it is not here).
const LOOSE = new Set(['open', 'off', 'none', 'full', 'never', '*']);
const POLICY = /^(dmPolicy|groupPolicy|mode|security|ask|sandbox|workspaceAccess)$/;
const ALLOW = /^(allow|alsoAllow|allowFrom|groupAllowFrom|allowlist|allowCommands)$/;
const DENY = /^(deny|denyCommands|denylist)$/;

/** Whether a guard value at `path` allows more after (`from` undefined: newly added). */
function widens(path: JsonPath, from: unknown, to: unknown): boolean {
  const last = String(path[path.length - 1] ?? '');
  const inGuard = guardedBy(path, to) !== undefined || guardedBy(path, from) !== undefined;
  if (!inGuard) return false;
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
  if (DENY.test(last)) return from !== undefined && list(from).some((x) => !list(to).includes(x));
  if (ALLOW.test(last)) return list(to).includes('*') && !list(from).includes('*');
  if (POLICY.test(last) && typeof to === 'string') return LOOSE.has(to.toLowerCase()) && (typeof from !== 'string' || !LOOSE.has(from.toLowerCase()));
  return false;
}

/**
 * A guard added where the repair deletes guards of the same object that already allowed as much: the release's new
 * spelling of the same policy (`security: "full"` and `ask: "off"` → `mode: "full"`). One whose deleted siblings
 * were strict (`security: "deny"` → `mode: "full"`) widens, and is held.
 */
function translatesLoose(d: Diff, path: JsonPath): boolean {
  const parent = key(path.slice(0, -1));
  const gone = d.removed.filter((r) => key(r.path.slice(0, -1)) === parent && guardedBy(r.path, r.value));
  return gone.length > 0 && gone.some((r) => typeof r.value === 'string' && LOOSE.has(r.value.toLowerCase()));
}

/** An `elevated` block where the original had none anywhere: elevated tools switched on by a repair. */
function isElevated(path: JsonPath, original: Tree): boolean {
  return path.includes('elevated') && !JSON.stringify(original ?? null).includes('"elevated"');
}

/** `name` as the original read it for the object at `path`'s parent: set there, or on the nearest enclosing object. */
function effectiveBefore(original: Tree, path: JsonPath, name: string): unknown {
  for (let depth = path.length - 1; depth >= 0; depth--) {
    let node: unknown = original;
    for (const seg of path.slice(0, depth)) node = node && typeof node === 'object' ? (node as Record<string | number, unknown>)[seg as string] : undefined;
    if (node && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, name)) return (node as Record<string, unknown>)[name];
  }
  return undefined;
}

/**
 * The original's effective policy already said `value` at `path`: the same key on this object or an enclosing one;
 * a `groupAllowFrom` that spells out the `allowFrom` groups fell back to; an access list of "*" under an "open"
 * policy (OpenClaw's "open" admits everyone, and its schema now asks for the "*" too).
 */
function inheritedBefore(original: Tree, path: JsonPath, value: unknown): boolean {
  const last = String(path[path.length - 1] ?? '');
  const same = (v: unknown) => v !== undefined && deepEqual(v as Tree, value as Tree);
  if (same(effectiveBefore(original, path, last))) return true;
  if (last === 'groupAllowFrom' && same(effectiveBefore(original, path, 'allowFrom'))) return true;
  const star = Array.isArray(value) && value.length === 1 && value[0] === '*';
  if (star && last === 'allowFrom' && effectiveBefore(original, path, 'dmPolicy') === 'open') return true;
  if (star && last === 'groupAllowFrom' && effectiveBefore(original, path, 'groupPolicy') === 'open') return true;
  return false;
}

/** Every scalar or list under a value, with its path (a list counts as one leaf). */
function leaves(path: JsonPath, v: unknown): [JsonPath, unknown][] {
  if (v && typeof v === 'object' && !Array.isArray(v)) return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => leaves([...path, k], x));
  return [[path, v]];
}

/** A value in a message: short JSON. */
function short(v: unknown): string {
  const t = JSON.stringify(v) ?? String(v);
  return t.length > 60 ? `${t.slice(0, 57)}…` : t;
}


