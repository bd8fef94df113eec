import { BEHAVIOUR } from '../openclaw/knowledge.js';
import { replaceValue, setMember, setPath } from '../openclaw/edit.js';
import { atLeast, formatVersion } from '../openclaw/version.js';
import { serverName } from '../servers/models.js';
import { renameProviderFix } from './lmstudio.js';
import { allRows, compatFlag, hostOf, refsTo, serverModel } from './transport.js';
import { atNode, editFix, finding, defineRule } from './util.js';

/**
 * The server says the model cannot call tools (Ollama `/api/show` capabilities without "tools"; LM Studio
 * `trained_for_tool_use` / `trainedForToolUse` false) while an agent uses it and the row does not say
 * compat.supportsTools: false. OpenClaw then sends its tool schemas on every turn: Ollama rejects the request
 * ("does not support tools"), LM Studio answers but the model never calls them properly. compat.supportsTools
 * false is what stops them (dist model-tool-support-*.mjs).
 */
export const modelLacksTools = defineRule({ id: 'model-lacks-tools', severity: 'error/warning', reads: 'servers', summary: 'the server says the model cannot call tools, and an agent uses it with tools' }, function* (obs) {
  for (const t of allRows(obs.model)) {
    const refs = refsTo(obs.model, t, true);
    if (!refs.length) continue;
    const state = obs.runtimes.get(t.provider.id);
    if (!state || (state.kind !== 'ollama' && state.kind !== 'lmstudio')) continue;
    const sm = serverModel(state, t.row.id);
    if (sm?.capabilities.tools !== false) continue;
    if (compatFlag(t.row, 'supportsTools') === false) continue;
    const ollama = state.kind === 'ollama';
    const who = [...new Set(refs.map((r) => (r.agentId ? `agent ${r.agentId}` : r.role)))].join(', ');
    const row = t.row.node;
    yield finding(
      ollama ? 'error' : 'warning',
      (ollama ? 'This model cannot call tools, and Ollama rejects requests with tools: every dispatch fails.' : 'This model cannot call tools: its tool calls come back as plain text or not at all.') +
        ` ${t.ref} (${who}): ${serverName(state)} says so${ollama ? ' (/api/show capabilities has no "tools"; it answers "does not support tools")' : ' (not trained for tool use)'}, but OpenClaw sends it its tool schemas on every turn.` +
        ' Set compat.supportsTools: false on the row, or use a model that calls tools.',
      atNode(row.members.find((m) => m.key === 'id')!.value),
      [editFix('Set compat.supportsTools: false on the row', true, () => [setPath(row.doc, row, ['compat', 'supportsTools'], false)])],
    );
  }
});

/**
 * The row's `reasoning` (default false) against what the server says of thinking: Ollama's "thinking"
 * capability (both ways), LM Studio's `capabilities.reasoning` (only from 0.4.8, so only its presence counts).
 * Native Ollama forwards `think` only when reasoning is not false (dist stream-compat-*.mjs
 * shouldForwardNativeOllamaThink), and OpenClaw plans thinking levels and output from `reasoning`. Warning.
 */
export const reasoningMismatch = defineRule({ id: 'reasoning-mismatch', severity: 'warning', reads: 'servers', summary: "the row's reasoning setting disagrees with the server's thinking capability" }, function* (obs) {
  for (const t of allRows(obs.model)) {
    const state = obs.runtimes.get(t.provider.id);
    if (!state || (state.kind !== 'ollama' && state.kind !== 'lmstudio')) continue;
    const thinks = serverModel(state, t.row.id)?.capabilities.thinking;
    if (thinks === undefined) continue;
    if (state.kind === 'lmstudio' && !thinks) continue; // absence of capabilities.reasoning proves nothing
    const node = t.row.node.members.find((m) => m.key === 'reasoning')?.value;
    const written = node?.kind === 'boolean' ? (node.value as boolean) : false;
    if (written === thinks) continue;
    const row = t.row.node;
    const server = serverName(state);
    yield finding(
      'warning',
      thinks
        ? `This model thinks, but reasoning is ${node ? 'false' : 'unset'}: its thinking is neither budgeted nor kept apart.` +
          ` ${t.ref}: ${server} says it thinks, and the row says reasoning ${node ? 'false' : 'is unset (false)'}. OpenClaw neither controls nor budgets its thinking: it thinks anyway, and its reasoning lands in the answer or is dropped. Set reasoning: true.`
        : `reasoning is true, but this model does not think: OpenClaw asks for thinking it cannot get.` +
          ` ${t.ref}: ${server} says it does not think${state.kind === 'ollama' ? ' (Ollama rejects think for such models)' : ''}. Set reasoning: false.`,
      atNode(node ?? row.members.find((m) => m.key === 'id')!.value),
      [editFix(`Set reasoning to ${thinks}`, true, () => [node ? replaceValue(node.doc, node, thinks) : setMember(row.doc, row, 'reasoning', thinks)])],
    );
  }
});

/**
 * gpt-oss speaks Harmony; OpenClaw parses its tool calls from 2026.5.12, and then only under the bundled
 * provider id `lmstudio` (2026.5.7 lacks the parser; npm has no 2026.5.8–5.11; reference openclaw.md §13).
 * Before 2026.5.12 every route is affected; from it, an LM Studio server under another provider id still is.
 * Warning. Fixes: upgrade OpenClaw; use the bundled provider id `lmstudio`.
 */
export const harmonyToolCalls = defineRule({ id: 'harmony-tool-calls', severity: 'warning', reads: 'config', summary: "a gpt-oss model on an OpenClaw release without the Harmony tool-call parser" }, function* (obs) {
  const fixed = atLeast(obs.version, BEHAVIOUR.harmonyToolCalls);
  for (const t of allRows(obs.model)) {
    if (!/gpt-oss/i.test(t.row.id ?? '')) continue;
    if (!refsTo(obs.model, t, true).length) continue;
    const lmStudio = obs.runtimes.get(t.provider.id)?.kind === 'lmstudio' || (!obs.runtimes.get(t.provider.id)?.kind && hostOf(t.baseUrl)?.port === '1234');
    if (fixed && (t.provider.id === 'lmstudio' || !lmStudio)) continue;
    const at = atNode(t.row.node.members.find((m) => m.key === 'id')!.value);
    const rename = lmStudio && t.provider.id !== 'lmstudio' ? [renameProviderFix(obs, t.provider, fixed)] : [];
    yield finding(
      'warning',
      fixed
        ? `gpt-oss tool calls arrive as text and never run: its provider is not named "lmstudio".` +
          ` ${t.ref}: gpt-oss tool calls come in Harmony format, which OpenClaw ${formatVersion(obs.version)} parses only under the bundled provider id "lmstudio", not under "${t.provider.id}". Rename the provider to lmstudio.`
        : `gpt-oss tool calls arrive as text and never run: this OpenClaw cannot parse them.` +
          ` ${t.ref}: gpt-oss tool calls come in Harmony format, which OpenClaw parses only from 2026.5.12 (this is ${formatVersion(obs.version)}). Upgrade OpenClaw${lmStudio ? ', and use the bundled provider id "lmstudio"' : ''}.`,
      at,
      [
        ...rename,
        ...(fixed ? [] : [{ title: 'Upgrade OpenClaw to 2026.5.12 or later', preferred: false, declined: 'Local AI Lab does not install OpenClaw: run npm install -g openclaw@latest (or your package manager), then check again.' }]),
      ],
    );
  }
});
