// Doctor writes nothing at all when one value it cannot repair is invalid ("No config changes were written. Fix
// the value(s) above by hand"). Its moves for everything else are still what we want: run it again on a copy
// without the blocking values, then hold those values as they were, so only the user decides them.
import type { JsonPath } from '../openclaw/document.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `bindings[0].agentId` → ['bindings', 0, 'agentId']. */
export function issuePath(p: string): JsonPath {
  const out: (string | number)[] = [];
  for (const part of p.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
    for (const i of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(i[1]));
  }
  return out;
}

/**
 * Where an issue path (in OpenClaw's migrated shape) is in a tree. A legacy roster is reported as
 * `agents.entries.<id>`; in a file that still has `agents.list` that is the item with that id.
 */
function locate(tree: unknown, path: JsonPath): { parent: unknown; key: string | number } | undefined {
  let cur = tree;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i]!;
    if (i === 1 && path[0] === 'agents' && seg === 'entries' && isObj(cur) && !('entries' in cur) && Array.isArray(cur.list)) {
      cur = cur.list.find((x) => isObj(x) && x.id === path[2]);
      i++;
      if (i === path.length - 1) return undefined;
      continue;
    }
    cur = Array.isArray(cur) && typeof seg === 'number' ? cur[seg] : isObj(cur) ? cur[String(seg)] : undefined;
    if (cur === undefined) return undefined;
  }
  return { parent: cur, key: path[path.length - 1]! };
}

export function valueAt(tree: unknown, path: JsonPath): unknown {
  const at = locate(tree, path);
  if (!at) return undefined;
  return Array.isArray(at.parent) ? at.parent[at.key as number] : isObj(at.parent) ? at.parent[String(at.key)] : undefined;
}

/** A copy of the tree without the values at these paths. */
export function withoutPaths(tree: unknown, paths: readonly JsonPath[]): unknown {
  const copy = structuredClone(tree);
  for (const p of paths) {
    const at = locate(copy, p);
    if (!at) continue;
    if (Array.isArray(at.parent) && typeof at.key === 'number') at.parent.splice(at.key, 1);
    else if (isObj(at.parent)) delete at.parent[String(at.key)];
  }
  return copy;
}

/** The config as JSON without the values that block doctor (comments do not matter: only doctor's tree is read). */
export function withoutBlocking(tree: unknown, blocked: readonly string[]): string {
  return JSON.stringify(withoutPaths(tree, blocked.map(issuePath)), null, 2);
}

/** Doctor's repaired tree with the blocking values put back as the user wrote them. */
export function holdBlocking(repaired: unknown, original: unknown, blocked: readonly string[]): unknown {
  const out = structuredClone(repaired);
  for (const p of blocked) {
    const path = issuePath(p);
    const value = valueAt(original, path);
    if (value === undefined) continue;
    const at = locate(out, path);
    if (!at) continue;
    if (Array.isArray(at.parent) && typeof at.key === 'number') at.parent.splice(at.key, 0, structuredClone(value));
    else if (isObj(at.parent)) at.parent[String(at.key)] = structuredClone(value);
  }
  return out;
}
