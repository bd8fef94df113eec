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
}

export class DarkmuxImportError extends Error {}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'imported';

/**
 * darkmux v0.4 profiles as Local AI Lab user profiles. Models are LM Studio keys, so references use
 * `lmStudioProvider` (the provider id that points at LM Studio in this config). Retired knobs
 * (maxHistoryShare, customInstructions) are dropped with a note.
 */
export function importDarkmux(json: unknown, lmStudioProvider = 'lmstudio'): DarkmuxImport {
  const parsed = DarkmuxSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new DarkmuxImportError(`not a darkmux v0.4 profiles.json: ${i.path.join('.') || 'file'}: ${i.message}`);
  }
  const profiles: ProfileDef[] = [];
  const notes: string[] = [];
  for (const [key, p] of Object.entries(parsed.data.profiles)) {
    const name = slug(key);
    const primaries = p.models.filter((m) => m.role === 'primary');
    if (primaries.length !== 1) {
      notes.push(`${key}: skipped — darkmux requires exactly one model with role "primary"`);
      continue;
    }
    const primary = primaries[0]!;
    const compactor = p.models.find((m) => m.role === 'compactor');
    const c = p.runtime?.compaction ?? {};
    const mode = c.mode === 'default' || c.mode === 'safeguard' ? c.mode : undefined;
    const rtp = typeof c.recentTurnsPreserve === 'number' && Number.isInteger(c.recentTurnsPreserve) && c.recentTurnsPreserve >= 0 && c.recentTurnsPreserve <= 12 ? c.recentTurnsPreserve : undefined;
    const dropped = Object.keys(c).filter((k) => !['mode', 'model', 'recentTurnsPreserve'].includes(k));
    if (dropped.length) notes.push(`${key}: dropped ${dropped.join(', ')} (retired in OpenClaw 2026.8)`);
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
      continue;
    }
    profiles.push(check.data);
  }
  return { profiles, notes };
}
