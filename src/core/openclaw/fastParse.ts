import type { Span } from '../text.js';
import type { ArrayNode, ConfigDocument, JsonNode, JsonPath, MemberNode, ObjectNode, ScalarNode } from './document.js';

/**
 * A parser for the plain shape almost every config has: objects, arrays, quoted strings without escapes, decimal
 * numbers, true/false/null, identifier keys, `//` and `/* *\/` comments, ASCII whitespace, trailing commas. It builds
 * our nodes straight from the text and gives up (undefined) at anything else — an escape, a hex number, Infinity,
 * Unicode whitespace or an identifier key outside ASCII, and every error — so momoa parses those and reports the
 * errors; what this parser accepts is valid JSON5 that momoa reads to the same tree. On a 50 KB file momoa's
 * tokens and AST, converted to our nodes, were a fifth of a `check` process.
 */
export function fastParse(text: string, doc: () => ConfigDocument, at: { offset: number; path: JsonPath } = { offset: 0, path: [] }): { root: JsonNode; comments: Span[] } | undefined {
  const n = text.length;
  const comments: Span[] = [];
  let i = 0;
  // A fragment of a larger text (`at`: where it starts and its value's path) gets the larger text's offsets.
  const o = at.offset;
  const GIVE_UP = {};

  const skip = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else if (c === 47) {
        const d = text.charCodeAt(i + 1);
        if (d === 47) {
          let j = i + 2;
          while (j < n && text.charCodeAt(j) !== 10 && text.charCodeAt(j) !== 13) j++;
          comments.push([i + o, j + o]);
          i = j;
        } else if (d === 42) {
          const e = text.indexOf('*/', i + 2);
          if (e < 0) throw GIVE_UP;
          comments.push([i + o, e + 2 + o]);
          i = e + 2;
        } else throw GIVE_UP;
      } else if (c > 127) throw GIVE_UP; // Unicode whitespace and the BOM: momoa's to judge
      else return;
    }
  };
  const base = (span: Span, path: JsonPath) => ({ span: o ? ([span[0] + o, span[1] + o] as Span) : span, path, get doc() { return doc(); } });
  // A quoted string without escapes or line breaks; its end quote's index + 1.
  const stringEnd = (): number => {
    const q = text.charCodeAt(i);
    let j = i + 1;
    for (; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === q) return j + 1;
      if (c === 92 || c < 32 || c === 0x2028 || c === 0x2029) throw GIVE_UP;
    }
    throw GIVE_UP;
  };
  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const IDENT = /[A-Za-z_$][A-Za-z0-9_$]*/y;
  const WORD_END = /[A-Za-z0-9_$.\\\u0080-\uffff]/;

  const value = (path: JsonPath): JsonNode => {
    skip();
    const c = text.charCodeAt(i);
    const start = i;
    if (c === 123) {
      i++;
      const members: MemberNode[] = [];
      for (;;) {
        skip();
        if (text.charCodeAt(i) === 125) break;
        const k = text.charCodeAt(i);
        let key: string;
        let keyQuote: '"' | "'" | '' = '';
        const ks = i;
        if (k === 34 || k === 39) {
          i = stringEnd();
          key = text.slice(ks + 1, i - 1);
          keyQuote = k === 34 ? '"' : "'";
        } else {
          IDENT.lastIndex = i;
          const m = IDENT.exec(text);
          if (!m) throw GIVE_UP;
          i += m[0].length;
          if (WORD_END.test(text[i] ?? '')) throw GIVE_UP;
          key = m[0];
        }
        const keySpan: Span = [ks + o, i + o];
        skip();
        if (text.charCodeAt(i) !== 58) throw GIVE_UP;
        i++;
        const v = value([...path, key]);
        members.push({ key, keySpan, keyQuote, value: v, get doc() { return doc(); } } as MemberNode);
        skip();
        const s = text.charCodeAt(i);
        if (s === 44) i++;
        else if (s === 125) break;
        else throw GIVE_UP;
      }
      i++;
      return Object.assign(base([start, i], path), { kind: 'object' as const, members }) as ObjectNode;
    }
    if (c === 91) {
      i++;
      const items: JsonNode[] = [];
      for (;;) {
        skip();
        if (text.charCodeAt(i) === 93) break;
        items.push(value([...path, items.length]));
        skip();
        const s = text.charCodeAt(i);
        if (s === 44) i++;
        else if (s === 93) break;
        else throw GIVE_UP;
      }
      i++;
      return Object.assign(base([start, i], path), { kind: 'array' as const, items }) as ArrayNode;
    }
    if (c === 34 || c === 39) {
      i = stringEnd();
      return Object.assign(base([start, i], path), { kind: 'string' as const, value: text.slice(start + 1, i - 1) }) as ScalarNode;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) throw GIVE_UP;
      i += m[0].length;
      if (WORD_END.test(text[i] ?? '')) throw GIVE_UP;
      return Object.assign(base([start, i], path), { kind: 'number' as const, value: Number(m[0]) }) as ScalarNode;
    }
    for (const [word, kind, v] of [['true', 'boolean', true], ['false', 'boolean', false], ['null', 'null', null]] as const) {
      if (text.startsWith(word, i) && !WORD_END.test(text[i + word.length] ?? '')) {
        i += word.length;
        return Object.assign(base([start, i], path), { kind, value: v }) as ScalarNode;
      }
    }
    throw GIVE_UP;
  };

  try {
    const root = value(at.path);
    skip();
    if (i !== n) return undefined;
    return { root, comments };
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}
