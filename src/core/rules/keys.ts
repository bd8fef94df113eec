import type { Finding, Fix } from '../findings.js';
import { child, stringAt, toValue, type ArrayNode, type JsonPath, type ObjectNode } from '../openclaw/document.js';
import { EditDeclined, formatKey, formatValue, indentUnit, keyStyleOf, memberBlock, removeMember, setMember, type DocEdits } from '../openclaw/edit.js';
import { BEHAVIOUR, keyHistory, retiredKey } from '../openclaw/knowledge.js';
import { findRow } from '../openclaw/model.js';
import { atLeast, formatVersion } from '../openclaw/version.js';
import type { Observation } from '../observation.js';
import { members } from './compaction.js';
import { atKey, editFix, finding, fmt, type Rule } from './util.js';

export const retiredKeyRule: Rule = {
  id: 'retired-key',
  check(obs) {
    const out: Finding[] = [];
    const ver = formatVersion(obs.version);
    for (const { obj, m } of members(obs.config.root)) {
      const path: JsonPath = [...obj.path, m.key];
      const h = retiredKey(path, obs.version);
      if (!h) continue;
      const at = atKey(m, obj.path);
      if (h.path === 'agents.list') {
        const list = m.value;
        if (list.kind !== 'array') continue;
        const multi = list.items.length > 1 && !list.items.some((i) => child(i, 'default')?.kind === 'boolean' && toValue(child(i, 'default')) === true);
        const hasOwnership = child(obj, 'ownership') !== undefined;
        const rejected = multi && !hasOwnership;
        out.push(
          finding(
            'retired-key',
            rejected ? 'error' : 'warning',
            `agents.list is the pre-2026.8 roster; OpenClaw ${ver} moves it to keyed agents.entries at read` +
              (rejected ? ` and then rejects the file: a roster of ${list.items.length} agents needs agents.ownership "explicit".` : '.') +
              ` ${h.reason}`,
            at,
            [editFix(`Move agents.list to agents.entries${multi && !hasOwnership ? ' and set ownership "explicit"' : ''}`, true, () => [listToEntries(obs, obj, list, multi && !hasOwnership)])],
          ),
        );
        continue;
      }
      const isContextTokens = m.key === 'contextTokens';
      const effect = h.effect === 'rejected' ? `OpenClaw ${ver}'s strict schema rejects the whole file because of it` : `OpenClaw ${ver} strips it at read, so ${m.key} ${fmt(Number(toValue(m.value)) || 0)} has no effect`;
      const fixes: Fix[] = [];
      if (isContextTokens) fixes.push(editFix('Move contextTokens to the model rows it applied to', true, () => migrateContextTokens(obs, obj, m)));
      fixes.push(editFix(`Remove ${m.key}`, !isContextTokens, () => [removeMember(obs.config.doc, obj, m)]));
      out.push(
        finding(
          'retired-key',
          h.effect === 'rejected' ? 'error' : 'warning',
          `${path.join('.')}: ${effect}. ${h.reason}${h.replacement ? ` Use ${h.replacement} instead.` : ''}`,
          at,
          fixes,
        ),
      );
    }
    return out;
  },
};

/** agents.defaults.contextTokens → contextTokens on each registered row the agent models use. */
export function migrateContextTokens(obs: Observation, obj: ObjectNode, m: ObjectNode['members'][number]): DocEdits[] {
  const cap = toValue(m.value);
  if (typeof cap !== 'number') throw new EditDeclined('contextTokens is not a number');
  const agentId = obj.path[0] === 'agents' && obj.path[1] === 'entries' ? String(obj.path[2]) : undefined;
  const refs = obs.model.refs.filter((r) => (agentId ? r.agentId === agentId : r.role === 'primary' || r.role === 'fallback'));
  const edits: DocEdits[] = [];
  const done = new Set<string>();
  for (const r of refs) {
    const row = findRow(obs.model, r.providerId, r.modelId);
    if (!row || done.has(r.ref) || row.contextTokens) continue;
    done.add(r.ref);
    edits.push(setMember(obs.config.doc, row.node, 'contextTokens', Math.min(cap, row.contextWindow?.value ?? cap)));
  }
  if (edits.length === 0) throw new EditDeclined('no registered model row uses it; remove it instead');
  return [...edits, removeMember(obs.config.doc, obj, m)];
}

/** Rewrites the array as a keyed map; declines when comments inside it would be lost. */
export function listToEntries(obs: Observation, agents: ObjectNode, list: ArrayNode, addOwnership: boolean): DocEdits {
  const doc = obs.config.doc;
  if (list.doc !== doc) throw new EditDeclined(`agents.list lives in ${list.doc.file}; migrate it there`);
  if (doc.comments.some((c) => c[0] >= list.span[0] && c[1] <= list.span[1])) {
    throw new EditDeclined('agents.list contains comments that a rewrite would lose; move it by hand, or run "openclaw doctor --fix"');
  }
  if (child(agents, 'entries')) throw new EditDeclined('agents has both list and entries; merge them by hand');
  const listMember = [...agents.members].reverse().find((x) => x.key === 'list')!;
  const style = keyStyleOf(doc, agents);
  const unit = indentUnit(doc);
  const block = memberBlock(doc, listMember);
  const indent = /^[ \t]*/.exec(doc.text.slice(doc.index.lineStartOf(listMember.keySpan[0])))![0];
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const item of list.items) {
    const id = stringAt(child(item, 'id'));
    if (!id) throw new EditDeclined('an agents.list entry has no id');
    if (seen.has(id)) throw new EditDeclined(`agent id "${id}" appears twice`);
    seen.add(id);
    const { id: _drop, ...rest } = toValue(item) as Record<string, unknown>;
    lines.push(`${indent}${unit}${formatKey(id, style)}: ${formatValue(rest, doc, style)}`);
  }
  const multiLine = block.ownLine;
  const entries = multiLine
    ? `${formatKey('entries', listMember.keyQuote)}: {\n${lines.join(',\n')}\n${indent}}`
    : `${formatKey('entries', listMember.keyQuote)}: { ${lines.map((l) => l.trim()).join(', ')} }`;
  const ownership = addOwnership ? `,${multiLine ? '\n' + indent : ' '}${formatKey('ownership', listMember.keyQuote)}: ${formatValue('explicit', doc, style)}` : '';
  return { doc, edits: [{ span: [listMember.keySpan[0], listMember.value.span[1]], newText: entries + ownership }] };
}

export const systemPromptOverride: Rule = {
  id: 'system-prompt-override',
  check(obs) {
    if (atLeast(obs.version, BEHAVIOUR.systemPromptOverrideKeepsBootstrap)) return []; // fixed, or retired (retired-key)
    const out: Finding[] = [];
    for (const { obj, m } of members(obs.config.root)) {
      if (m.key !== 'systemPromptOverride') continue;
      if (!keyHistory([...obj.path, m.key])) continue;
      out.push(
        finding(
          'system-prompt-override',
          'warning',
          `systemPromptOverride replaces the whole system prompt on this release: AGENTS.md, SOUL.md, USER.md and the other workspace files are silently dropped (fixed in OpenClaw 2026.5.4, removed in 2026.5.28). Remove it, or upgrade OpenClaw.`,
          atKey(m, obj.path),
          [editFix('Remove systemPromptOverride', false, () => [removeMember(obs.config.doc, obj, m)])],
        ),
      );
    }
    return out;
  },
};
