import { compactionRoutes, compactorOf, effectiveMode, type Summarizer } from './openclaw/compactionPaths.js';
import { compactionRequestTokens, effectiveContext, FIRST_TURN_TOKENS, recordsThatFit, thresholds, turnsThatFit } from './openclaw/context.js';
import type { ConfigDocument } from './openclaw/document.js';
import { findRow, type ModelRow } from './openclaw/model.js';
import { BEHAVIOUR } from './openclaw/knowledge.js';
import { atLeast, formatVersion } from './openclaw/version.js';
import type { Observation } from './observation.js';

import { fmt } from './format.js';
import { loadedFor, serverName } from './servers/models.js';
import { atObjectKey } from './rules/util.js';

export interface HoverSettings {
  readonly turnTokens: number;
  readonly recordTokens: number;
  readonly compression: number;
}

export interface HoverResult {
  readonly markdown: string;
  readonly span: readonly [number, number];
}

function contains(node: { span: readonly [number, number] }, offset: number): boolean {
  return offset >= node.span[0] && offset <= node.span[1];
}

/** Hover for `contextWindow` / `contextTokens` on a model row, or anywhere in the compaction block. */
export function hoverAt(obs: Observation, doc: ConfigDocument, offset: number, s: HoverSettings): HoverResult | undefined {
  for (const p of obs.model.providers) {
    for (const row of p.models) {
      if (row.node.doc !== doc || !contains(row.node, offset)) continue;
      for (const key of ['contextWindow', 'contextTokens'] as const) {
        const m = row.node.members.find((x) => x.key === key);
        if (m && m.doc === doc && offset >= m.keySpan[0] && offset <= m.value.span[1]) {
          return { markdown: contextMarkdown(obs, row, s), span: [m.keySpan[0], m.value.span[1]] };
        }
      }
    }
  }
  const c = obs.model.compaction.node;
  if (c && c.doc === doc) {
    // On the `compaction` key too, where one looks first; the hover's range is that key (or the opening brace).
    const key = atObjectKey(obs.config.root, c);
    const onKey = key.doc === doc && offset >= key.span[0] && offset <= key.span[1];
    if (onKey || contains(c, offset)) {
      const primary = obs.model.refs.find((r) => r.role === 'primary');
      const row = primary ? findRow(obs.model, primary.providerId, primary.modelId) : undefined;
      return { markdown: contextMarkdown(obs, row, s, true), span: key.doc === doc ? key.span : [c.span[0], Math.min(c.span[1], c.span[0] + 1)] };
    }
  }
  return undefined;
}

export function contextMarkdown(obs: Observation, row: ModelRow | undefined, s: HoverSettings, compactionView = false): string {
  const ver = obs.version;
  const eff = effectiveContext(row, ver, obs.model.legacyContextTokens);
  const state = row ? obs.runtimes.get(row.providerId) : undefined;
  const loaded = row && state ? loadedFor(state, row) : undefined;
  // What the server really holds decides the math when it is less than what OpenClaw registers: past it the
  // server cuts the prompt, whatever OpenClaw believes.
  const held = loaded?.loadedContextLength;
  const cut = held !== undefined && held < eff.tokens;
  const C = cut ? held : eff.tokens;
  const t = thresholds(C, ver, obs.model.compaction, cut ? held : row?.contextWindow?.value);
  const lines: string[] = [];
  const name = row ? `${row.providerId}/${row.id ?? '?'}` : 'primary model';
  lines.push(`**${compactionView ? 'Compaction for ' : ''}${name}** — OpenClaw ${formatVersion(ver)}${obs.versionSource === 'assumed' ? ' (assumed: none installed)' : ''}`);
  lines.push('');
  lines.push('| | tokens | how |');
  lines.push('|---|---:|---|');
  if (cut) lines.push(`| effective context C | ${fmt(C)} | loaded in ${serverName(state!)}; OpenClaw registers ${fmt(eff.tokens)} (${eff.source}) |`);
  else {
    lines.push(`| effective context C | ${fmt(eff.tokens)} | ${eff.source} |`);
    if (held !== undefined) lines.push(`| loaded in ${serverName(state!)} | ${fmt(held)} | ${loaded?.note ?? 'what the server holds'} |`);
    else if (state && state.status !== 'ok') lines.push(`| loaded | ? | could not read ${state.baseUrl} |`);
    else if (state?.knowsLoaded === false) lines.push(`| loaded | unknown | the server does not say |`);
  }
  // Two short views rather than one long table (nine rows were clipped): the window's math on the model row,
  // what compaction does with it on the compaction block.
  if (!compactionView) lines.push(`| reserve R | ${fmt(t.reserveTokens)} | ${t.reserveFormula} |`);
  lines.push(`| compaction threshold | ${fmt(t.compactAt)} | C − R${obs.model.compaction.mode === 'default' ? '' : ', checked before each prompt'} |`);
  if (!compactionView) lines.push(`| turns that fit | ${fmt(turnsThatFit(t, s.turnTokens))} | after a ~${fmt(FIRST_TURN_TOKENS)} first turn, ${fmt(s.turnTokens)} a turn |`);
  if (compactionView) {
    lines.push(`| memory flush at | ${fmt(t.memoryFlushAt)} | ${t.flushFormula} |`);
    const h = historyInputs(obs, s);
    lines.push(`| history depth | ${fmt(recordsThatFit(t, h.recordTokens, h.compression))} records | ${h.how} |`);
    lines.push(`| one summary request | ≤ ${fmt(compactionRequestTokens(C))} | 40 % of C: the compactor must hold it |`);
  }
  if (cut) {
    lines.push('');
    lines.push(`_Figures use the ${fmt(C)} ${serverName(state!)} loaded: OpenClaw plans for ${fmt(eff.tokens)}, and the server cuts what does not fit._`);
  }
  if (compactionView) lines.push('', ...pathLines(obs));
  if (!atLeast(ver, BEHAVIOUR.newReserveFormula)) {
    lines.push('');
    lines.push('_Before 2026.8 the reserve came from `reserveTokens`/`reserveTokensFloor`; from 2026.8 it is min(20000, ⌊C/4⌋)._');
  }
  return lines.join('\n');
}

/**
 * The history depth's two inputs: measured in this folder's lab sessions of this config when they measured them (the
 * record size from how the server-counted prompt grew request by request; the compression from a proxy arm's
 * server-side tokens against what OpenClaw sent), else the settings — each labelled with where it came from.
 */
export function historyInputs(obs: Observation, s: HoverSettings): { recordTokens: number; compression: number; how: string } {
  const sessions = obs.measured?.sessions ?? [];
  const sizes = sessions.flatMap((x) => x.recordTokens ?? []).sort((a, b) => a - b);
  const withLayer = sessions.filter((x) => x.layer);
  const recordTokens = sizes.length ? sizes[Math.floor(sizes.length / 2)]! : s.recordTokens;
  const sent = withLayer.reduce((n, x) => n + x.layer!.tokensSent, 0);
  const received = withLayer.reduce((n, x) => n + x.layer!.tokensReceived, 0);
  const compression = sent > 0 ? Math.max(0, Math.min(0.95, 1 - received / sent)) : s.compression;
  const sizeHow = sizes.length
    ? `${fmt(recordTokens)} a record (measured: median of ${sizes.length} in ${sessions.filter((x) => x.recordTokens?.length).length} lab session${sessions.filter((x) => x.recordTokens?.length).length === 1 ? '' : 's'})`
    : `${fmt(recordTokens)} a record (assumed: setting hover.recordTokens)`;
  const compressionHow =
    sent > 0
      ? `${(compression * 100).toFixed(1)} % compressed (measured through ${[...new Set(withLayer.map((x) => x.layer!.proxy))].join(', ')})`
      : `${Math.round(compression * 100)} % compressed (assumed: setting hover.compression)`;
  return { recordTokens, compression, how: `${sizeHow}, ${compressionHow}` };
}

/** Which model summarizes each compaction path with this config on this release (compactionPaths.ts). */
function pathLines(obs: Observation): string[] {
  const c = obs.model.compaction;
  const primary = obs.model.refs.find((r) => r.role === 'primary');
  const compactor = compactorOf(c, primary);
  const name = (who: Summarizer) => (who === 'compactor' ? `compactor \`${compactor!.ref}\`` : `primary${primary ? ` \`${primary.ref}\`` : ''}`);
  const out = [`| path (mode ${effectiveMode(c) === 'default' ? '"default"' : c.mode === undefined ? 'unset: "safeguard"' : '"safeguard"'}) | summarized by |`, '|---|---|'];
  for (const r of compactionRoutes(obs.version, c, primary)) {
    const who = r.summarizer ? name(r.summarizer) : r.path === 'midTurnPrecheck' ? 'off (compaction.midTurnPrecheck.enabled)' : 'does not run in this mode';
    const flush = r.flush ? `, after a memory-flush turn on the ${r.flush === 'primary' ? name('primary') : '`memoryFlush.model`'}` : '';
    out.push(`| ${r.label} | ${who}${flush} |`);
  }
  return out;
}
