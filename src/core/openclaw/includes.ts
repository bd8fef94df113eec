import path from 'node:path';
import {
  member,
  parseDocument,
  decodeText,
  type ConfigDocument,
  type JsonNode,
  type JsonPath,
  type MemberNode,
  type ObjectNode,
} from './document.js';

export interface IncludeProblem {
  /** The `$include` value that failed. */
  readonly node: JsonNode;
  readonly message: string;
}

export interface EffectiveConfig {
  /** The main file. */
  readonly doc: ConfigDocument;
  /** The config as OpenClaw sees it after `$include`s; nodes point into their own documents. */
  readonly root?: JsonNode;
  /** Every document read, main first. */
  readonly docs: readonly ConfigDocument[];
  readonly includeProblems: readonly IncludeProblem[];
}

/** The bytes of an included file, `undefined` when it does not exist, or a message saying why it cannot be read. */
export type ReadBytes = (file: string) => Uint8Array | string | undefined;

const MAX_DEPTH = 10;

function hasInclude(node: JsonNode | undefined): boolean {
  if (!node) return false;
  if (node.kind === 'array') return node.items.some(hasInclude);
  if (node.kind !== 'object') return false;
  return node.members.some((m) => m.key === '$include' || hasInclude(m.value));
}

/**
 * Follows `$include` the way OpenClaw does (src/config/includes.ts): the including object is replaced by
 * the file(s), an array deep-merges in order, sibling keys win, at most 10 levels, paths relative to the
 * including file and confined to the main config's directory. Pure: the effective tree is built from copies
 * (each node with its path in the effective config), so `doc` and every included document stay as parsed and
 * can be resolved again.
 */
export function resolveIncludes(doc: ConfigDocument, read: ReadBytes, extraRoots: readonly string[] = []): EffectiveConfig {
  // Without a `$include` the effective config is the document as parsed (its nodes carry the same paths): no copy.
  if (!hasInclude(doc.root)) return { doc, root: doc.root, docs: [doc], includeProblems: [] };
  const docs: ConfigDocument[] = [doc];
  const problems: IncludeProblem[] = [];
  const allowedRoots = [path.dirname(doc.file), ...extraRoots].map((r) => path.resolve(r));
  const loaded = new Map<string, ConfigDocument | undefined>();

  const load = (from: ConfigDocument, ref: string, node: JsonNode, chain: readonly string[], at: JsonPath): JsonNode | undefined => {
    const file = path.resolve(path.dirname(from.file), ref);
    if (ref.length >= 4096) return fail(node, 'include path is too long');
    if (!allowedRoots.some((r) => file === r || file.startsWith(r + path.sep))) {
      return fail(node, `include ${ref} is outside the config directory (OPENCLAW_INCLUDE_ROOTS can allow it)`);
    }
    if (chain.includes(file)) return fail(node, `include cycle: ${[...chain, file].map((f) => path.basename(f)).join(' → ')}`);
    if (chain.length > MAX_DEPTH) return fail(node, 'includes nest deeper than 10 levels');
    let inc = loaded.get(file);
    if (!loaded.has(file)) {
      const bytes = read(file);
      if (typeof bytes === 'string') return fail(node, bytes);
      if (bytes) {
        const { text, encoding } = decodeText(bytes);
        inc = parseDocument(file, text, encoding);
        docs.push(inc);
      }
      loaded.set(file, inc);
    }
    if (!inc) return fail(node, `included file not found: ${ref}`);
    if (!inc.root) return fail(node, `included file ${ref} does not parse: ${inc.error?.message ?? ''}`);
    return resolve(inc.root, [...chain, file], at);
  };

  const fail = (node: JsonNode, message: string): undefined => {
    problems.push({ node, message });
    return undefined;
  };

  /** A copy of `node` placed at `at` in the effective config, its `$include`s spliced in. */
  const resolve = (node: JsonNode, chain: readonly string[], at: JsonPath): JsonNode => {
    if (node.kind === 'array') return { ...node, path: at, items: node.items.map((item, i) => resolve(item, chain, [...at, i])) };
    if (node.kind !== 'object') return { ...node, path: at };
    const members = node.members.filter((m) => m.key !== '$include').map((m) => ({ ...m, value: resolve(m.value, chain, [...at, m.key]) }));
    const siblings: ObjectNode = { ...node, path: at, members };
    const inc = member(node, '$include');
    if (!inc) return siblings;
    const refs = inc.value.kind === 'string' ? [inc.value] : inc.value.kind === 'array' ? inc.value.items : [];
    const parts: JsonNode[] = [];
    for (const r of refs) {
      if (r.kind !== 'string') {
        fail(r, '$include entries must be file paths');
        continue;
      }
      const got = load(node.doc, r.value as string, r, chain, at);
      if (got) parts.push(got);
    }
    return [...parts, siblings].reduce<JsonNode | undefined>((acc, n) => (acc ? deepMerge(acc, n, node, at) : n), undefined) ?? siblings;
  };

  const root = doc.root ? resolve(doc.root, [path.resolve(doc.file)], []) : undefined;
  return { doc, root, docs, includeProblems: problems };
}

/** Later wins; objects merge member by member into a synthetic object standing where the including one stood. */
function deepMerge(a: JsonNode, b: JsonNode, including: ObjectNode, at: JsonPath): JsonNode {
  if (a.kind !== 'object' || b.kind !== 'object') return b;
  const members: MemberNode[] = [...a.members];
  for (const m of b.members) {
    const i = members.findIndex((x) => x.key === m.key);
    if (i < 0) members.push(m);
    else members[i] = { ...m, value: deepMerge(members[i]!.value, m.value, including, [...at, m.key]) };
  }
  return { kind: 'object', members, span: including.span, doc: including.doc, path: at, synthetic: true };
}
