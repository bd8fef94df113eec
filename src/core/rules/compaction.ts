import type { Fix } from '../findings.js';
import { child, type JsonNode, type ObjectNode } from '../openclaw/document.js';
import { COMPACTOR_OVERSIZE_FACTOR, compactionRequestTokens, effectiveContext } from '../openclaw/context.js';
import { compactionRoutes, compactorOf, effectiveMode, flushesBeforeBetweenTurns, hasMidTurnPrecheck } from '../openclaw/compactionPaths.js';
import { EditDeclined, removeMember, setPaths, type DocEdits } from '../openclaw/edit.js';
import { BEHAVIOUR } from '../openclaw/knowledge.js';
import { findRow } from '../openclaw/model.js';
import { atLeast, formatVersion } from '../openclaw/version.js';
import type { Observation } from '../observation.js';
import { reloadActions } from './context.js';
import { actionFix, atKey, atNode, atObjectKey, editFix, finding, fmt, defineRule, removalFix } from './util.js';
import { loadedFor, serverName } from '../servers/models.js';

const COMPACTION = ['agents', 'defaults', 'compaction'] as const;

/** A fix that sets keys under agents.defaults.compaction in one edit (plus any `extra` edits, e.g. a model row). */
export function compactionFix(obs: Observation, title: string, preferred: boolean, leaves: readonly (readonly [readonly string[], unknown])[], extra: () => DocEdits[] = () => []): Fix {
  return editFix(title, preferred, () => {
    const root = obs.config.root;
    if (root?.kind !== 'object') throw new EditDeclined('the file is not an object');
    return [setPaths(obs.config.doc, root, leaves.map(([p, value]) => [[...COMPACTION, ...p], value] as const)), ...extra()];
  });
}

const PRECHECK = [['midTurnPrecheck', 'enabled'], true] as const;
const SAFEGUARD = [['mode'], 'safeguard'] as const;

export const compactionMode = defineRule({ id: 'compaction-mode', severity: 'info', reads: 'config', summary: 'safeguard compacts late: only before a prompt that would not fit, between turns or after an overflow' }, (obs) => {
  const c = obs.model.compaction;
  const primary = obs.model.refs.find((r) => r.role === 'primary');
  if (!primary) return [];
  if (c.mode === 'default') return [];
  if (c.mode !== undefined && c.mode !== 'safeguard') return []; // an invalid value is the validator's to report
  const precheck = hasMidTurnPrecheck(obs.version);
  if (precheck && c.midTurnPrecheck) return []; // it already compacts inside a run
  const root = obs.config.root;
  if (root?.kind !== 'object') return [];
  const at = c.modeNode ? atNode(c.modeNode) : c.node ? atObjectKey(obs.config.root, c.node) : undefined;
  if (!at) return [];
  const compactor = compactorOf(c, primary);
  const unset = c.mode === undefined;
  const message =
    `compaction.mode is ${unset ? 'unset ("safeguard")' : '"safeguard"'}: compaction comes late; a failed audit fails the run. ` +
    `"safeguard" makes chunked summaries with a quality audit that fails the run when the summary lacks its required headings, and no session-threshold compaction — it fires only before a prompt that would not fit, between turns, or after the server reports an overflow. ` +
    (precheck ? `compaction.midTurnPrecheck.enabled: true also compacts inside a run as tool results fill the context, summarized by ${compactor ? `${compactor.ref} (compaction.model)` : 'the compaction model'}. ` : '') +
    (compactor
      ? `"default" would also compact at C − R, but OpenClaw's session summarizes those threshold compactions with the primary ${primary.ref}, not with ${compactor.ref}.`
      : `"default" also compacts as soon as the session passes C − R, summarized by the primary.`);
  const toDefault = (preferred: boolean) =>
    compactionFix(obs, compactor ? `Set compaction.mode to "default" (threshold compactions then run on the primary, not on ${compactor.ref})` : 'Set compaction.mode to "default"', preferred, [[['mode'], 'default']]);
  // Never "default" first while a compactor is configured: it takes the threshold compactions away from it.
  const fixes = precheck ? [compactionFix(obs, 'Enable the mid-turn precheck (compaction.midTurnPrecheck.enabled: true)', true, [PRECHECK]), toDefault(false)] : [toDefault(!compactor)];
  return [finding('info', message, at, fixes)];
});

export const compactionThresholdOnPrimary = defineRule({ id: 'compaction-threshold-on-primary', severity: 'warning', reads: 'config', summary: 'mode "default" with a compactor: the threshold compactions are still summarized by the primary' }, (obs) => {
  const c = obs.model.compaction;
  const primary = obs.model.refs.find((r) => r.role === 'primary');
  const compactor = compactorOf(c, primary);
  if (!primary || !compactor || effectiveMode(c) !== 'default') return [];
  const routes = compactionRoutes(obs.version, c, primary);
  const onPrimary = routes.filter((r) => r.summarizer === 'primary');
  if (onPrimary.length === 0) return [];
  const onCompactor = routes.filter((r) => r.summarizer === 'compactor');
  const at = c.modeNode ? atNode(c.modeNode) : atNode(compactor.node);
  const precheck = hasMidTurnPrecheck(obs.version);
  const message =
    `Mode "default": the threshold compactions run on the primary, not on compaction.model. ` +
    `${capital(list(onPrimary.map((r) => r.label)))} ${onPrimary.length > 1 ? 'are' : 'is'} summarized by the primary ${primary.ref}, not by ${compactor.ref}. ` +
    `In this mode OpenClaw ${formatVersion(obs.version)}'s session compacts at C − R with the run's own model whatever compaction.model says; ${compactor.ref} takes only ${list(onCompactor.map((r) => r.label))}. ` +
    (c.midTurnPrecheck && precheck ? 'The mid-turn precheck is on, but a threshold compaction at the end of a prompt still runs on the primary. ' : '') +
    `"safeguard" leaves only the paths that use compaction.model${precheck ? ', and with the mid-turn precheck it still compacts inside a run' : ''}.`;
  const fixes: Fix[] = [];
  if (precheck && !c.midTurnPrecheck) {
    fixes.push(
      compactionFix(obs, 'Set compaction.mode to "safeguard" and enable the mid-turn precheck (every compaction on the compactor, still inside a run)', true, [SAFEGUARD, PRECHECK]),
      compactionFix(obs, 'Enable the mid-turn precheck (in-run compactions move to the compactor; the end-of-prompt threshold stays on the primary)', false, [PRECHECK]),
      compactionFix(obs, 'Set compaction.mode to "safeguard"', false, [SAFEGUARD]),
    );
  } else fixes.push(compactionFix(obs, 'Set compaction.mode to "safeguard"', true, [SAFEGUARD]));
  return [finding('warning', message, at, fixes)];
});

export const memoryFlushOnPrimary = defineRule({ id: 'memory-flush-on-primary', severity: 'info', reads: 'config', summary: 'safeguard with a compactor: the memory flush before each between-turn compaction runs on the primary (2026.9)' }, (obs) => {
  if (!flushesBeforeBetweenTurns(obs.version)) return [];
  const c = obs.model.compaction;
  const primary = obs.model.refs.find((r) => r.role === 'primary');
  const compactor = compactorOf(c, primary);
  if (!primary || !compactor || effectiveMode(c) !== 'safeguard') return [];
  const between = compactionRoutes(obs.version, c, primary).find((r) => r.path === 'betweenTurns');
  if (between?.flush !== 'primary') return [];
  const message =
    `The memory flush before each between-turn compaction runs on the primary, with the full context. ` +
    `${primary.ref} takes a full-context turn before ${compactor.ref} summarizes. ` +
    `On OpenClaw ${formatVersion(obs.version)} pre-turn maintenance first asks the run's model to store durable memories, with the whole history, unless compaction.memoryFlush.model is set or the flush is off.`;
  return [
    finding('info', message, atNode(compactor.node), [
      compactionFix(obs, `Set compaction.memoryFlush.model to ${compactor.ref}`, true, [[['memoryFlush', 'model'], compactor.ref]]),
      compactionFix(obs, 'Turn the memory flush off (no durable memories are written before compaction)', false, [[['memoryFlush', 'enabled'], false]]),
    ]),
  ];
});

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function list(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? 'nothing') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

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

type Member = { readonly obj: ObjectNode; readonly m: ObjectNode['members'][number] };
// Listed once per tree: two rules walk every member, and a nested generator per object was slow to start cold.
const MEMBERS = new WeakMap<JsonNode, readonly Member[]>();

/** Used by retired-key too: every member in the effective tree, with its parent object, in document order. */
export function members(node: ReturnType<typeof child>): readonly Member[] {
  if (!node) return [];
  let out = MEMBERS.get(node);
  if (out) return out;
  const list: Member[] = [];
  const walk = (n: JsonNode): void => {
    if (n.kind === 'object') {
      for (const m of n.members) {
        list.push({ obj: n, m });
        walk(m.value);
      }
    } else if (n.kind === 'array') for (const i of n.items) walk(i);
  };
  walk(node);
  MEMBERS.set(node, (out = list));
  return out;
}
