import type { EditPlan, Finding, Fix, RuleId, ServerAction, Severity } from '../findings.js';
import { EditDeclined, type DocEdits } from '../openclaw/edit.js';
import type { ConfigDocument, JsonNode, JsonPath, MemberNode } from '../openclaw/document.js';
import type { Observation } from '../observation.js';
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
export function editFix(title: string, preferred: boolean, make: () => DocEdits[], actions: ServerAction[] = []): Fix {
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

export function actionFix(title: string, preferred: boolean, actions: ServerAction[]): Fix {
  return { title, preferred, plan: { edits: [], actions } };
}

export { fmt } from '../format.js';
