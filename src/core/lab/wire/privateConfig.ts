import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfigDocument, JsonNode, ObjectNode, ScalarNode } from '../../openclaw/document.js';
import { EditDeclined, replaceValue, setMember } from '../../openclaw/edit.js';
import { buildModel } from '../../openclaw/model.js';
import { isLocalServer } from '../../servers/address.js';
import { processAlive } from '../../fsutil.js';
import { applyEdits, type TextEdit } from '../../text.js';

/**
 * The lab records the wire by pointing OpenClaw at a recorder, never by editing the user's openclaw.json: the
 * dispatch runs against a private copy in a private folder (OPENCLAW_CONFIG_PATH), with each local provider's
 * baseUrl aimed at its recorder. A crash leaves at most a folder under the temp dir, which the next run sweeps.
 */

export interface WiredText {
  readonly text: string;
  /** Provider id → the server origin its recorder forwards to (e.g. http://localhost:1234). */
  readonly upstreams: ReadonlyMap<string, string>;
  /** Providers the wire cannot see, and why (a baseUrl from an included file, a hosted API, …). */
  readonly notWired: readonly { readonly provider: string; readonly why: string }[];
}

/** `http://host:port` of a base URL (the recorder forwards paths as they are). */
export function originOf(baseUrl: string): string | undefined {
  try {
    const u = new URL(baseUrl);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The config text with every local provider's baseUrl moved to `recorderOrigin(provider)` (path kept), and the main
 * file's `$include` paths made absolute (the copy lives elsewhere). Minimal edits: everything else stays byte for byte.
 */
export function wiredConfigText(doc: ConfigDocument, recorderOrigin: (providerId: string, upstream: string) => string): WiredText {
  const model = buildModel(doc.root);
  const edits: TextEdit[] = [];
  const upstreams = new Map<string, string>();
  const notWired: { provider: string; why: string }[] = [];
  for (const p of model.providers) {
    if (!p.baseUrl) {
      notWired.push({ provider: p.id, why: 'its baseUrl is not written in the config (an environment reference or none)' });
      continue;
    }
    const upstream = originOf(p.baseUrl);
    if (!upstream || !isLocalServer(p.baseUrl)) {
      notWired.push({ provider: p.id, why: `${p.baseUrl} is not a local server` });
      continue;
    }
    const moved = recorderOrigin(p.id, upstream) + new URL(p.baseUrl).pathname.replace(/\/+$/, '');
    try {
      // A provider with no baseUrl written (OpenClaw's LM Studio default) gets one, so its requests cross the recorder too.
      edits.push(...(p.baseUrlNode ? replaceValue(doc, p.baseUrlNode, moved) : setMember(doc, p.node, 'baseUrl', moved)).edits);
      upstreams.set(p.id, upstream);
    } catch (err) {
      if (!(err instanceof EditDeclined)) throw err;
      notWired.push({ provider: p.id, why: err.message });
    }
  }
  for (const inc of includeStrings(doc.root)) {
    const abs = path.resolve(path.dirname(doc.file), inc.value as string);
    if (abs !== inc.value) edits.push(...replaceValue(doc, inc, abs).edits);
  }
  return { text: applyEdits(doc.text, edits), upstreams, notWired };
}

/** The string nodes of every `$include` in the main document (a path, or an array of paths). */
function includeStrings(node: JsonNode | undefined): ScalarNode[] {
  if (!node) return [];
  if (node.kind === 'array') return node.items.flatMap(includeStrings);
  if (node.kind !== 'object') return [];
  const out: ScalarNode[] = [];
  for (const m of (node as ObjectNode).members) {
    if (m.key === '$include') {
      const v = m.value;
      if (v.kind === 'string') out.push(v);
      else if (v.kind === 'array') out.push(...v.items.filter((x): x is ScalarNode => x.kind === 'string'));
    } else out.push(...includeStrings(m.value));
  }
  return out;
}

const PREFIX = 'lal-wire-';

/**
 * Writes the private copy into a fresh folder only this user can read (the config may hold keys) and returns the
 * environment that points OpenClaw at it; `dispose` removes the folder. Folders of processes that died are swept first.
 */
export function writePrivateConfig(originalFile: string, text: string, tmp = os.tmpdir()): { file: string; env: Record<string, string>; dispose: () => void } {
  sweepStale(tmp);
  const dir = fs.mkdtempSync(path.join(tmp, `${PREFIX}${process.pid}-`));
  fs.chmodSync(dir, 0o700);
  const file = path.join(dir, path.basename(originalFile));
  fs.writeFileSync(file, text, { mode: 0o600 });
  const roots = [path.dirname(originalFile), process.env.OPENCLAW_INCLUDE_ROOTS].filter(Boolean).join(path.delimiter);
  return { file, env: { OPENCLAW_CONFIG_PATH: file, OPENCLAW_INCLUDE_ROOTS: roots }, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}


/** Removes private copies left by lab processes that no longer run (a SIGKILL skips `dispose`). */
export function sweepStale(tmp = os.tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(tmp).filter((n) => n.startsWith(PREFIX));
  } catch {
    return removed;
  }
  for (const n of names) {
    const pid = Number(/^lal-wire-(\d+)-/.exec(n)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    const dir = path.join(tmp, n);
    try {
      if (fs.lstatSync(dir).isDirectory() && fs.lstatSync(dir).uid === process.getuid?.()) {
        fs.rmSync(dir, { recursive: true, force: true });
        removed.push(dir);
      }
    } catch {
      /* gone meanwhile */
    }
  }
  return removed;
}
