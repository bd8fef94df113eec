// What a person must decide about a value OpenClaw still rejects after its repair and our loop: the question and
// the choices, read from OpenClaw's own words (its validator's message, its allowed values, its legacy rules and
// docs), never from a copy of its schema. A rejection without a decision here is one nobody has explained yet.
import type { ValidatorIssue } from '../openclaw/cli.js';
import { formatVersion, type OpenClawVersion } from '../openclaw/version.js';
import { guardedBy } from './guards.js';
import { issuePath, valueAt } from './unblock.js';

export type DecisionKind = 'allowed-values' | 'secret-form' | 'undefined-agent' | 'constraint' | 'plugin' | 'other-machine' | 'value-shape' | 'guard-not-read';

export interface Decision {
  readonly kind: DecisionKind;
  /** What must be decided, and why no fix makes that choice. */
  readonly question: string;
  /** The ways on that OpenClaw accepts. */
  readonly choices: readonly string[];
}

/**
 * Where a guard OpenClaw no longer reads at its old place has its meaning now, as OpenClaw itself says it (the
 * source is named beside each). Only guards: other keys the repair moves or removes on its own.
 */
const GUARD_HOMES: Record<string, { to: string; source: string }> = {
  // docs/gateway/config-channels/shared-policies.md: dmPolicy is a channel's (or a channel account's) policy.
  'gateway.dmPolicy': { to: 'channels.<channel>.dmPolicy (or channels.<channel>.accounts.<id>.dmPolicy)', source: "OpenClaw's docs, gateway/config-channels/shared-policies" },
  // docs/gateway/doctor/config-migrations.md, the migrations table: allowCommands/denyCommands → commands.allow/deny.
  'gateway.nodes.denyCommands': { to: 'gateway.nodes.commands.deny', source: "OpenClaw's docs, gateway/doctor/config-migrations" },
  'gateway.nodes.allowCommands': { to: 'gateway.nodes.commands.allow', source: "OpenClaw's docs, gateway/doctor/config-migrations" },
  // docs/gateway/config-hooks: webhooks (enabled, token, path, mappings) are the top-level `hooks`.
  'gateway.hooks': { to: 'hooks (top level)', source: "OpenClaw's docs, gateway/config-hooks" },
  // dist/legacy-*.mjs, AGENT_MEMORY_SEARCH_OWNER_RULES: "agents.defaults.memorySearch moved to memory.search".
  'agents.defaults.memorySearch': { to: 'memory.search', source: 'OpenClaw\'s own legacy rule: "agents.defaults.memorySearch moved to memory.search"' },
};

const quote = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The keys an "Unrecognized key(s)" issue names, each as a full path; the issue's own path otherwise. */
function issueTargets(issue: ValidatorIssue): (readonly (string | number)[])[] {
  const parent = issue.path === '<root>' || issue.path === '' ? [] : issuePath(issue.path);
  const m = /^Unrecognized keys?: (.+)$/.exec(issue.message);
  if (m) return [...m[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((k) => [...parent, k[1]!]);
  return [parent];
}

/**
 * The decision behind one rejection, or undefined when it is not one of the explained kinds. `tree` is the file's
 * value after the migration (the rejected value is read there); `version` names the release in the words.
 */
export function decisionFor(issue: ValidatorIssue, tree: unknown, version?: OpenClawVersion): Decision | undefined {
  const oc = version ? `OpenClaw ${formatVersion(version)}` : 'OpenClaw';
  const msg = issue.message;
  const path = issue.path;
  const value = path === '<root>' ? undefined : valueAt(tree, issuePath(path));

  // A guard the release does not read where it is (the repair would delete it; we never delete a guard).
  const kept = /^kept: OpenClaw \S+'s repair deletes (\S+), which (.+)$/.exec(msg);
  const unknown = /^Unrecognized keys?:/.test(msg);
  if (kept || unknown) {
    for (const p of kept ? [issuePath(kept[1]!)] : issueTargets(issue)) {
      const v = valueAt(tree, p);
      const guard = kept?.[2] ?? (v !== undefined ? guardedBy(p, v) : undefined);
      if (!guard) continue;
      const dotted = p.join('.');
      const home = GUARD_HOMES[dotted];
      return {
        kind: 'guard-not-read',
        question: `${oc} does not read ${dotted} there, so it does not apply; it ${guard}, and where its meaning goes is yours to decide${home ? `. It lives at ${home.to} now (${home.source})` : `. No new place for it is known from ${oc}'s legacy rules and docs as read for this release`}`,
        choices: [
          ...(home ? [`move it to ${home.to}, where ${oc} reads it`] : []),
          `delete it yourself${home ? '' : ` (${oc} applies nothing of it today)`}`,
          ...(home ? [] : [`keep it if another program reads this file (${oc} keeps rejecting the file)`]),
        ],
      };
    }
    return undefined;
  }

  // A provider whose plugin the release does not have enabled here.
  const plugin = /provider is not available: (\S+) \(install or enable plugin "([^"]+)"/.exec(msg);
  if (plugin) {
    return {
      kind: 'plugin',
      question: `${path} names ${plugin[1]}, whose plugin is not installed or enabled here`,
      choices: [`install or enable plugin "${plugin[2]}", then run openclaw doctor --fix`, `set ${path} to a provider whose plugin is enabled`, `delete ${path}`],
    };
  }

  // One of a fixed set of values (OpenClaw lists them), and the value is none of them in any spelling.
  if (issue.allowedValues?.length && !issue.allowedValues.includes(value)) {
    const allowed = issue.allowedValues.map(quote);
    return {
      kind: 'allowed-values',
      question: `${oc} accepts only ${allowed.join(', ')} for ${path}; ${value === undefined ? 'the value' : quote(value)} is none of them, and which one you meant is a choice`,
      choices: [...issue.allowedValues.map((a) => `set ${path} to ${quote(a)}`), `delete ${path} to take ${oc}'s default`],
    };
  }

  // A credential in a form the release refuses at this place: OpenClaw's message names the forms it accepts; a bare
  // "Invalid input" on a SecretRef object is the same refusal (the place is not on OpenClaw's SecretRef credential
  // surface, docs/reference/secretref-credential-surface).
  const secret = /SecretRef objects are not supported at (\S+?)\.\s/.exec(msg);
  const ref = isObj(value) && typeof value.source === 'string' && 'id' in value ? value : undefined;
  if (secret || (ref && /^Invalid input/.test(msg))) {
    const envId = ref?.source === 'env' && typeof ref.id === 'string' ? ref.id : undefined;
    const accepted = /Use (a plain string.*?)\.(?: See |$)/.exec(msg)?.[1] ?? 'a plain string';
    return {
      kind: 'secret-form',
      question: `${oc} takes ${path} only as ${accepted}${secret ? '' : ` (it is not on ${oc}'s SecretRef credential surface)`}; this file gives a SecretRef${ref ? ` (source ${quote(ref.source)})` : ''}, whose secret only you can move`,
      choices: [
        envId ? `write "\${${envId}}": the environment variable the SecretRef names` : `put the secret in an environment variable and write "\${NAME}" (an env template string)`,
        'write the secret itself as a plain string',
      ],
    };
  }

  // A binding to an agent the roster does not have.
  const agent = /Unknown agent id "([^"]+)" \(not in (agents\.\w+)\)/.exec(msg);
  if (agent) {
    const binding = path.replace(/\.agentId$/, '');
    return {
      kind: 'undefined-agent',
      question: `${binding} routes to agent "${agent[1]}", which ${agent[2]} does not define: either the agent is missing or the binding is stale`,
      choices: [`define agent "${agent[1]}" in ${agent[2]}`, `remove ${binding}`],
    };
  }

  // A rule across settings: OpenClaw's message says "(use …)".
  const use = /^(.*?) \(use (.+)\)$/.exec(msg);
  if (use) {
    const when = /when ([\w.]+)=(\S+)/.exec(use[1]!);
    return {
      kind: 'constraint',
      question: `${use[1]}: which side to change is yours to decide`,
      choices: [...use[2]!.split(/ or /).map((c) => `set ${c}`), ...(when ? [`set ${when[1]} to something other than ${quote(when[2])}`] : [])],
    };
  }

  // A file path from the machine the config was written on.
  const unreadable = /is not readable: (.+)$/.exec(msg);
  if (unreadable) {
    return {
      kind: 'other-machine',
      question: `${path} names ${unreadable[1]}, which ${oc} cannot read on this machine (the config may come from another one)`,
      choices: [`create ${unreadable[1]} here (readable by OpenClaw)`, `set ${path} to where it is on this machine`],
    };
  }

  // A setting the release reads as an object, written in an older scalar form.
  if (/must be object$/.test(msg) && value !== undefined && !isObj(value)) {
    const channel = /^channels\.([^.]+)\./.exec(path)?.[1];
    return {
      kind: 'value-shape',
      question: `${oc} reads ${path} as an object; this file has ${quote(value)}, an older form${channel ? ` that OpenClaw's ${channel} migration converts only where that channel's plugin is installed` : ''}`,
      choices: [
        ...(channel ? [`run openclaw doctor --fix where the ${channel} channel is set up (its migration writes the object for ${quote(value)})`] : []),
        `write the object yourself (${oc}'s docs for ${path})`,
        `delete ${path} to take ${oc}'s default`,
      ],
    };
  }
  return undefined;
}

/** One line for a presenter: the question, then the choices. */
export function decisionText(d: Decision): string {
  return `decide: ${d.question}. Choices: ${d.choices.join('; or ')}.`;
}
