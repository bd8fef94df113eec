import type { ValidatorIssue } from '../openclaw/cli.js';
import { child, member, stringAt, toValue, type ConfigDocument, type JsonNode, type ObjectNode } from '../openclaw/document.js';
import { EditDeclined, removeMember, replaceValue, setMember, type DocEdits } from '../openclaw/edit.js';
import { placeIssue } from '../openclaw/issues.js';
import { keyHistory, tooNewKey } from '../openclaw/knowledge.js';
import { formatVersion, type OpenClawVersion } from '../openclaw/version.js';
import { guardedBy } from './guards.js';

/** One change a migration makes, in the `--json` contract's terms, with its text edits. */
export interface PlannedChange {
  readonly path: string;
  readonly action: 'remove' | 'move' | 'set';
  readonly to?: string;
  readonly reason: string;
  readonly edits: DocEdits;
  /** For removals: the text taken out, attached comments included (goes to the side file). */
  readonly removedText?: string;
}

export type IssueFix = { readonly changes: PlannedChange[] } | { readonly declined: string };

const joinPath = (p: readonly (string | number)[]) => p.map(String).join('.');

function reasonForUnknown(path: readonly (string | number)[], version: OpenClawVersion): string {
  const h = keyHistory(path);
  if (h) return h.reason;
  return `OpenClaw ${formatVersion(version)}'s schema has no ${joinPath(path)} (older releases wrote or documented it), so it rejects the whole file.`;
}

/**
 * The node an issue path names, when it exists in this document. OpenClaw reports a legacy roster in its
 * migrated shape (`agents.entries.<id>`), so that prefix also finds the `agents.list` item with that id.
 */
function nodeAtIssue(root: JsonNode | undefined, issuePath: string): JsonNode | undefined {
  if (issuePath === '<root>' || issuePath === '') return root;
  const segs = issuePath.split('.');
  let cur = root;
  for (let i = 0; i < segs.length; i++) {
    if (!cur) return undefined;
    const seg = segs[i]!;
    if (i === 1 && segs[0] === 'agents' && seg === 'entries' && !child(cur, 'entries')) {
      const list = child(cur, 'list');
      cur = list?.kind === 'array' ? list.items.find((it) => stringAt(child(it, 'id')) === segs[2]) : undefined;
      i++;
      continue;
    }
    cur = cur.kind === 'array' && /^\d+$/.test(seg) ? cur.items[Number(seg)] : child(cur, seg);
  }
  return cur;
}

/**
 * A safe fix for one validator issue, or why there is none. Safe means: the value's meaning is kept
 * (a numeric string becomes the number), or the value goes to the side file (an unknown key), or the
 * release requires a value we can state (ownership "explicit", a model row's name).
 */
export function fixForIssue(doc: ConfigDocument, root: JsonNode | undefined, issue: ValidatorIssue, version: OpenClawVersion): IssueFix {
  const ver = formatVersion(version);
  try {
    // Unknown keys: remove each, keeping its text for the side file.
    const placed = placeIssue(root, doc, issue);
    const unknown = placed.filter((p) => p.keys.length === 1);
    if (unknown.length && /^Unrecognized keys?:/.test(issue.message)) {
      const parent = nodeAtIssue(root, issue.path);
      if (parent?.kind !== 'object') return { declined: `cannot find ${issue.path} in the file` };
      const changes: PlannedChange[] = [];
      for (const p of unknown) {
        const m = [...parent.members].reverse().find((x) => x.key === p.keys[0]);
        if (!m) continue;
        const path = [...parent.path, m.key]; // where it is in this file (agents.list.1…), not the migrated shape
        const newer = tooNewKey(path, version);
        // Removing a newer key (a whole agents.entries roster) would lose the config, not repair it.
        if (newer) return { declined: `${joinPath(path)} is newer than OpenClaw ${ver}: write ${newer.before} there, or upgrade OpenClaw` };
        // Never delete a guard to make a file valid: removing a deny list widens what an agent may do.
        const guard = guardedBy(path, toValue(m.value));
        if (guard) return { declined: `${joinPath(path)} ${guard}; OpenClaw ${ver} does not read it there: move it to where this release reads it (see its docs), or delete it yourself` };
        const r = removeMember(doc, parent, m);
        changes.push({ path: joinPath(path), action: 'remove', reason: reasonForUnknown(path, version), edits: r, removedText: r.removedText });
      }
      return changes.length ? { changes } : { declined: 'the unrecognized key is not in this file (an $include?)' };
    }
    // A plugin's own settings schema (channels, plugin config): the same as an unknown key, in its words.
    const extra = /must not have additional properties: (.+)$/.exec(issue.message);
    if (extra) {
      const parent = nodeAtIssue(root, issue.path);
      if (parent?.kind !== 'object') return { declined: `cannot find ${issue.path} in the file` };
      const keys = [...extra[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
      const changes: PlannedChange[] = [];
      for (const key of keys) {
        const m = [...parent.members].reverse().find((x) => x.key === key);
        if (!m) continue;
        const path = [...parent.path, m.key];
        const guard = guardedBy(path, toValue(m.value));
        if (guard) return { declined: `${joinPath(path)} ${guard}; the plugin's settings in OpenClaw ${ver} do not have it: move it where the plugin reads it, or delete it yourself` };
        const r = removeMember(doc, parent, m);
        changes.push({ path: joinPath(path), action: 'remove', reason: `The settings schema OpenClaw ${ver} checks ${issue.path} against has no ${key}, so it rejects the whole file.`, edits: r, removedText: r.removedText });
      }
      return changes.length ? { changes } : { declined: 'the extra key is not in this file (an $include?)' };
    }
    const node = nodeAtIssue(root, issue.path);
    // A number or boolean written as a string: "4000" → 4000, "true" → true.
    const slip = /expected (number|boolean), received string/.exec(issue.message);
    if (slip && node?.kind === 'string') {
      const s = (node.value as string).trim();
      if (slip[1] === 'number' && /^-?\d+(\.\d+)?$/.test(s)) {
        return { changes: [{ path: issue.path, action: 'set', reason: `OpenClaw ${ver} reads ${issue.path} as a number; "${s}" is text.`, edits: replaceValue(doc, node, Number(s)) }] };
      }
      if (slip[1] === 'boolean' && /^(true|false)$/i.test(s)) {
        return { changes: [{ path: issue.path, action: 'set', reason: `OpenClaw ${ver} reads ${issue.path} as true/false; "${s}" is text.`, edits: replaceValue(doc, node, s.toLowerCase() === 'true') }] };
      }
      return { declined: `"${s}" is not a ${slip[1]}` };
    }
    // A roster of several agents needs an owner (OpenClaw 2026.8).
    if (issue.path === 'agents.ownership' && /ownership="explicit"/.test(issue.message)) {
      const agents = child(root, 'agents');
      if (agents?.kind !== 'object') return { declined: 'agents is not an object' };
      return { changes: [{ path: 'agents.ownership', action: 'set', reason: 'OpenClaw 2026.8 requires a roster of several agents to declare agents.ownership "explicit" (or one default agent).', edits: setMember(doc, agents, 'ownership', 'explicit') }] };
    }
    // An enum written in another case ("Default" → "default"); identifierPolicy "custom" was retired.
    if (issue.allowedValues && node?.kind === 'string') {
      const value = node.value as string;
      const match = issue.allowedValues.find((a) => typeof a === 'string' && a.toLowerCase() === value.toLowerCase());
      if (match !== undefined) return { changes: [{ path: issue.path, action: 'set', reason: `OpenClaw ${ver} accepts only ${issue.allowedValues.map((a) => JSON.stringify(a)).join(', ')} for ${issue.path}.`, edits: replaceValue(doc, node, match) }] };
      if (issue.path.endsWith('identifierPolicy') && value === 'custom') {
        const parentPath = issue.path.split('.').slice(0, -1).join('.');
        const parent = nodeAtIssue(root, parentPath) as ObjectNode;
        const m = [...parent.members].reverse().find((x) => x.key === 'identifierPolicy')!;
        const r = removeMember(doc, parent, m);
        return { changes: [{ path: issue.path, action: 'remove', reason: 'OpenClaw 2026.8 retired identifierPolicy "custom" with its instructions; "strict" (the default) applies.', edits: r, removedText: r.removedText }] };
      }
      return { declined: `${JSON.stringify(value)} is not one of ${issue.allowedValues.map((a) => JSON.stringify(a)).join(', ')}` };
    }
    // A model row without the required name: use its id.
    if (/\.models\.\d+\.name$/.test(issue.path) && /expected string, received undefined/.test(issue.message)) {
      const row = nodeAtIssue(root, issue.path.replace(/\.name$/, ''));
      const id = stringAt(child(row, 'id'));
      if (row?.kind === 'object' && id) return { changes: [{ path: issue.path, action: 'set', reason: `OpenClaw ${ver} requires a name on every model row; the id is used.`, edits: setMember(doc, row, 'name', id) }] };
    }
    return { declined: 'no safe fix: change it by hand' };
  } catch (err) {
    if (err instanceof EditDeclined) return { declined: err.message };
    throw err;
  }
}

/**
 * The provider-level contextWindow/contextTokens that OpenClaw pushes down into rows at read (2026.8): done in
 * the file, into every row without its own, and the provider-level key removed. One provider key per call.
 */
export function pushDownProviderContext(doc: ConfigDocument, root: JsonNode | undefined): PlannedChange[] {
  const providers = child(child(root, 'models'), 'providers');
  if (providers?.kind !== 'object') return [];
  for (const pm of providers.members) {
    const p = pm.value;
    if (p.kind !== 'object' || p.doc !== doc) continue;
    for (const key of ['contextWindow', 'contextTokens']) {
      const m = [...p.members].reverse().find((x) => x.key === key);
      if (!m || m.value.kind !== 'number') continue;
      const value = m.value.value as number;
      const rows = child(p, 'models');
      const targets = rows?.kind === 'array' ? rows.items.filter((r): r is ObjectNode => r.kind === 'object' && !member(r, key)) : [];
      const removal = removeMember(doc, p, m);
      const edits = [...targets.flatMap((r) => setMember(doc, r, key, value).edits), ...removal.edits];
      return [
        {
          path: `models.providers.${pm.key}.${key}`,
          action: 'move',
          to: `models.providers.${pm.key}.models[].${key}`,
          reason: `OpenClaw 2026.8 keeps ${key} on each model row and pushes a provider-level one down at read.`,
          edits: { doc, edits },
          removedText: removal.removedText,
        },
      ];
    }
  }
  return [];
}
