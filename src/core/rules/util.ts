import type { EditPlan, Finding, Fix, RuleId, RuntimeAction, Severity } from '../findings.js';
import { EditDeclined, type DocEdits } from '../openclaw/edit.js';
import type { ConfigDocument, JsonNode, JsonPath, MemberNode } from '../openclaw/document.js';
import type { ModelRow } from '../openclaw/model.js';
import type { Observation } from '../observation.js';
import type { DownloadedModel, LoadedModel, RuntimeState } from '../runtimes/types.js';
import type { Span, TextEdit } from '../text.js';

export interface Rule {
  readonly id: RuleId;
  readonly check: (obs: Observation) => Finding[];
}

export function finding(
  rule: RuleId,
  severity: Severity,
  message: string,
  at: { doc: ConfigDocument; span: Span; path: JsonPath },
  fixes: Fix[] = [],
): Finding {
  return { rule, severity, message, file: at.doc.file, path: at.path, span: at.span, range: at.doc.index.rangeOf(at.span), fixes };
}

/** Where a value node sits, for a finding. */
export function atNode(node: JsonNode): { doc: ConfigDocument; span: Span; path: JsonPath } {
  return { doc: node.doc, span: node.span, path: node.path };
}

/** Where a member's key sits (better than the value for "this key must go"). */
export function atKey(m: MemberNode, parentPath: JsonPath): { doc: ConfigDocument; span: Span; path: JsonPath } {
  return { doc: m.doc, span: m.keySpan, path: [...parentPath, m.key] };
}

/** Build a fix from edit functions; an EditDeclined becomes a declined fix with its reason. */
export function editFix(title: string, preferred: boolean, make: () => DocEdits[], actions: RuntimeAction[] = []): Fix {
  try {
    const docEdits = make();
    // Several edits to one file become one FileEdits, so an executor applies them together.
    const byFile = new Map<string, TextEdit[]>();
    for (const d of docEdits) byFile.set(d.doc.file, [...(byFile.get(d.doc.file) ?? []), ...d.edits]);
    const plan: EditPlan = { edits: [...byFile].map(([file, edits]) => ({ file, edits })), actions };
    return { title, preferred, plan };
  } catch (err) {
    if (err instanceof EditDeclined) return { title, preferred: false, declined: err.message };
    throw err;
  }
}

export function actionFix(title: string, preferred: boolean, actions: RuntimeAction[]): Fix {
  return { title, preferred, plan: { edits: [], actions } };
}

/** "A model row matches a loaded or downloaded model when its id equals that model's identifier or modelKey." */
export function loadedFor(state: RuntimeState | undefined, row: ModelRow | { id?: string }): LoadedModel | undefined {
  if (!state || state.status !== 'ok' || !row.id) return undefined;
  return state.loaded.find((m) => m.identifier === row.id) ?? state.loaded.find((m) => m.modelKey === row.id);
}

export function downloadedFor(state: RuntimeState | undefined, id: string | undefined): DownloadedModel | undefined {
  if (!state || !id) return undefined;
  return state.downloaded?.find((m) => m.modelKey === id);
}

/** The model's maximum context, from whatever the server told us. */
export function maxContextFor(state: RuntimeState | undefined, id: string | undefined): number | undefined {
  if (!id) return undefined;
  return loadedFor(state, { id })?.maxContextLength ?? downloadedFor(state, id)?.maxContextLength;
}

export { fmt } from '../format.js';

export function serverName(state: RuntimeState): string {
  switch (state.kind) {
    case 'lmstudio':
      return 'LM Studio';
    case 'ollama':
      return 'Ollama';
    case 'llamacpp':
      return 'llama-server';
    case 'vllm':
      return 'vLLM';
    case 'mlx':
      return 'mlx_lm.server';
    default:
      return 'the server';
  }
}

/** How to change the loaded context on servers we cannot drive ourselves. */
export function reloadInstruction(state: RuntimeState, modelId: string, context: number): RuntimeAction | undefined {
  switch (state.kind) {
    case 'ollama':
      return { kind: 'instruct', runtime: 'ollama', text: `Set num_ctx ${context} for ${modelId} (params.num_ctx on the provider, OLLAMA_CONTEXT_LENGTH=${context}, or PARAMETER num_ctx ${context} in its Modelfile), then run it again.` };
    case 'llamacpp':
      return { kind: 'instruct', runtime: 'llamacpp', text: `Restart llama-server with -c ${context} (per slot; multiply by -np without --kv-unified).` };
    case 'vllm':
      return { kind: 'instruct', runtime: 'vllm', text: `Restart vLLM with --max-model-len ${context}.` };
    default:
      return undefined;
  }
}
