import type { Fix } from '../findings.js';
import { child, type ObjectNode } from '../openclaw/document.js';
import { COMPACTOR_OVERSIZE_FACTOR, compactionRequestTokens, effectiveContext } from '../openclaw/context.js';
import { removeMember, setPath } from '../openclaw/edit.js';
import { BEHAVIOUR } from '../openclaw/knowledge.js';
import { findRow } from '../openclaw/model.js';
import { atLeast } from '../openclaw/version.js';
import { reloadActions } from './context.js';
import { actionFix, atKey, atNode, atObjectKey, editFix, finding, fmt, defineRule, removalFix } from './util.js';
import { loadedFor, serverName } from '../servers/models.js';

export const compactionMode = defineRule({ id: 'compaction-mode', severity: 'info', reads: 'config', summary: 'safeguard compaction never fires on the session threshold' }, (obs) => {
  const c = obs.model.compaction;
  if (!obs.model.refs.some((r) => r.role === 'primary')) return [];
  if (c.mode === 'default') return [];
  if (c.mode !== undefined && c.mode !== 'safeguard') return []; // an invalid value is the validator's to report
  const root = obs.config.root;
  if (root?.kind !== 'object') return [];
  const at = c.modeNode ? atNode(c.modeNode) : c.node ? atObjectKey(obs.config.root, c.node) : undefined;
  if (!at) return [];
  const unset = c.mode === undefined;
  const message =
    `compaction.mode is ${unset ? 'unset ("safeguard")' : '"safeguard"'}: compaction comes late; a failed audit fails the run. ` +
    `"safeguard" makes chunked summaries with a quality audit that fails the run when the summary lacks its required headings, and no session-threshold compaction — it fires only before a prompt that would not fit, before a turn, or after the server reports an overflow. ` +
    `"default" also compacts as soon as the session passes C − R, which keeps long local runs under the loaded context.`;
  return [
    finding('info', message, at, [
      editFix('Set compaction.mode to "default"', true, () => [setPath(obs.config.doc, root as ObjectNode, ['agents', 'defaults', 'compaction', 'mode'], 'default')]),
    ]),
  ];
});

export const compactorContextFit = defineRule({ id: 'compactor-context-fit', severity: 'error/info', reads: 'servers', summary: 'the compactor is loaded too small (or far too large) for the summary request' }, (obs) => {
  const compactor = obs.model.compaction.model;
  const primary = obs.model.refs.find((r) => r.role === 'primary');
  if (!compactor || !primary) return [];
  const state = obs.runtimes.get(compactor.providerId);
  if (!state || state.status !== 'ok' || state.knowsLoaded === false) return [];
  const loaded = loadedFor(state, { id: compactor.modelId });
  if (!loaded?.loadedContextLength) return [];
  const primaryRow = findRow(obs.model, primary.providerId, primary.modelId);
  const c = effectiveContext(primaryRow, obs.version, obs.model.legacyContextTokens).tokens;
  const needed = compactionRequestTokens(c);
  const have = loaded.loadedContextLength;
  const server = serverName(state);
  const resize = (to: number): Fix[] => {
    const actions = reloadActions(state.kind, state.baseUrl, loaded.modelKey, loaded.identifier, to, state);
    return actions ? [actionFix(`Reload ${loaded.identifier} in ${server} at ${fmt(to)}`, true, actions)] : [];
  };
  const round = (n: number) => Math.ceil(n / 1024) * 1024;
  if (have < needed) {
    return [
      finding(
        'error',
        `Compactor loaded at ${fmt(have)} gets summary requests of up to ${fmt(needed)} tokens: compaction fails.` +
          ` ${compactor.ref}: one summary request carries 40 % of the primary's ${fmt(c)} budget (OpenClaw's chunk size), so the request overflows. Load it at ${fmt(round(needed))} or more.`,
        atNode(compactor.node),
        resize(round(needed)),
      ),
    ];
  }
  if (have > needed * COMPACTOR_OVERSIZE_FACTOR) {
    const to = Math.max(round(needed * 1.25), 8192);
    return [
      finding(
        'info',
        `Compactor loaded at ${fmt(have)} gets summary requests of at most ${fmt(needed)} tokens: memory is wasted.` +
          ` ${compactor.ref}: the rest of its context is memory reserved for nothing. Operators measured wall time halve when a compactor went from 100K to 68K. ${fmt(to)} is enough.`,
        atNode(compactor.node),
        resize(to),
      ),
    ];
  }
  return [];
});

export const reserveFloorSilentFailure = defineRule({ id: 'reserve-floor-silent-failure', severity: 'warning', reads: 'config', summary: 'a non-default reserveTokensFloor ends runs without a wrap-up (before 2026.8)' }, (obs) => {
  if (atLeast(obs.version, BEHAVIOUR.newReserveFormula)) return []; // retired: retired-key reports it
  const c = obs.model.compaction;
  const floor = c.reserveTokensFloor;
  if (!floor || floor.value === 20000 || !c.node) return [];
  const m = [...c.node.members].reverse().find((x) => x.key === 'reserveTokensFloor')!;
  const obj = c.node;
  return [
    finding(
      'warning',
      `reserveTokensFloor ${fmt(floor.value)} is not the default 20,000: dispatches end silently, without a wrap-up.` +
        ` On this release a non-default floor ends dispatches with no stop reason and no wrap-up, while the run still exits cleanly. Remove it; later releases retire it anyway.`,
      atKey(m, obj.path),
      [removalFix('Remove reserveTokensFloor', true, 'A non-default floor ends dispatches with no stop reason and no wrap-up on this release.', [...obj.path, m.key], () => [removeMember(obs.config.doc, obj, m)])],
    ),
  ];
});

/** Used by retired-key too: every member in the effective tree, with its parent object. */
export function* members(node: ReturnType<typeof child>): Generator<{ obj: ObjectNode; m: ObjectNode['members'][number] }> {
  if (!node) return;
  if (node.kind === 'object') {
    for (const m of node.members) {
      yield { obj: node, m };
      yield* members(m.value);
    }
  } else if (node.kind === 'array') for (const i of node.items) yield* members(i);
}
