import { diffChars } from 'diff';
import { encodeText, type TextEncodingName } from '../openclaw/document.js';
import type { TextEdit } from '../text.js';

/**
 * Text that knows where each of its characters came from in the file's bytes, so an edit can replace
 * exactly the bytes of its span and leave every other byte alone — including bytes that are not valid
 * UTF-8 (a Latin-1 comment), which a decode/encode round trip would turn into U+FFFD.
 */
export interface MappedText {
  readonly text: string;
  readonly encoding: TextEncodingName;
  /** byteAt[i]: the byte offset where UTF-16 unit i starts; byteAt[text.length] = bytes.length. */
  readonly byteAt: Uint32Array;
  /** Text offsets of U+FFFD that stand for invalid bytes (not a real U+FFFD in the file). */
  readonly invalidAt: readonly number[];
}

/** Decodes like TextDecoder (WHATWG UTF-8, replacement per maximal subpart) while recording byte offsets. */
function decodeUtf8(bytes: Uint8Array, start: number): { text: string; byteAt: number[]; invalidAt: number[] } {
  const units: number[] = [];
  const byteAt: number[] = [];
  const invalidAt: number[] = [];
  let i = start;
  const bad = (at: number) => {
    invalidAt.push(units.length);
    byteAt.push(at);
    units.push(0xfffd);
  };
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      byteAt.push(i);
      units.push(b);
      i++;
      continue;
    }
    let need = 0;
    let lower = 0x80;
    let upper = 0xbf;
    let cp = 0;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
      need = 2;
      cp = b & 0xf;
    } else if (b >= 0xf0 && b <= 0xf4) {
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
      need = 3;
      cp = b & 0x7;
    } else {
      bad(i);
      i++;
      continue;
    }
    const at = i;
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < need; k++, j++) {
      const c = bytes[j];
      if (c === undefined || c < lower || c > upper) {
        ok = false;
        break;
      }
      lower = 0x80;
      upper = 0xbf;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (!ok) {
      // The maximal subpart (lead plus the valid continuation bytes seen) becomes one U+FFFD.
      bad(at);
      i = j;
      continue;
    }
    if (cp >= 0x10000) {
      const v = cp - 0x10000;
      byteAt.push(at, at);
      units.push(0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
    } else {
      byteAt.push(at);
      units.push(cp);
    }
    i = j;
  }
  let text = '';
  for (let k = 0; k < units.length; k += 8192) text += String.fromCharCode(...units.slice(k, k + 8192));
  return { text, byteAt, invalidAt };
}

export function mapText(bytes: Uint8Array): MappedText {
  let encoding: TextEncodingName = 'utf8';
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    encoding = 'utf8bom';
    start = 3;
  } else if (bytes[0] === 0xff && bytes[1] === 0xfe) encoding = 'utf16le';
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) encoding = 'utf16be';
  if (encoding === 'utf16le' || encoding === 'utf16be') {
    const text = new TextDecoder(encoding === 'utf16le' ? 'utf-16le' : 'utf-16be').decode(bytes.subarray(2));
    const byteAt = new Uint32Array(text.length + 1);
    for (let k = 0; k < text.length; k++) byteAt[k] = Math.min(2 + 2 * k, bytes.length);
    byteAt[text.length] = bytes.length;
    return { text, encoding, byteAt, invalidAt: [] };
  }
  const d = decodeUtf8(bytes, start);
  const byteAt = new Uint32Array(d.text.length + 1);
  byteAt.set(d.byteAt);
  byteAt[d.text.length] = bytes.length;
  return { text: d.text, encoding, byteAt, invalidAt: d.invalidAt };
}

export class EditRefused extends Error {}

/** The dominant line ending, so inserted lines match the file's (a CRLF file stays CRLF). */
export function lineEnding(text: string): '\n' | '\r\n' {
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length - crlf;
  return crlf > lf ? '\r\n' : '\n';
}

function encodeInserted(text: string, encoding: TextEncodingName): Uint8Array {
  // encodeText adds a BOM for utf8bom/utf16: inserted text is mid-file, so strip it.
  const withBom = encodeText(text, encoding);
  const bom = encoding === 'utf8bom' ? 3 : encoding === 'utf16le' || encoding === 'utf16be' ? 2 : 0;
  return withBom.subarray(bom);
}

/**
 * Applies text edits to the bytes they were computed on: each span's bytes are replaced by its new
 * text in the file's encoding, with the file's line ending; every byte outside the spans is kept as it
 * was. Refuses an edit that would rewrite bytes that are not valid UTF-8.
 */
export function spliceBytes(bytes: Uint8Array, mapped: MappedText, edits: readonly TextEdit[]): { bytes: Uint8Array; text: string } {
  const eol = lineEnding(mapped.text);
  const sorted = [...edits].sort((a, b) => a.span[0] - b.span[0] || a.span[1] - b.span[1]);
  const parts: Uint8Array[] = [];
  let textOut = '';
  let pos = 0;
  let bytePos = 0;
  for (const e of sorted) {
    const [s, t] = e.span;
    if (s < pos || t < s || t > mapped.text.length) throw new EditRefused('internal: overlapping or out-of-range edits; nothing was written');
    const invalid = mapped.invalidAt.find((k) => k >= s && k < t);
    if (invalid !== undefined) {
      const line = mapped.text.slice(0, invalid).split('\n').length;
      throw new EditRefused(`the change would rewrite bytes that are not UTF-8 (line ${line}); nothing was written. Save the file as UTF-8 first.`);
    }
    // A lone LF right after a kept CR already completes a CRLF.
    const newText = eol === '\r\n' ? e.newText.replace(/\r?\n/g, (m, off: number) => (off === 0 && m === '\n' && mapped.text[s - 1] === '\r' ? m : '\r\n')) : e.newText;
    parts.push(bytes.subarray(bytePos, mapped.byteAt[s]!), encodeInserted(newText, mapped.encoding));
    textOut += mapped.text.slice(pos, s) + newText;
    pos = t;
    bytePos = mapped.byteAt[t]!;
  }
  parts.push(bytes.subarray(bytePos));
  textOut += mapped.text.slice(pos);
  return { bytes: Buffer.concat(parts), text: textOut };
}

/** Edits that turn `before` into `after`: unchanged runs stay unchanged, so their bytes are kept. */
export function editsBetween(before: string, after: string): TextEdit[] {
  let p = 0;
  while (p < before.length && p < after.length && before[p] === after[p]) p++;
  let a = before.length;
  let b = after.length;
  while (a > p && b > p && before[a - 1] === after[b - 1]) {
    a--;
    b--;
  }
  if (a === p && b === p) return [];
  const midBefore = before.slice(p, a);
  const midAfter = after.slice(p, b);
  // A character diff of the changed middle keeps untouched bytes between far-apart edits; past a size
  // where it would be slow, one replacement of the middle is still correct, just less minimal.
  if (midBefore.length + midAfter.length > 400_000) return [{ span: [p, a], newText: midAfter }];
  const edits: TextEdit[] = [];
  let at = p;
  let pending: { start: number; end: number; text: string } | undefined;
  for (const part of diffChars(midBefore, midAfter)) {
    if (part.added) {
      pending = pending ?? { start: at, end: at, text: '' };
      pending.text += part.value;
    } else if (part.removed) {
      pending = pending ?? { start: at, end: at, text: '' };
      at += part.value.length;
      pending.end = at;
    } else {
      if (pending) edits.push({ span: [pending.start, pending.end], newText: pending.text });
      pending = undefined;
      at += part.value.length;
    }
  }
  if (pending) edits.push({ span: [pending.start, pending.end], newText: pending.text });
  return edits;
}
