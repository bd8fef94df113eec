import fs from 'node:fs';
import path from 'node:path';
import { validateConfig, type RunOptions, type ValidationResult } from '../openclaw/cli.js';
import { parseDocument, type JsonNode } from '../openclaw/document.js';
import { includeRootsFrom } from '../read.js';
import type { TextEdit } from '../text.js';
import { privateTemp } from '../openclaw/repair.js';
import { applyEdits } from '../text.js';

/** Relative `$include` paths made absolute against the real config folder, so a copy elsewhere reads the same files. */
function anchorIncludes(text: string, configDir: string): string {
  const doc = parseDocument('copy.json5', text);
  if (doc.error || !doc.root) return text;
  const edits: TextEdit[] = [];
  const anchor = (n: JsonNode) => {
    if (n.kind === 'string' && typeof n.value === 'string' && !path.isAbsolute(n.value)) edits.push({ span: n.span, newText: JSON.stringify(path.resolve(configDir, n.value)) });
    if (n.kind === 'array') n.items.forEach(anchor);
  };
  const walk = (n: JsonNode) => {
    if (n.kind === 'object') for (const m of n.members) (m.key === '$include' ? anchor : walk)(m.value);
    else if (n.kind === 'array') n.items.forEach(walk);
  };
  walk(doc.root);
  return edits.length ? applyEdits(text, edits) : text;
}

/**
 * Validates `text` as the config with the installed OpenClaw. The copy lives in a private temp folder —
 * never beside the config, where a killed run used to leave it — with `$include`s anchored to the real
 * folder and that folder allowed through OPENCLAW_INCLUDE_ROOTS, so they resolve as they would in place.
 */
export function validatorFor(exe: string, configPath: string, opts: RunOptions): (text: string) => Promise<ValidationResult> {
  const configDir = path.dirname(path.resolve(configPath));
  return async (text) => {
    const dir = privateTemp('validate');
    const copy = path.join(dir, path.basename(configPath));
    try {
      fs.writeFileSync(copy, anchorIncludes(text, configDir), { mode: 0o600 });
      const roots = [configDir, ...includeRootsFrom(opts.env ?? process.env)].join(path.delimiter);
      return await validateConfig(exe, copy, { ...opts, env: { ...opts.env, OPENCLAW_INCLUDE_ROOTS: roots } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}
