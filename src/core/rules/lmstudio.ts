import type { Fix } from '../findings.js';
import { effectiveContext, FIRST_TURN_TOKENS } from '../openclaw/context.js';
import { child, isEnvReference, type JsonNode, type MemberNode } from '../openclaw/document.js';
import { EditDeclined, formatKey, removeMember, replaceValue, type DocEdits } from '../openclaw/edit.js';
import { findProvider, type Provider } from '../openclaw/model.js';
import type { Observation } from '../observation.js';
import { loadedFor } from '../servers/models.js';
import type { LoadedModel } from '../servers/types.js';
import { hostOf, refsTo, rowTransport, serverModel } from './transport.js';
import { actionFix, atKey, atNode, editFix, finding, fmt, defineRule } from './util.js';

/**
 * Rename a provider (to the bundled `lmstudio`) together with every reference to it under `agents`: model refs
 * ("old/model" strings) and `agents.defaults.models` keys. Declined when the target id is taken or a reference
 * under `agents` is an `${ENV}` value we cannot see into.
 */
export function renameProviderFix(obs: Observation, p: Provider, preferred: boolean, to = 'lmstudio'): Fix {
  return editFix(`Rename provider "${p.id}" to "${to}" and every reference to it`, preferred, () => {
    if (findProvider(obs.model, to)) throw new EditDeclined(`a provider "${to}" already exists: move the models of "${p.id}" into it by hand`);
    const providers = child(child(obs.config.root, 'models'), 'providers');
    const key = providers?.kind === 'object' ? providers.members.find((m) => m.key === p.id) : undefined;
    if (!key) throw new EditDeclined(`models.providers.${p.id} was not found`);
    const edits: DocEdits[] = [renameKey(key, to)];
    const prefix = `${p.id}/`;
    const walk = (n: JsonNode | undefined, where: string) => {
      if (!n) return;
      if (n.kind === 'string') {
        const s = n.value as string;
        if (isEnvReference(s)) throw new EditDeclined(`${where} is ${s}, which may name "${p.id}/…": renaming would break it unseen; rename by hand`);
        if (s.startsWith(prefix)) edits.push(replaceValue(n.doc, n, `${to}/${s.slice(prefix.length)}`));
      } else if (n.kind === 'object') {
        for (const m of n.members) {
          if (m.key.startsWith(prefix)) edits.push(renameKey(m, `${to}/${m.key.slice(prefix.length)}`));
          walk(m.value, `${where}.${m.key}`);
        }
      } else if (n.kind === 'array') n.items.forEach((it, i) => walk(it, `${where}.${i}`));
    };
    walk(child(obs.config.root, 'agents'), 'agents');
    return edits;
  });
}

function renameKey(m: MemberNode, to: string): DocEdits {
  return { doc: m.doc, edits: [{ span: m.keySpan, newText: formatKey(to, m.keyQuote) }] };
}

function isLmStudio(obs: Observation, p: Provider): boolean {
  const kind = obs.runtimes.get(p.id)?.kind;
  return kind ? kind === 'lmstudio' : p.id === 'lmstudio' || hostOf(p.baseUrl)?.port === '1234';
}

/**
 * OpenClaw preloads an LM Studio model at its registered context only for provider id exactly `lmstudio` with
 * params.preload not false (dist extensions/lmstudio: preload at contextTokens, else contextWindow, else 64000;
 * a loaded instance is reused only if its context is at least that, else a second one, `key:2`, is loaded).
 * Otherwise LM Studio JIT-loads the model at its own default context on the first request.
 */
export const lmstudioJitContext = defineRule({ id: 'lmstudio-jit-context', severity: 'error/warning', reads: 'servers', summary: 'OpenClaw does not preload this LM Studio model: it loads at its own default context' }, function* (obs) {
  for (const p of obs.model.providers) {
    if (!isLmStudio(obs, p)) continue;
    const state = obs.runtimes.get(p.id);
    const used = p.models.filter((r) => r.id && refsTo(obs.model, rowTransport(p, r)).length);
    // A provider without models[] rows: OpenClaw takes the models from the server, so the agents' references
    // to "<provider>/<model>" are what is used, and what the server lists is what they load as.
    const discovered = p.models.length ? [] : [...new Set(obs.model.refs.filter((r) => r.providerId === p.id && r.modelId).map((r) => r.modelId))];
    const small = [
      ...used.map((r) => loadedFor(state, r)),
      ...discovered.map((id) => serverModel(state, id)?.loaded),
    ]
      .filter((l): l is LoadedModel => l?.loadedContextLength !== undefined && l.loadedContextLength < FIRST_TURN_TOKENS)
      .map((loaded) => ({ loaded }));
    const inUse = used.length > 0 || discovered.length > 0;
    const smallWords = small.length ? ` ${small.map((x) => `${x.loaded.identifier} is loaded at ${fmt(x.loaded.loadedContextLength)}`).join(', ')}, below OpenClaw's first turn (~${fmt(FIRST_TURN_TOKENS)} tokens): the first dispatch overflows.` : '';
    const severity = small.length ? 'error' : 'warning';
    if (inUse && p.id !== 'lmstudio') {
      const providers = child(child(obs.config.root, 'models'), 'providers');
      const m = providers?.kind === 'object' ? providers.members.find((x) => x.key === p.id) : undefined;
      if (m) {
        yield finding(
          severity,
          `LM Studio loads these models at its own default context: the provider is not named "lmstudio".` +
            ` Provider "${p.id}" points at LM Studio, but OpenClaw preloads models at their registered context only under the bundled provider id "lmstudio". Here LM Studio loads each model just in time at its own default context, whatever contextWindow says.${smallWords} Rename the provider to "lmstudio".`,
          atKey(m, ['models', 'providers']),
          [renameProviderFix(obs, p, true)],
        );
      }
    } else if (inUse && !p.preload) {
      const pre = child(child(p.node, 'params'), 'preload')!;
      const params = child(p.node, 'params');
      const member = params?.kind === 'object' ? params.members.find((x) => x.key === 'preload') : undefined;
      yield finding(
        severity,
        `params.preload is false: LM Studio loads these models at its own default context.` +
          ` OpenClaw does not load LM Studio models at their registered context, so LM Studio loads them just in time at its own default.${smallWords} Remove params.preload.`,
        atNode(pre),
        params?.kind === 'object' && member ? [editFix('Remove params.preload (preload on)', true, () => [removeMember(params.doc, params, member)])] : [],
      );
    }
    // Two loaded instances of one model at different contexts: requests may land on either.
    if (!state || state.status !== 'ok') continue;
    const byKey = new Map<string, LoadedModel[]>();
    for (const l of state.loaded) byKey.set(l.modelKey, [...(byKey.get(l.modelKey) ?? []), l]);
    for (const [modelKey, instances] of byKey) {
      const contexts = new Set(instances.map((i) => i.loadedContextLength));
      if (instances.length < 2 || contexts.size < 2) continue;
      const row = p.models.find((r) => r.id === modelKey || instances.some((i) => i.identifier === r.id));
      if (!row?.id) continue;
      const want = effectiveContext(row, obs.version, obs.model.legacyContextTokens).tokens;
      const keep = instances.find((i) => i.loadedContextLength === want) ?? instances.find((i) => i.identifier === modelKey) ?? instances[0]!;
      const extra = instances.filter((i) => i !== keep);
      yield finding(
        extra.some((i) => (i.loadedContextLength ?? Infinity) < FIRST_TURN_TOKENS) ? 'error' : 'warning',
        `LM Studio holds ${instances.length} instances of this model: memory is spent twice, requests may hit the smaller.` +
          ` ${p.id}/${row.id}: ${modelKey} is loaded at different contexts (${instances.map((i) => `${i.identifier} ${fmt(i.loadedContextLength)}`).join(', ')}). OpenClaw's preload loads a second instance when the first holds less than the registered context. Unload ${extra.map((i) => i.identifier).join(', ')}.`,
        atNode(row.node.members.find((m) => m.key === 'id')!.value),
        [actionFix(`Unload ${extra.map((i) => i.identifier).join(', ')} in LM Studio`, true, extra.map((i) => ({ kind: 'unload' as const, runtime: 'lmstudio' as const, baseUrl: state.baseUrl, identifier: i.identifier })))],
      );
    }
  }
});
