import { docsAnchor, type EditPlan, type Finding, type Fix, type RuleId, type ServerAction, type Severity } from '../findings.js';
import { EditDeclined, type DocEdits } from '../openclaw/edit.js';
import type { ConfigDocument, JsonNode, JsonPath, MemberNode } from '../openclaw/document.js';
import type { Observation } from '../observation.js';
import type { Span, TextEdit } from '../text.js';

/**
 * One rule: everything the registry, `local-ai-lab rules`, the README's rule table, the docs links and the
 * staleness marks know about it, beside the function that judges. The rule id type and the lists are derived
 * from these objects (registry.ts), so a rule is added in one place.
 */
export interface Rule<Id extends string = string> {
  readonly id: Id;
  /** The severities its findings can have, as the README's table and `local-ai-lab rules` show them. */
  readonly severity: Severity | `${Severity}/${Severity}`;
  /** One line for `local-ai-lab rules` and the README's table; the README section has the full story. */
  readonly summary: string;
  /**
   * 'servers': its findings state what a model server reported (what is loaded, at what context, what the model
   * can do), so while that server is down they are kept from its last answer and marked "as of". 'config': it judges
   * the file and the release; a server at most identifies a route or sizes a fix (runtime-unreachable, which reports
   * the server's silence itself, is never "as of").
   */
  readonly reads: 'config' | 'servers';
  /** The README anchor its diagnostics link to. */
  readonly anchor: string;
  readonly check: (obs: Observation) => Finding[];
}

/** A finding as a rule's judging function gives it; the rule object adds its own id. */
export type Draft = Omit<Finding, 'rule'>;

/**
 * A rule from what it is and how it judges (a generator, or a function that returns its few findings). The id is
 * a RuleId because RuleId is read off the registry's rules (registry.ts); constraining Id to it here would be circular.
 */
export function defineRule<const Id extends string>(meta: Omit<Rule<Id>, 'anchor' | 'check'>, judge: (obs: Observation) => Iterable<Draft>): Rule<Id> {
  return { ...meta, anchor: docsAnchor(meta.id), check: (obs) => Array.from(judge(obs), (d) => ({ rule: meta.id as RuleId, ...d })) };
}

export function finding(severity: Severity, message: string, at: { doc: ConfigDocument; span: Span; path: JsonPath }, fixes: Fix[] = []): Draft {
  return { severity, message, file: at.doc.file, path: at.path, span: at.span, range: at.doc.index.rangeOf(at.span), fixes };
}

/** Where a value node sits, for a finding. */
export function atNode(node: JsonNode): { doc: ConfigDocument; span: Span; path: JsonPath } {
  return { doc: node.doc, span: node.span, path: node.path };
}

/** Where a member's key sits (better than the value for "this key must go"). */
export function atKey(m: MemberNode, parentPath: JsonPath): { doc: ConfigDocument; span: Span; path: JsonPath } {
  return { doc: m.doc, span: m.keySpan, path: [...parentPath, m.key] };
}

/**
 * Where an object sits, for a finding about the object as a whole: the key that names it (`compaction`), not the
 * whole block, whose squiggle would start every hover inside it. Its first line when no key names it.
 */
export function atObjectKey(root: JsonNode | undefined, node: JsonNode): { doc: ConfigDocument; span: Span; path: JsonPath } {
  const parent = node.path.slice(0, -1).reduce<JsonNode | undefined>((n, k) => (n?.kind === 'object' ? n.members.find((m) => m.key === k)?.value : n?.kind === 'array' ? n.items[Number(k)] : undefined), root);
  const m = parent?.kind === 'object' ? [...parent.members].reverse().find((x) => x.value === node) : undefined;
  if (m) return atKey(m, parent!.path);
  const nl = node.doc.text.indexOf('\n', node.span[0]);
  return { doc: node.doc, span: [node.span[0], nl < 0 || nl > node.span[1] ? node.span[1] : nl], path: node.path };
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

/**
 * A fix that removes a member: the removed text (comments included) rides on the fix, so the quick fix, Fix All and
 * `fix` keep it in the side file as Make Config Valid does.
 */
export function removalFix(title: string, preferred: boolean, reason: string, path: JsonPath, make: () => (DocEdits & { removedText?: string })[]): Fix {
  let removed: string | undefined;
  const fx = editFix(title, preferred, () => {
    const all = make();
    removed = [...all].reverse().find((d) => d.removedText !== undefined)?.removedText;
    return all;
  });
  return fx.plan && removed !== undefined ? { ...fx, removes: [{ path: path.join('.'), reason, text: removed }] } : fx;
}

export function actionFix(title: string, preferred: boolean, actions: ServerAction[]): Fix {
  return { title, preferred, plan: { edits: [], actions } };
}

export { fmt } from '../format.js';
