// Edits that move a retired key to where the installed OpenClaw reads it; shared by the rules and migrate.
import type { Observation } from '../observation.js';
import { child, stringAt, toValue, type ArrayNode, type ObjectNode } from './document.js';
import { attachedComments, EditDeclined, eolOf, formatKey, formatValue, indentUnit, itemBlock, keyStyleOf, lineIndent, memberBlock, reindent, removeMember, setMember, type DocEdits } from './edit.js';
import { applyEdits, type Span } from '../text.js';
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

/**
 * Rewrites the array as a keyed map. Each entry keeps its own text and the comments attached to it (the `id`
 * member becomes the key); declines only when a comment belongs to no entry and would be lost.
 */
export function listToEntries(obs: Observation, agents: ObjectNode, list: ArrayNode, addOwnership: boolean): DocEdits {
  const doc = obs.config.doc;
  if (list.doc !== doc) throw new EditDeclined(`agents.list lives in ${list.doc.file}; migrate it there`);
  if (child(agents, 'entries')) throw new EditDeclined('agents has both list and entries; merge them by hand');
  const listMember = [...agents.members].reverse().find((x) => x.key === 'list')!;
  const style = keyStyleOf(doc, agents);
  const unit = indentUnit(doc);
  const nl = eolOf(doc);
  const block = memberBlock(doc, listMember);
  const indent = lineIndent(doc, listMember.keySpan[0]);
  const multiLine = block.ownLine && doc.text.slice(list.span[0], list.span[1]).includes('\n');
  const lines: string[] = [];
  const seen = new Set<string>();
  const carried: Span[] = [];
  for (const item of list.items) {
    const id = stringAt(child(item, 'id'));
    if (!id || item.kind !== 'object') throw new EditDeclined('an agents.list entry has no id');
    if (seen.has(id)) throw new EditDeclined(`agent id "${id}" appears twice`);
    seen.add(id);
    const ib = itemBlock(doc, item);
    carried.push([ib.start, ib.end]);
    const comments = attachedComments(doc, ib, item.span[0], item.span[1]);
    // The item's own text without its id member (the id is the key now).
    const idMember = [...item.members].reverse().find((m) => m.key === 'id')!;
    const cut = removeMember(doc, item, idMember).edits.map((e) => ({ span: [e.span[0] - item.span[0], e.span[1] - item.span[0]] as const, newText: e.newText }));
    const body = reindent(applyEdits(doc.text.slice(item.span[0], item.span[1]), cut), lineIndent(doc, item.span[0]), indent + unit);
    if (!multiLine && comments.some((c) => c.startsWith('//'))) throw new EditDeclined('agents.list is on one line with line comments; move it by hand, or run "openclaw doctor --fix"');
    lines.push(`${comments.map((c) => (multiLine ? `${c}${nl}${indent}${unit}` : `${c} `)).join('')}${formatKey(id, style)}: ${body}`);
  }
  const lost = doc.comments.filter((c) => c[0] > list.span[0] && c[1] < list.span[1] && !carried.some((k) => c[0] >= k[0] && c[1] <= k[1]));
  // Comments after the last entry (commented-out entries, a closing note) go to the end of the new map, in order;
  // one between entries that belongs to neither has no place we could justify.
  const lastEnd = carried.length ? carried[carried.length - 1]![1] : list.span[0];
  if (lost.some((c) => c[0] < lastEnd)) throw new EditDeclined('agents.list has a comment between entries that belongs to no entry; move it by hand, or run "openclaw doctor --fix"');
  const tail = lost.map((c) => doc.text.slice(c[0], c[1]));
  if (!multiLine && tail.some((c) => c.startsWith('//'))) throw new EditDeclined('agents.list is on one line with line comments; move it by hand, or run "openclaw doctor --fix"');
  const tailText = multiLine
    ? tail.map((c, i) => `${nl}${indent}${unit}${reindent(c, lineIndent(doc, lost[i]![0]), indent + unit)}`).join('')
    : tail.map((c) => ` ${c}`).join('');
  const trailing = list.items.length && /,\s*(\/\/[^\n]*\s*|\/\*[\s\S]*?\*\/\s*)*$/.test(doc.text.slice(list.items[list.items.length - 1]!.span[1], list.span[1] - 1)) ? ',' : '';
  const entries = multiLine
    ? `${formatKey('entries', listMember.keyQuote)}: {${nl}${indent}${unit}${lines.join(`,${nl}${indent}${unit}`)}${trailing}${tailText}${nl}${indent}}`
    : `${formatKey('entries', listMember.keyQuote)}: { ${lines.join(', ')}${tailText} }`;
  const ownership = addOwnership ? `,${multiLine ? nl + indent : ' '}${formatKey('ownership', listMember.keyQuote)}: ${formatValue('explicit', doc, style)}` : '';
  return { doc, edits: [{ span: [listMember.keySpan[0], listMember.value.span[1]], newText: entries + ownership }] };
}
