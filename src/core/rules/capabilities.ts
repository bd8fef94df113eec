import type { Finding } from '../findings.js';
import { setPath } from '../openclaw/edit.js';
import { serverName } from '../servers/models.js';
import { allRows, compatFlag, refsTo, serverModel } from './transport.js';
import { atNode, editFix, finding, type Rule } from './util.js';

/**
 * The server says the model cannot call tools (Ollama `/api/show` capabilities without "tools"; LM Studio
 * `trained_for_tool_use` / `trainedForToolUse` false) while an agent uses it and the row does not say
 * compat.supportsTools: false. OpenClaw then sends its tool schemas on every turn: Ollama rejects the request
 * ("does not support tools"), LM Studio answers but the model never calls them properly. compat.supportsTools
 * false is what stops them (dist model-tool-support-*.mjs).
 */
export const modelLacksTools: Rule = {
  id: 'model-lacks-tools',
  check(obs) {
    const out: Finding[] = [];
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
      out.push(
        finding(
          'model-lacks-tools',
          ollama ? 'error' : 'warning',
          `${t.ref} (${who}): ${serverName(state)} says this model cannot call tools${ollama ? ' (/api/show capabilities has no "tools")' : ' (not trained for tool use)'}, but OpenClaw sends it its tool schemas on every turn.` +
            (ollama ? ' Ollama rejects such requests ("does not support tools"), so every dispatch fails.' : ' Tool calls come back as plain text or not at all.') +
            ' Set compat.supportsTools: false on the row, or use a model that calls tools.',
          atNode(row.members.find((m) => m.key === 'id')!.value),
          [editFix('Set compat.supportsTools: false on the row', true, () => [setPath(row.doc, row, ['compat', 'supportsTools'], false)])],
        ),
      );
    }
    return out;
  },
};
