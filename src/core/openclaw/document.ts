import { parse as momoaParse } from '@humanwhocodes/momoa';
import { LineIndex, type Span } from '../text.js';
import { fastParse } from './fastParse.js';

export type JsonPath = readonly (string | number)[];

interface NodeBase {
  readonly span: Span;
  /** The document this node's text lives in (differs from the root's for `$include`d values). */
  readonly doc: ConfigDocument;
  /** Logical path in the effective config. */
  path: JsonPath;
}
export interface ObjectNode extends NodeBase {
  readonly kind: 'object';
  members: MemberNode[];
  /** True when built by merging `$include`s: no single text span holds it. */
  readonly synthetic?: boolean;
}
export interface MemberNode {
  readonly key: string;
  readonly keySpan: Span;
  /** How the key is written: `"a"`, `'a'` or `a`. */
  readonly keyQuote: '"' | "'" | '';
  readonly value: JsonNode;
  readonly doc: ConfigDocument;
}
export interface ArrayNode extends NodeBase {
  readonly kind: 'array';
  readonly items: JsonNode[];
}
export interface ScalarNode extends NodeBase {
  readonly kind: 'string' | 'number' | 'boolean' | 'null';
  readonly value: string | number | boolean | null;
}
export type JsonNode = ObjectNode | ArrayNode | ScalarNode;

export type TextEncodingName = 'utf8' | 'utf8bom' | 'utf16le' | 'utf16be';

export interface ParseError {
  readonly message: string;
  readonly span: Span;
}

export interface ConfigDocument {
  readonly file: string;
  /** Text without any byte-order mark. */
  readonly text: string;
  readonly encoding: TextEncodingName;
  readonly index: LineIndex;
  readonly root?: JsonNode;
  readonly error?: ParseError;
  /** Spans of `//` and `/* *\/` comments, in order. */
  readonly comments: readonly Span[];
}

export function decodeText(bytes: Uint8Array): { text: string; encoding: TextEncodingName } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf8bom' };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf16le' };
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf16be' };
  }
  return { text: new TextDecoder('utf-8').decode(bytes), encoding: 'utf8' };
}

export function encodeText(text: string, encoding: TextEncodingName): Uint8Array {
  switch (encoding) {
    case 'utf8':
      return Buffer.from(text, 'utf8');
    case 'utf8bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf16be': {
      const le = Buffer.from(text, 'utf16le');
      for (let i = 0; i + 1 < le.length; i += 2) {
        const a = le[i]!;
        le[i] = le[i + 1]!;
        le[i + 1] = a;
      }
      return Buffer.concat([Buffer.from([0xfe, 0xff]), le]);
    }
  }
}

/* momoa's AST, narrowed to what we read. */
interface MNode {
  type: string;
  range?: [number, number];
  value?: unknown;
  members?: { name: MNode; value: MNode }[];
  elements?: { value: MNode }[];
  body?: MNode;
}

export function parseDocument(file: string, text: string, encoding: TextEncodingName = 'utf8'): ConfigDocument {
  const holder: { doc?: ConfigDocument } = {};
  const fast = fastParse(text, () => holder.doc!);
  if (!fast) return momoaDocument(file, text, encoding);
  const doc: ConfigDocument = { file, text, encoding, index: new LineIndex(text), root: fast.root, error: undefined, comments: fast.comments };
  holder.doc = doc;
  return doc;
}

/** The document as momoa reads it: every file the fast parser gives up on, and every error's message and place. */
export function momoaDocument(file: string, text: string, encoding: TextEncodingName = 'utf8'): ConfigDocument {
  const index = new LineIndex(text);
  const holder: { doc?: ConfigDocument } = {};
  let root: JsonNode | undefined;
  let error: ParseError | undefined;
  let comments: Span[] = [];
  try {
    ({ root, comments } = momoaTree(text, 0, text.length, [], () => holder.doc!));
  } catch (err) {
    error = toParseError(err, text);
  }
  const doc: ConfigDocument = { file, text, encoding, index, root, error, comments };
  holder.doc = doc;
  return doc;
}

/**
 * Our nodes and comments as momoa reads `text.slice(from, to)`, at their offsets in `text` and under `path` (as
 * fastParse's `at`): the whole file, or one object of it parsed again. Throws momoa's error.
 */
function momoaTree(text: string, from: number, to: number, path: JsonPath, doc: () => ConfigDocument): { root: JsonNode; comments: Span[] } {
  const ast = momoaParse(from === 0 && to === text.length ? text : text.slice(from, to), { mode: 'json5', tokens: true, ranges: true }) as unknown as {
    body: MNode;
    tokens: { type: string; range: [number, number] }[];
  };
  const at = (r: [number, number]): [number, number] => (from ? [r[0] + from, r[1] + from] : r);
  const shift = (n: MNode): void => {
    if (n.range) n.range = at(n.range);
    for (const m of n.members ?? []) {
      shift(m.name);
      shift(m.value);
    }
    for (const e of n.elements ?? []) shift(e.value);
  };
  if (from) shift(ast.body);
  const comments = ast.tokens.filter((t) => t.type === 'LineComment' || t.type === 'BlockComment').map((t) => at(t.range));
  const build = (n: MNode, p: JsonPath): JsonNode => convert(n, p, text, doc, build);
  return { root: build(ast.body, path), comments };
}

/**
 * The document after edits that all fell inside `node`, an object of `doc` (`text` is the edited whole): only that
 * object's text is parsed again, and the nodes outside it are not rebuilt, so a multi-key edit of a 50 KB file does
 * not parse the file once per key. Returns the new document and the object's new node, or undefined when the
 * object's new text is not one object. The new document's `root` is parsed in full only when something reads it.
 */
export function reparseInside(doc: ConfigDocument, node: ObjectNode, text: string): { doc: ConfigDocument; node: ObjectNode } | undefined {
  const start = node.span[0];
  const delta = text.length - doc.text.length;
  const end = node.span[1] + delta;
  const holder: { doc?: ConfigDocument } = {};
  const getDoc = () => holder.doc!;
  // The fast parser first, as parseDocument does (momoa's first use in a process is ~3 ms of compiling its parser).
  let tree = fastParse(text.slice(start, end), getDoc, { offset: start, path: node.path });
  if (!tree) {
    try {
      tree = momoaTree(text, start, end, node.path, getDoc);
    } catch {
      return undefined;
    }
  }
  if (tree.root.kind !== 'object') return undefined;
  const fresh = tree.root;
  const comments = [
    ...doc.comments.filter((c) => c[1] <= node.span[0]),
    ...tree.comments,
    ...doc.comments.filter((c) => c[0] >= node.span[1]).map((c): Span => [c[0] + delta, c[1] + delta]),
  ];
  let index: LineIndex | undefined;
  let whole: ConfigDocument | undefined;
  const { file, encoding } = doc;
  const next: ConfigDocument = {
    file,
    text,
    encoding,
    get index() {
      return (index ??= new LineIndex(text));
    },
    get root() {
      return (whole ??= parseDocument(file, text, encoding)).root;
    },
    error: undefined,
    comments,
  };
  holder.doc = next;
  return { doc: next, node: fresh };
}

function toParseError(err: unknown, text: string): ParseError {
  const e = err as { message?: string; offset?: number; line?: number; column?: number };
  const raw = String(e.message ?? err);
  const message = raw.replace(/\s*\(\d+:\d+\)\s*$/, '');
  let offset = typeof e.offset === 'number' ? e.offset : text.length;
  offset = Math.max(0, Math.min(offset, text.length));
  return { message: message || 'JSON5 parse error', span: [offset, Math.min(text.length, offset + 1)] };
}

function convert(
  n: MNode,
  path: JsonPath,
  text: string,
  doc: () => ConfigDocument,
  build: (n: MNode, path: JsonPath) => JsonNode,
): JsonNode {
  const span: Span = n.range ?? [0, 0];
  // A getter keeps `doc` lazily bound: the document object is created after its tree.
  const base = { span, path, get doc() { return doc(); } };
  switch (n.type) {
    case 'Object': {
      const members: MemberNode[] = (n.members ?? []).map((m) => {
        const key = m.name.type === 'Identifier' ? String((m.name as { name?: string }).name ?? '') : String(m.name.value);
        const keySpan: Span = m.name.range ?? [0, 0];
        const first = text[keySpan[0]];
        const keyQuote = first === '"' ? '"' : first === "'" ? "'" : '';
        return {
          key,
          keySpan,
          keyQuote,
          value: build(m.value, [...path, key]),
          get doc() { return doc(); },
        } as MemberNode;
      });
      return Object.assign(base, { kind: 'object' as const, members }) as ObjectNode;
    }
    case 'Array':
      return Object.assign(base, {
        kind: 'array' as const,
        items: (n.elements ?? []).map((e, i) => build(e.value, [...path, i])),
      }) as ArrayNode;
    case 'String':
      return Object.assign(base, { kind: 'string' as const, value: String(n.value) }) as ScalarNode;
    case 'Number':
      return Object.assign(base, { kind: 'number' as const, value: Number(n.value) }) as ScalarNode;
    case 'Infinity':
    case 'NaN':
      return Object.assign(base, { kind: 'number' as const, value: n.type === 'NaN' ? NaN : Infinity }) as ScalarNode;
    case 'Boolean':
      return Object.assign(base, { kind: 'boolean' as const, value: Boolean(n.value) }) as ScalarNode;
    case 'Null':
      return Object.assign(base, { kind: 'null' as const, value: null }) as ScalarNode;
    default:
      throw new Error(`unexpected JSON5 node ${n.type}`);
  }
}

export function member(node: JsonNode | undefined, key: string): MemberNode | undefined {
  if (node?.kind !== 'object') return undefined;
  // Later duplicates win, as in JSON5.parse.
  for (let i = node.members.length - 1; i >= 0; i--) if (node.members[i]!.key === key) return node.members[i];
  return undefined;
}

export function child(node: JsonNode | undefined, key: string | number): JsonNode | undefined {
  if (!node) return undefined;
  if (typeof key === 'number') return node.kind === 'array' ? node.items[key] : undefined;
  return member(node, key)?.value;
}

export function nodeAt(root: JsonNode | undefined, path: JsonPath): JsonNode | undefined {
  let cur = root;
  for (const seg of path) cur = child(cur, seg);
  return cur;
}

export function toValue(node: JsonNode | undefined): unknown {
  if (!node) return undefined;
  switch (node.kind) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const m of node.members) out[m.key] = toValue(m.value);
      return out;
    }
    case 'array':
      return node.items.map(toValue);
    default:
      return node.value;
  }
}

export function dotted(path: JsonPath): string {
  return path.map(String).join('.');
}

/** True for strings OpenClaw substitutes from the environment; we never interpret them. */
export function isEnvReference(value: unknown): boolean {
  return typeof value === 'string' && /\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(value);
}

export function stringAt(node: JsonNode | undefined): string | undefined {
  return node?.kind === 'string' ? (node.value as string) : undefined;
}

export function numberAt(node: JsonNode | undefined): number | undefined {
  return node?.kind === 'number' && Number.isFinite(node.value) ? (node.value as number) : undefined;
}
