import { replacesEnvReference, type FileChange } from '../write/executor.js';
import type { ServerAction } from '../findings.js';
import { child, member, parseDocument, type ConfigDocument, type ObjectNode } from '../openclaw/document.js';
import { appendItem, removeMember, setMember, setPath, type DocEdits } from '../openclaw/edit.js';
import { BEHAVIOUR } from '../openclaw/knowledge.js';
import { flushesBeforeBetweenTurns } from '../openclaw/compactionPaths.js';
import { buildModel, findProvider, findRow, type ConfigModel } from '../openclaw/model.js';
import { atLeast, formatVersion } from '../openclaw/version.js';
import type { Observation } from '../observation.js';

import { retiredKeyRule } from '../rules/keys.js';
import { RUNTIME_NAMES } from '../servers/types.js';
import { applyEdits } from '../text.js';
import type { ModelTarget, ProfileTarget } from './types.js';
import { fmt } from '../format.js';
import { downloadedFor, loadedFor } from '../servers/models.js';

export interface ProfilePlan extends FileChange {
  readonly profile: ProfileTarget;
  /** What the config edits do, one line each. */
  readonly configChanges: readonly string[];
  /** In order: unloads before loads, so memory is free when a model loads. */
  readonly actions: readonly ServerAction[];
  /** Models the plan unloads that the operator loaded: the one confirmation covers them, by name. */
  readonly unloadsOperatorModels: readonly string[];
  readonly warnings: readonly string[];
  /** Set when the plan cannot be applied; says what to do. */
  readonly blocked?: string;
  /** For each unload, the load that puts the instance back as it was (a failed apply runs the ones it needs). */
  readonly putBack?: readonly ServerAction[];
}

/** Applies edit steps one at a time, re-parsing between them, so insertions into one object never collide. */
class EditSession {
  doc: ConfigDocument;
  model: ConfigModel;
  constructor(
    private readonly file: string,
    text: string,
    private readonly obs: Observation,
  ) {
    this.doc = parseDocument(file, text);
    this.model = buildModel(this.doc.root);
  }
  downloaded(t: ModelTarget) {
    return downloadedFor(this.obs.runtimes.get(t.providerId), t.modelId);
  }
  get root(): ObjectNode {
    return this.doc.root as ObjectNode;
  }
  step(make: (s: EditSession) => DocEdits | undefined): void {
    const e = make(this);
    if (!e || e.edits.length === 0) return;
    const text = applyEdits(this.doc.text, e.edits);
    this.doc = parseDocument(this.file, text, this.doc.encoding);
    if (this.doc.error) throw new Error(`internal: a profile edit left the file unparseable (${this.doc.error.message})`);
    this.model = buildModel(this.doc.root);
  }
}

function rowEdits(s: EditSession, t: ModelTarget, extra: Record<string, number>, changes: string[]): void {
  const row = findRow(s.model, t.providerId, t.modelId);
  if (!row) {
    const provider = findProvider(s.model, t.providerId);
    if (!provider) throw new PlanError(`provider "${t.providerId}" is not in models.providers; register it first`);
    const rows = child(provider.node, 'models');
    const displayName = s.downloaded(t)?.displayName;
    const value = { id: t.modelId, name: displayName ?? t.modelId.split('/').pop() ?? t.modelId, contextWindow: t.context.value, ...extra };
    s.step((x) => (rows?.kind === 'array' ? appendItem(x.doc, rows, value) : setPath(x.doc, findProvider(x.model, t.providerId)!.node, ['models'], [value])));
    changes.push(`register ${t.ref} with contextWindow ${fmt(t.context.value)}`);
    return;
  }
  if (row.contextWindow?.value !== t.context.value) {
    s.step((x) => setMember(x.doc, findRow(x.model, t.providerId, t.modelId)!.node, 'contextWindow', t.context.value));
    changes.push(`${t.ref}: contextWindow ${row.contextWindow ? fmt(row.contextWindow.value) : '(unset)'} → ${fmt(t.context.value)}`);
  }
  for (const [key, value] of Object.entries(extra)) {
    const current = findRow(s.model, t.providerId, t.modelId)!;
    const old = member(current.node, key);
    if (old?.value.kind === 'number' && old.value.value === value) continue;
    s.step((x) => setMember(x.doc, findRow(x.model, t.providerId, t.modelId)!.node, key, value));
    changes.push(`${t.ref}: ${key} ${old?.value.kind === 'number' ? fmt(old.value.value as number) : '(unset)'} → ${fmt(value)}`);
  }
}

export class PlanError extends Error {}

/** The config edits and runtime actions that make `profile` true; nothing is written here. */
export function planProfile(profile: ProfileTarget, obs: Observation): ProfilePlan {
  const file = obs.config.doc.file;
  const before = obs.config.doc.text;
  if (obs.config.doc.error || obs.config.root?.kind !== 'object') {
    return { profile, file, before, after: before, configChanges: [], actions: [], unloadsOperatorModels: [], warnings: [], blocked: 'openclaw.json does not parse; fix it first' };
  }
  const s = new EditSession(file, before, obs);
  const changes: string[] = [];
  const warnings: string[] = [];
  const perRow = atLeast(obs.version, BEHAVIOUR.newReserveFormula);
  const budget = Math.min(profile.budget.value, profile.primary.context.value);
  try {
    if (perRow) rowEdits(s, profile.primary, { contextTokens: budget }, changes);
    else {
      rowEdits(s, profile.primary, {}, changes);
      const cur = s.model.legacyContextTokens?.value;
      if (cur !== budget) {
        s.step((x) => setPath(x.doc, x.root, ['agents', 'defaults', 'contextTokens'], budget));
        changes.push(`agents.defaults.contextTokens ${cur ? fmt(cur) : '(unset)'} → ${fmt(budget)} (OpenClaw ${formatVersion(obs.version)} has no per-model budget)`);
      }
    }
    const c = s.model.compaction;
    if (profile.compactor) {
      rowEdits(s, profile.compactor, {}, changes);
      if (c.model?.ref !== profile.compactor.ref) {
        s.step((x) => setPath(x.doc, x.root, ['agents', 'defaults', 'compaction', 'model'], profile.compactor!.ref));
        changes.push(`compaction.model ${c.model?.ref ?? '(unset)'} → ${profile.compactor.ref}`);
      }
      // 2026.9.x: the memory-flush turn before a between-turn compaction would otherwise stay on the primary.
      const flush = s.model.compaction;
      if (flushesBeforeBetweenTurns(obs.version) && flush.memoryFlushEnabled && flush.memoryFlushModel?.ref !== profile.compactor.ref) {
        s.step((x) => setPath(x.doc, x.root, ['agents', 'defaults', 'compaction', 'memoryFlush', 'model'], profile.compactor!.ref));
        changes.push(`compaction.memoryFlush.model ${flush.memoryFlushModel?.ref ?? '(unset)'} → ${profile.compactor.ref}`);
      }
    } else if (c.model) {
      s.step((x) => {
        const node = x.model.compaction.node!;
        return removeMember(x.doc, node, [...node.members].reverse().find((m) => m.key === 'model')!);
      });
      changes.push(`remove compaction.model (${c.model.ref}): the primary compacts its own history`);
      // The flush model that named the removed compactor goes with it: "no compactor" means the primary does all of it.
      if (c.memoryFlushModel?.ref === c.model.ref) {
        s.step((x) => {
          const flush = child(x.model.compaction.node, 'memoryFlush');
          if (flush?.kind !== 'object') return { doc: x.doc, edits: [] };
          return removeMember(x.doc, flush, [...flush.members].reverse().find((m) => m.key === 'model')!);
        });
        changes.push(`remove compaction.memoryFlush.model (${c.model.ref}): the flush runs on the primary again`);
      }
    }
    const knobs: [string, unknown][] = [
      ['mode', profile.mode?.value],
      ['recentTurnsPreserve', profile.recentTurnsPreserve?.value],
      ['keepRecentTokens', profile.keepRecentTokens?.value],
    ];
    for (const [key, value] of knobs) {
      if (value === undefined) continue;
      const node = s.model.compaction.node;
      const current = node ? member(node, key)?.value : undefined;
      if (current && current.kind !== 'object' && current.kind !== 'array' && current.value === value) continue;
      s.step((x) => setPath(x.doc, x.root, ['agents', 'defaults', 'compaction', key], value));
      changes.push(`compaction.${key} → ${typeof value === 'number' ? fmt(value) : JSON.stringify(value)}`);
    }
  } catch (err) {
    if (err instanceof PlanError) return { profile, file, before, after: before, configChanges: [], actions: [], unloadsOperatorModels: [], warnings, blocked: err.message };
    throw err;
  }

  const actions: ServerAction[] = [];
  const unloads: string[] = [];
  const putBack: ServerAction[] = [];
  let blocked: string | undefined;
  const missing: string[] = [];
  for (const t of [profile.primary, profile.compactor].filter((x): x is ModelTarget => !!x)) {
    const state = obs.runtimes.get(t.providerId);
    if (!state) {
      warnings.push(`${t.ref}: its server was not read (not a local server, or probing is off); load it at ${fmt(t.context.value)} yourself`);
      continue;
    }
    if (state.status !== 'ok') {
      blocked ??= `${t.providerId}: ${state.detail ?? `${state.baseUrl} does not answer`}. Start the server, then apply again.`;
      continue;
    }
    const loaded = loadedFor(state, { id: t.modelId });
    if (state.kind === 'lmstudio') {
      if (loaded?.loadedContextLength === t.context.value) continue;
      // A model the server does not hold would fail mid-switch, after the primary was already reloaded:
      // LM Studio lists what is downloaded, so refuse before the first action instead.
      if (!loaded && state.downloaded && !downloadedFor(state, t.modelId)) {
        missing.push(t.ref);
        continue;
      }
      if (loaded) {
        actions.push({ kind: 'unload', runtime: 'lmstudio', baseUrl: state.baseUrl, identifier: loaded.identifier });
        unloads.push(`${loaded.identifier} (loaded at ${loaded.loadedContextLength ? fmt(loaded.loadedContextLength) : 'an unknown context'})`);
        if (loaded.loadedContextLength) putBack.push({ kind: 'load', runtime: 'lmstudio', baseUrl: state.baseUrl, modelKey: loaded.modelKey, identifier: loaded.identifier, contextLength: loaded.loadedContextLength });
      }
      actions.push({ kind: 'load', runtime: 'lmstudio', baseUrl: state.baseUrl, modelKey: loaded?.modelKey ?? t.modelId, identifier: loaded?.identifier ?? t.modelId, contextLength: t.context.value });
    } else if (state.knowsLoaded === false) {
      warnings.push(`${t.ref}: ${RUNTIME_NAMES[state.kind ?? 'openai-compatible']} cannot be told a context; it uses the model's own`);
    } else if (loaded?.loadedContextLength !== t.context.value) {
      const text =
        state.kind === 'ollama'
          ? `Ollama: use num_ctx ${t.context.value} for ${t.modelId} (params.num_ctx on the provider, or OLLAMA_CONTEXT_LENGTH=${t.context.value}).`
          : state.kind === 'llamacpp'
            ? `llama-server: restart with -c ${t.context.value} for ${t.modelId} (per slot; multiply by -np without --kv-unified).`
            : `vLLM: restart with --max-model-len ${t.context.value}.`;
      actions.push({ kind: 'instruct', runtime: state.kind ?? 'server', text });
    }
  }
  if (missing.length) {
    blocked ??= `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not downloaded on LM Studio, so the switch would fail midway; nothing was changed. Download ${missing.length > 1 ? 'them' : 'it'} (lms get ${missing.map((r) => r.slice(r.indexOf('/') + 1)).join(' ')}) or choose a model the server has, then apply again.`;
  }
  const rejected = retiredKeyRule.check(obs).filter((f) => f.severity === 'error');
  if (rejected.length) warnings.push(`openclaw.json holds ${rejected.length} key(s) OpenClaw ${formatVersion(obs.version)} rejects (${rejected.map((f) => f.path.join('.')).join(', ')}); fix them (retired-key) or OpenClaw will not start, whatever the profile`);
  // Unload first (frees memory), then load.
  actions.sort((a, b) => (a.kind === 'unload' ? 0 : 1) - (b.kind === 'unload' ? 0 : 1));
  // What the executor would refuse, the plan refuses too: --dry-run never shows a diff the apply cannot write.
  const envRefused = replacesEnvReference(file, before, s.doc.text);
  if (envRefused) return { profile, file, before, after: before, configChanges: [], actions: [], unloadsOperatorModels: [], warnings: [...profile.notes, ...warnings], blocked: envRefused.replace(/ nothing was written\.$/, ' nothing would be written.') };
  return { profile, file, before, after: s.doc.text, configChanges: changes, actions, unloadsOperatorModels: unloads, warnings: [...profile.notes, ...warnings], blocked, putBack };
}

/** The plan in words, for the confirmation and `--dry-run`. */
export function describePlan(p: ProfilePlan): string[] {
  const lines: string[] = [];
  const t = p.profile;
  const tag = (src: string) => (src === 'derived' ? ' (derived)' : src === 'validated' ? ' (validated)' : '');
  lines.push(`Profile ${t.name}: ${t.description}`);
  lines.push(`  primary    ${t.primary.ref} at ${fmt(t.primary.context.value)}${tag(t.primary.context.source)}`);
  lines.push(`  budget     ${fmt(t.budget.value)}${tag(t.budget.source)}`);
  lines.push(`  compactor  ${t.compactor ? `${t.compactor.ref} at ${fmt(t.compactor.context.value)}${tag(t.compactor.context.source)}` : 'none'}`);
  if (t.mode) lines.push(`  compaction mode ${t.mode.value}${t.recentTurnsPreserve ? `, recentTurnsPreserve ${t.recentTurnsPreserve.value}` : ''}`);
  lines.push(p.configChanges.length ? 'openclaw.json:' : 'openclaw.json: no change');
  for (const c of p.configChanges) lines.push(`  - ${c}`);
  if (p.actions.length) lines.push('Model servers:');
  for (const a of p.actions) {
    if (a.kind === 'load') lines.push(`  - load ${a.modelKey} at ${fmt(a.contextLength)}`);
    else if (a.kind === 'unload') lines.push(`  - unload ${a.identifier}`);
    else lines.push(`  - you: ${a.text}`);
  }
  for (const w of p.warnings) lines.push(`note: ${w}`);
  if (p.blocked) lines.push(`cannot apply: ${p.blocked}`);
  return lines;
}
