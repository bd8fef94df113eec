import * as z from 'zod/mini';
import { ProfileDefSchema, type ProfileDef } from './types.js';

/** darkmux v0.4 `profiles.json` (reference/darkmux.md §1). */
const DarkmuxSchema = z.looseObject({
  profiles: z.record(
    z.string(),
    z.looseObject({
      description: z.optional(z.string()),
      models: z.array(
        z.looseObject({
          id: z.string(),
          n_ctx: z.optional(z.int().check(z.positive())),
          role: z.optional(z.string()),
          identifier: z.optional(z.string()),
        }),
      ),
      runtime: z.optional(
        z.looseObject({
          contextTokens: z.optional(z.int().check(z.positive())),
          compaction: z.optional(z.record(z.string(), z.unknown())),
        }),
      ),
      use_when: z.optional(z.unknown()),
    }),
  ),
});

export interface DarkmuxImport {
  readonly profiles: ProfileDef[];
  /** What was dropped or changed, per profile, in words. */
  readonly notes: string[];
  /** Which registry shape was read: v0.4 (models with `role`) or HEAD's schema 1.x. */
  readonly schema?: '0.4' | string;
  /** Per darkmux profile (its own name; `(registry)` for top-level keys): the fields that have no place in ours. */
  readonly unmapped?: { readonly profile: string; readonly fields: string[] }[];
}

export class DarkmuxImportError extends Error {}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'imported';

/**
 * darkmux v0.4 profiles as Local AI Lab user profiles. Models are LM Studio keys, so references use
 * `lmStudioProvider` (the provider id that points at LM Studio in this config). Retired knobs
 * (maxHistoryShare, customInstructions) are dropped with a note.
 */
export function importDarkmux(json: unknown, lmStudioProvider = 'lmstudio'): DarkmuxImport {
  if (isHeadRegistry(json)) return importDarkmuxHead(json, lmStudioProvider);
  const parsed = DarkmuxSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new DarkmuxImportError(`not a darkmux profiles.json (v0.4 or schema 1.x): ${i.path.join('.') || 'file'}: ${i.message}`);
  }
  const profiles: ProfileDef[] = [];
  const notes: string[] = [];
  const unmapped: { profile: string; fields: string[] }[] = [];
  // Registry keys (hooks, default_profile, comments) have no place in a profile: listed, not dropped silently.
  const top = known(json as object, ['profiles'], '');
  if (top.length) {
    unmapped.push({ profile: '(registry)', fields: top });
    notes.push(`(registry): not mapped: ${top.join(', ')}`);
  }
  for (const [key, p] of Object.entries(parsed.data.profiles)) {
    const name = slug(key);
    const primaries = p.models.filter((m) => m.role === 'primary');
    if (primaries.length !== 1) {
      notes.push(`${key}: skipped — darkmux requires exactly one model with role "primary"`);
      unmapped.push({ profile: key, fields: ['(whole profile)'] });
      continue;
    }
    const primary = primaries[0]!;
    const compactor = p.models.find((m) => m.role === 'compactor');
    const raw = (json as { profiles: Record<string, object> }).profiles[key]!;
    const fields = known(raw, ['description', 'models', 'runtime', 'use_when'], '');
    p.models.forEach((m, i) => {
      if (m !== primary && m !== compactor) fields.push(`models[${i}] (${m.id}, role ${m.role ?? 'none'})`);
      else fields.push(...known(m, ['id', 'n_ctx', 'role'], `models[${i}].`));
    });
    if (p.runtime) fields.push(...known(p.runtime, ['contextTokens', 'compaction'], 'runtime.'));
    const c = p.runtime?.compaction ?? {};
    const mode = c.mode === 'default' || c.mode === 'safeguard' ? c.mode : undefined;
    const rtp = typeof c.recentTurnsPreserve === 'number' && Number.isInteger(c.recentTurnsPreserve) && c.recentTurnsPreserve >= 0 && c.recentTurnsPreserve <= 12 ? c.recentTurnsPreserve : undefined;
    const dropped = Object.keys(c).filter((k) => !['mode', 'model', 'recentTurnsPreserve'].includes(k));
    if (dropped.length) notes.push(`${key}: dropped ${dropped.join(', ')} (retired in OpenClaw 2026.8)`);
    fields.push(...dropped.map((k) => `runtime.compaction.${k}`));
    if (name !== key) notes.push(`${key}: renamed to ${name}`);
    const whenItWins = p.use_when === undefined ? undefined : typeof p.use_when === 'string' ? p.use_when : JSON.stringify(p.use_when);
    const def: ProfileDef = {
      name,
      description: p.description ?? `Imported from darkmux (${key})`,
      ...(whenItWins ? { whenItWins } : {}),
      primary: { model: `${lmStudioProvider}/${primary.id}`, ...(primary.n_ctx && primary.n_ctx >= 4096 ? { context: primary.n_ctx } : {}) },
      compactor: compactor ? { model: `${lmStudioProvider}/${compactor.id}`, ...(compactor.n_ctx && compactor.n_ctx >= 4096 ? { context: compactor.n_ctx } : {}) } : null,
      ...(p.runtime?.contextTokens && p.runtime.contextTokens >= 4096 ? { budget: p.runtime.contextTokens } : {}),
      ...(mode || rtp !== undefined ? { compaction: { ...(mode ? { mode } : {}), ...(rtp !== undefined ? { recentTurnsPreserve: rtp } : {}) } } : {}),
    };
    const check = ProfileDefSchema.safeParse(def);
    if (!check.success) {
      notes.push(`${key}: skipped — ${check.error.issues[0]!.path.join('.')}: ${check.error.issues[0]!.message}`);
      unmapped.push({ profile: key, fields: ['(whole profile)', ...fields] });
      continue;
    }
    profiles.push(check.data);
    const unlisted = fields.filter((f) => !f.startsWith('runtime.compaction.'));
    if (unlisted.length) notes.push(`${key}: not mapped: ${unlisted.join(', ')}`);
    unmapped.push({ profile: key, fields });
  }
  return { profiles, notes, schema: '0.4', unmapped };
}

/**
 * darkmux HEAD `profiles.json` (schema 1.5, `crates/darkmux-types/src/lib.rs`): models are workers without a
 * `role`, `default_model` (else the first) is the one that runs, compaction runs on the registry's
 * `internal.utility` model, and a model may be hosted (`endpoint`). darkmux quarantines an unparseable profile
 * one at a time (#1282); so do we, with the reason in the notes.
 */
const HeadModelSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  n_ctx: z.optional(z.int().check(z.positive())),
  identifier: z.optional(z.string()),
  capabilities: z.optional(z.record(z.string(), z.number())),
  endpoint: z.optional(z.looseObject({ url: z.optional(z.string()), api_version: z.optional(z.string()), auth: z.optional(z.record(z.string(), z.unknown())) })),
});
const HeadProfileSchema = z.looseObject({
  description: z.optional(z.string()),
  models: z.array(HeadModelSchema).check(z.minLength(1)),
  default_model: z.optional(z.string()),
  runtime: z.optional(
    z.looseObject({
      context_tokens: z.optional(z.int().check(z.positive())),
      compaction: z.optional(z.record(z.string(), z.unknown())),
    }),
  ),
  use_when: z.optional(z.unknown()),
});
const HeadRegistrySchema = z.looseObject({
  schema_version: z.optional(z.string()),
  profiles: z.record(z.string(), z.unknown()),
  default_profile: z.optional(z.string()),
  internal: z.optional(z.looseObject({ utility: z.optional(z.string()) })),
});

/** HEAD's shape: it says so (`schema_version`), or no model anywhere carries v0.4's `role`. */
function isHeadRegistry(json: unknown): boolean {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return false;
  const o = json as Record<string, unknown>;
  if (typeof o.schema_version === 'string') return true;
  if (!o.profiles || typeof o.profiles !== 'object') return false;
  const models = Object.values(o.profiles as Record<string, unknown>).flatMap((p) => (p && typeof p === 'object' && Array.isArray((p as { models?: unknown }).models) ? ((p as { models: unknown[] }).models) : []));
  return models.length > 0 && !models.some((m) => m && typeof m === 'object' && 'role' in m);
}

const known = (o: object, keys: readonly string[], prefix: string) => Object.keys(o).filter((k) => !keys.includes(k)).map((k) => `${prefix}${k}`);
const placeholder = (id: string) => /^<.*>$/.test(id);

export function importDarkmuxHead(json: unknown, lmStudioProvider = 'lmstudio'): DarkmuxImport {
  const reg = HeadRegistrySchema.safeParse(json);
  if (!reg.success) {
    const i = reg.error.issues[0]!;
    throw new DarkmuxImportError(`not a darkmux profiles.json (v0.4 or schema 1.x): ${i.path.join('.') || 'file'}: ${i.message}`);
  }
  const r = reg.data;
  const schema = r.schema_version ?? '1.x (no schema_version)';
  const profiles: ProfileDef[] = [];
  const notes: string[] = [];
  const unmapped: { profile: string; fields: string[] }[] = [];
  const utility = r.internal?.utility;
  // The registry's own keys: only internal.utility has a place (each profile's compactor).
  const top = [...known(json as object, ['schema_version', 'profiles', 'internal'], ''), ...(r.internal ? known(r.internal, ['utility'], 'internal.') : [])];
  if (top.length) {
    unmapped.push({ profile: '(registry)', fields: top });
    notes.push(`(registry): not mapped: ${top.join(', ')}${r.default_profile ? ` (default_profile "${r.default_profile}": the profile in force is the one the config says)` : ''}`);
  }
  for (const [key, raw] of Object.entries(r.profiles)) {
    const parsed = HeadProfileSchema.safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      notes.push(`${key}: skipped — ${i.path.join('.') || 'profile'}: ${i.message}`);
      unmapped.push({ profile: key, fields: ['(whole profile)'] });
      continue;
    }
    const p = parsed.data;
    // Keys from the file as written (the parsed object puts known keys first), so the list reads in the file's order.
    const fields: string[] = known(raw as object, ['description', 'models', 'default_model', 'runtime', 'use_when'], '');
    const chosen = p.default_model === undefined ? p.models[0]! : p.models.find((m) => m.id === p.default_model);
    if (!chosen) {
      notes.push(`${key}: skipped — default_model "${p.default_model}" names no model in models[]`);
      unmapped.push({ profile: key, fields: ['(whole profile)'] });
      continue;
    }
    p.models.forEach((m, i) => {
      const at = `models[${i}].`;
      if (m !== chosen) fields.push(`models[${i}] (${m.id}: a further worker; a profile here runs one primary)`);
      else {
        fields.push(...known(m, ['id', 'n_ctx', 'identifier', 'capabilities', 'endpoint'], at));
        if (m.identifier !== undefined) fields.push(`${at}identifier`);
        if (m.capabilities && Object.keys(m.capabilities).length) fields.push(`${at}capabilities`);
      }
    });
    if (chosen.endpoint) {
      // A hosted model has no LM Studio provider to point at, and darkmux's credential source is its own.
      const hosted = [`models[${p.models.indexOf(chosen)}].endpoint`, ...fields];
      notes.push(`${key}: skipped — its model ${chosen.id} is hosted (endpoint${chosen.endpoint.url ? ` ${chosen.endpoint.url}` : ''}), not on a local server; add it as a provider in openclaw.json if you want it`);
      unmapped.push({ profile: key, fields: ['(whole profile)', ...hosted] });
      continue;
    }
    const c = p.runtime?.compaction ?? {};
    const mode = c.mode === 'default' || c.mode === 'safeguard' ? c.mode : undefined;
    const rtp = typeof c.recentTurnsPreserve === 'number' && Number.isInteger(c.recentTurnsPreserve) && c.recentTurnsPreserve >= 0 && c.recentTurnsPreserve <= 12 ? c.recentTurnsPreserve : undefined;
    if (p.runtime) fields.push(...known(p.runtime, ['context_tokens', 'compaction'], 'runtime.'));
    // darkmux's own compaction (strategy, thresholds, tiers, reserve, instructions) runs in its runtime, not OpenClaw's.
    fields.push(...Object.keys(c).filter((k) => !(k === 'mode' && mode) && !(k === 'recentTurnsPreserve' && rtp !== undefined)).map((k) => `runtime.compaction.${k}`));
    const name = slug(key);
    if (name !== key) notes.push(`${key}: renamed to ${name}`);
    if (placeholder(chosen.id)) notes.push(`${key}: model "${chosen.id}" is the example's placeholder; put a model you have in its place`);
    const ctx = chosen.n_ctx;
    if (ctx !== undefined && ctx < 4096) fields.push(`models[${p.models.indexOf(chosen)}].n_ctx (${ctx}: below 4096)`);
    const budget = p.runtime?.context_tokens;
    if (budget !== undefined && budget < 4096) fields.push(`runtime.context_tokens (${budget}: below 4096)`);
    const whenItWins = p.use_when === undefined ? undefined : typeof p.use_when === 'string' ? p.use_when : JSON.stringify(p.use_when);
    const def: ProfileDef = {
      name,
      description: p.description ?? `Imported from darkmux (${key})`,
      ...(whenItWins ? { whenItWins } : {}),
      primary: { model: `${lmStudioProvider}/${chosen.id}`, ...(ctx && ctx >= 4096 ? { context: ctx } : {}) },
      // darkmux compacts every profile on the machine's utility model (#590): that is each profile's compactor.
      ...(utility ? { compactor: { model: `${lmStudioProvider}/${utility}` } } : {}),
      ...(budget && budget >= 4096 ? { budget } : {}),
      ...(mode || rtp !== undefined ? { compaction: { ...(mode ? { mode } : {}), ...(rtp !== undefined ? { recentTurnsPreserve: rtp } : {}) } } : {}),
    };
    const check = ProfileDefSchema.safeParse(def);
    if (!check.success) {
      notes.push(`${key}: skipped — ${check.error.issues[0]!.path.join('.')}: ${check.error.issues[0]!.message}`);
      unmapped.push({ profile: key, fields: ['(whole profile)', ...fields] });
      continue;
    }
    profiles.push(check.data);
    if (fields.length) notes.push(`${key}: not mapped: ${fields.join(', ')}`);
    unmapped.push({ profile: key, fields });
  }
  return { profiles, notes, schema, unmapped };
}
