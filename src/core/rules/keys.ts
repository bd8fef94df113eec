import type { Fix } from '../findings.js';
import { child, toValue, type JsonPath } from '../openclaw/document.js';
import { removeMember } from '../openclaw/edit.js';
import { BEHAVIOUR, keyHistory, retiredKey, tooNewKey } from '../openclaw/knowledge.js';
import { atLeast, formatVersion } from '../openclaw/version.js';
import { members } from './compaction.js';
import { atKey, editFix, finding, fmt, defineRule, removalFix } from './util.js';
import { listToEntries, migrateContextTokens } from '../openclaw/migrations.js';

export const retiredKeyRule = defineRule({ id: 'retired-key', severity: 'error/warning', reads: 'config', summary: 'a key the installed OpenClaw rejects or strips' }, function* (obs) {
  const ver = formatVersion(obs.version);
  for (const { obj, m } of members(obs.config.root)) {
    const path: JsonPath = [...obj.path, m.key];
    const newer = tooNewKey(path, obs.version);
    if (newer) {
      yield finding(
        'error',
        `${m.key} is newer than OpenClaw ${ver}: its strict schema rejects the whole file.` +
          ` ${path.join('.')}: ${newer.reason} On ${ver} write ${newer.before}, or upgrade OpenClaw to ${newer.introducedIn.year}.${newer.introducedIn.month} or later.`,
        atKey(m, obj.path),
      );
      continue;
    }
    const h = retiredKey(path, obs.version, () => toValue(m.value));
    if (!h) continue;
    const at = atKey(m, obj.path);
    if (h.path === 'agents.list') {
      const list = m.value;
      if (list.kind !== 'array') continue;
      const multi = list.items.length > 1 && !list.items.some((i) => child(i, 'default')?.kind === 'boolean' && toValue(child(i, 'default')) === true);
      const hasOwnership = child(obj, 'ownership') !== undefined;
      const rejected = multi && !hasOwnership;
      yield finding(
        rejected ? 'error' : 'warning',
        (rejected ? `agents.list is the pre-2026.8 roster: OpenClaw ${ver} rejects the whole file.` : `agents.list is the pre-2026.8 roster: OpenClaw ${ver} rewrites it at read.`) +
          ` OpenClaw ${ver} moves it to keyed agents.entries at read` +
          (rejected ? ` and then rejects the file: a roster of ${list.items.length} agents needs agents.ownership "explicit".` : '.') +
          ` ${h.reason}`,
        at,
        [editFix(`Move agents.list to agents.entries${multi && !hasOwnership ? ' and set ownership "explicit"' : ''}`, true, () => [listToEntries(obs, obj, list, multi && !hasOwnership)])],
      );
      continue;
    }
    const isContextTokens = m.key === 'contextTokens';
    const label = h.value !== undefined ? `${path.join('.')} "${h.value}"` : path.join('.');
    const short = h.value !== undefined ? `${m.key} "${h.value}"` : m.key;
    const effect =
      h.effect === 'rejected'
        ? `${short} is retired: OpenClaw ${ver} rejects the whole file.`
        : `${m.key}${m.value.kind === 'number' ? ` ${fmt(Number(toValue(m.value)))}` : ''} has no effect: OpenClaw ${ver} strips it at read.`;
    const fixes: Fix[] = [];
    // The old member goes to the side file on a move too: its comments must not vanish with it (as `migrate`).
    if (isContextTokens) fixes.push(removalFix('Move contextTokens to the model rows it applied to', true, h.reason, path, () => migrateContextTokens(obs, obj, m)));
    fixes.push(removalFix(`Remove ${m.key}`, !isContextTokens, h.reason, path, () => [removeMember(obs.config.doc, obj, m)]));
    yield finding(
      h.effect === 'rejected' ? 'error' : 'warning',
      `${effect} ${label}: ${h.reason}${h.replacement ? ` Use ${h.replacement} instead.` : ''}`,
      at,
      fixes,
    );
  }
});

export const systemPromptOverride = defineRule({ id: 'system-prompt-override', severity: 'warning', reads: 'config', summary: 'systemPromptOverride drops AGENTS.md and the other workspace files' }, function* (obs) {
  if (atLeast(obs.version, BEHAVIOUR.systemPromptOverrideRemoved)) return []; // retired: retired-key reports it
  for (const { obj, m } of members(obs.config.root)) {
    if (m.key !== 'systemPromptOverride') continue;
    if (!keyHistory([...obj.path, m.key])) continue;
    yield finding(
      'warning',
      atLeast(obs.version, BEHAVIOUR.systemPromptOverrideKeepsBootstrap)
        ? `systemPromptOverride replaces the system prompt: AGENTS.md, SOUL.md and the like are dropped.` +
          ` AGENTS.md, SOUL.md, USER.md, TOOLS.md and IDENTITY.md are silently dropped (only BOOTSTRAP.md comes back, while bootstrap is pending). Remove it; OpenClaw 2026.5.28 removed the key.`
        : `systemPromptOverride replaces the system prompt: AGENTS.md, SOUL.md and the like are dropped.` +
          ` On this release it replaces the whole system prompt: AGENTS.md, SOUL.md, USER.md and the other workspace files are silently dropped. Remove it; OpenClaw 2026.5.28 removed the key.`,
      atKey(m, obj.path),
      [removalFix('Remove systemPromptOverride', false, 'It replaces the system prompt, dropping AGENTS.md and the other workspace files; OpenClaw 2026.5.28 removed the key.', [...obj.path, m.key], () => [removeMember(obs.config.doc, obj, m)])],
    );
  }
});
