// What a repair may never delete to make a file valid: keys that guard something. Deleting `denyCommands` stops
// denying `system.run`; deleting an allow list or a sandbox setting widens what an agent may do. Such a key is
// moved to where the installed OpenClaw reads it, or left in place with an error that says what to do.
import type { JsonPath } from '../openclaw/document.js';

/** Subtrees whose every key guards something. */
const GUARD_SUBTREES: Record<string, string> = {
  sandbox: 'confines what an agent may touch',
  authz: 'decides who may do what',
  approvals: 'asks before commands run',
  secrets: 'holds credentials',
  elevated: 'limits elevated tools',
  exec: 'decides how and whether commands run',
};

/** Keys that guard wherever they appear. */
const GUARD_KEYS: Record<string, string> = {
  allow: 'is an allow list',
  alsoAllow: 'is an allow list',
  deny: 'is a deny list',
  denyCommands: 'denies commands',
  allowCommands: 'is an allow list of commands',
  allowFrom: "is a channel's access list",
  groupAllowFrom: "is a channel's access list",
  allowlist: 'is an allow list',
  denylist: 'is a deny list',
  dmPolicy: 'decides who may message the agent',
  groupPolicy: 'decides which groups may message the agent',
  ask: 'asks before commands run',
  security: 'sets how commands are approved',
  token: 'is a credential',
  password: 'is a credential',
  apiKey: 'is a credential',
};

/**
 * Why the value at `path` guards something, or undefined. A subtree guards when any key in it does. Switches that
 * only loosen a guard (`dangerously…`, `allowInsecure…`) are not guards: dropping them makes the config stricter.
 */
export function guardedBy(path: JsonPath, value?: unknown): string | undefined {
  const loosens = (k: string) => /^dangerously|^allowInsecure/i.test(k);
  const keys = path.filter((s): s is string => typeof s === 'string');
  const last = keys[keys.length - 1];
  if (last !== undefined && loosens(last)) return undefined;
  for (const k of keys) if (GUARD_SUBTREES[k]) return GUARD_SUBTREES[k];
  if (last !== undefined && Object.hasOwn(GUARD_KEYS, last)) return GUARD_KEYS[last];
  if (last !== undefined && /(token|password|secret|apikey)$/i.test(last)) return 'is a credential';
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const inner = guardedBy([...path, Array.isArray(value) ? Number(k) : k], v);
      if (inner) return inner;
    }
  }
  return undefined;
}
