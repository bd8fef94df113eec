import type { ConfigDocument, JsonNode } from './document.js';
import { child, member, toValue } from './document.js';
import { decisionFor, decisionText } from '../migrate/decisions.js';
import type { ValidatorIssue } from './cli.js';
import type { Span } from '../text.js';

export interface PlacedIssue {
  readonly issue: ValidatorIssue;
  readonly doc: ConfigDocument;
  readonly span: Span;
  /** Keys named by "Unrecognized key(s)" messages, in order. */
  readonly keys: readonly string[];
}

/** `Unrecognized key: "a"` / `Unrecognized keys: "a", "b"` → ["a", "b"]. */
export function unrecognizedKeys(message: string): string[] {
  if (!/^Unrecognized keys?:/.test(message)) return [];
  return [...message.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
}

/**
 * Puts a validator issue at the right range: the unrecognized key itself, else the deepest node the
 * dotted path reaches (`agents.entries.<id>` is found in a legacy `agents.list` too). One issue naming
 * several keys becomes one placement per key.
 */
export function placeIssue(root: JsonNode | undefined, mainDoc: ConfigDocument, issue: ValidatorIssue): PlacedIssue[] {
  const segs = issue.path === '<root>' || issue.path === '' ? [] : issue.path.split('.');
  let reached: JsonNode | undefined = root;
  /** Key span of `reached` when it was reached through an object member. */
  let reachedKey: Span | undefined;
  for (let i = 0; i < segs.length && reached; i++) {
    const seg = segs[i]!;
    if (reached.kind === 'array' && /^\d+$/.test(seg)) {
      const next = reached.items[Number(seg)];
      if (!next) break;
      reached = next;
      reachedKey = undefined;
      continue;
    }
    const m = member(reached, seg);
    if (m) {
      reached = m.value;
      reachedKey = m.keySpan;
      continue;
    }
    if (i === 1 && segs[0] === 'agents' && seg === 'entries') {
      // Reported against the migrated shape; the file still holds agents.list.
      const list = child(reached, 'list');
      const listKey = member(reached, 'list')?.keySpan;
      const item = list?.kind === 'array' ? list.items.find((it) => { const id = child(it, 'id'); return id?.kind === 'string' && id.value === segs[2]; }) : undefined;
      if (item) {
        reached = item;
        reachedKey = undefined;
        i++;
        continue;
      }
      if (list) {
        reached = list;
        reachedKey = listKey;
      }
    }
    break;
  }
  const keys = unrecognizedKeys(issue.message);
  const target = reached ?? root;
  if (!target) return [{ issue, doc: mainDoc, span: [0, Math.min(1, mainDoc.text.length)], keys }];
  if (keys.length > 0 && target.kind === 'object') {
    const out: PlacedIssue[] = [];
    for (const k of keys) {
      const m = member(target, k);
      if (m) out.push({ issue, doc: m.doc, span: m.keySpan, keys: [k] });
    }
    if (out.length) return out;
  }
  // Scalars: the value. Objects and arrays: the key that names them, else their first line.
  let span: Span;
  if (target.kind !== 'object' && target.kind !== 'array') span = target.span;
  else if (reachedKey && target === reached) span = reachedKey;
  else {
    const nl = target.doc.text.indexOf('\n', target.span[0]);
    span = [target.span[0], nl < 0 || nl > target.span[1] ? target.span[1] : nl];
  }
  return [{ issue, doc: target.doc, span, keys }];
}

/** A validator issue where it belongs, ready for a presenter (the Problems panel, `check`). */
export interface ValidatorFinding {
  readonly file: string;
  readonly range: import('../text.js').Range;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly path: string;
}

/**
 * OpenClaw's own issues beside our findings, as every presenter shows them: placed at their ranges; where
 * one speaks of the same key at the same range as one of our `retired-key` findings, it is not shown twice
 * but attached to ours (`related`, by our finding's index), OpenClaw's words kept.
 */
export function besideFindings(
  ours: readonly { rule: string; file: string; range: import('../text.js').Range }[],
  root: JsonNode | undefined,
  doc: ConfigDocument,
  validation: import('./cli.js').ValidationResult,
): { issues: ValidatorFinding[]; related: Map<number, string[]> } {
  const issues: ValidatorFinding[] = [];
  const related = new Map<number, string[]>();
  const same = (a: import('../text.js').Range, b: import('../text.js').Range) =>
    a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
  const tree = root && (validation.issues.length || validation.warnings.length) ? toValue(root) : undefined;
  const add = (issue: ValidatorIssue, severity: 'error' | 'warning') => {
    for (const p of placeIssue(root, doc, issue)) {
      const range = p.doc.index.rangeOf(p.span);
      // What a person must decide, where the rejection is one of the explained kinds: the same words as Make Config Valid's.
      const decision = decisionFor(issue, tree);
      const message = `${issue.message}${issue.path !== '<root>' ? ` (${issue.path})` : ''}${decision ? ` — ${decisionText(decision)}` : ''}`;
      const i = ours.findIndex((f) => f.rule === 'retired-key' && f.file === p.doc.file && same(f.range, range));
      if (i >= 0) related.set(i, [...(related.get(i) ?? []), message]);
      else issues.push({ file: p.doc.file, range, severity, message, path: issue.path });
    }
  };
  for (const i of validation.issues) add(i, 'error');
  for (const w of validation.warnings) add(w, 'warning');
  return { issues, related };
}

/**
 * OpenClaw's verdict as the editor shows it. While OpenClaw judges newer bytes, its last issues stay, marked as
 * being checked again, until the new verdict replaces them: dropping them meanwhile made a fix look as if it had
 * cleared more than it did (3 → 1 → 2 errors).
 */
export function shownValidation(
  validation: import('./cli.js').ValidationResult | undefined,
  validatedHash: string | undefined,
  diskHash: string | undefined,
): { validation?: import('./cli.js').ValidationResult; checking: boolean } {
  if (!validation) return { checking: false };
  return { validation, checking: validatedHash !== diskHash };
}

/** How an issue kept from the last verdict reads while OpenClaw checks the file again. */
export const CHECKING_MARK = ' (OpenClaw is checking the saved file again)';
