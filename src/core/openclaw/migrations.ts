// Edits that move a retired key to where the installed OpenClaw reads it; shared by the rules and migrate.
import type { Observation } from '../observation.js';
import { child, stringAt, toValue, type ArrayNode, type ObjectNode } from './document.js';
import { EditDeclined, formatKey, formatValue, indentUnit, keyStyleOf, memberBlock, removeMember, setMember, type DocEdits } from './edit.js';
import { findRow } from './model.js';

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
