import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseDocument, toValue } from '../../src/core/openclaw/document.js';
import { parseVersion } from '../../src/core/openclaw/version.js';
import { decisionFor } from '../../src/core/migrate/decisions.js';
import { besideFindings } from '../../src/core/openclaw/issues.js';

// #28: every rejection left after OpenClaw's repair and our loop is a fix or a decision with its choices. Each
// case is a real corpus file with the message OpenClaw 2026.9.6's validator gave for it (MIGRATE.md), then a close
// negative that must not be explained the same way.
const V = parseVersion('2026.9.6')!;
const CORPUS = path.resolve('test/fixtures/corpus-real');
const tree = (name: string) => toValue(parseDocument(name, fs.readFileSync(path.join(CORPUS, name), 'utf8')).root);
type Json = ReturnType<typeof JSON.parse>;

describe('decisions for what OpenClaw still rejects (#28)', () => {
  it('a guard the release no longer reads: where its meaning lives now, from OpenClaw', () => {
    const t = tree('012-onskop-moltbot-inline-comments.json5');
    const d = decisionFor({ path: 'gateway', message: 'Unrecognized key: "dmPolicy"' }, t, V)!;
    assert.equal(d.kind, 'guard-not-read');
    assert.match(d.question, /channels\.<channel>\.dmPolicy/);
    assert.ok(d.choices.some((c) => /^move it to channels\.<channel>\.dmPolicy/.test(c)));
    // authz has no new place in OpenClaw's rules or docs: delete or keep, nothing invented.
    const a = decisionFor({ path: 'authz', message: "kept: OpenClaw 2026.9.6's repair deletes authz, which decides who may do what" }, tree('009-windley-cedar-authz-comments.json5'), V)!;
    assert.equal(a.kind, 'guard-not-read');
    assert.ok(!a.choices.some((c) => c.startsWith('move')));
    // OpenClaw's doctor migrations table names denyCommands' new home.
    const deny = decisionFor({ path: 'gateway.nodes', message: 'Unrecognized key: "denyCommands"' }, { gateway: { nodes: { denyCommands: ['system.run'] } } }, V)!;
    assert.equal(deny.choices[0], 'move it to gateway.nodes.commands.deny, where OpenClaw 2026.9.6 reads it');
    // corpus-real 051: webhooks under gateway; OpenClaw's docs (gateway/config-hooks) set them at the top level.
    const hooks = decisionFor({ path: 'gateway', message: 'Unrecognized key: "hooks"' }, tree('051-enigmaticjoe-arc-ollama-commented.json5'), V)!;
    assert.equal(hooks.choices[0], 'move it to hooks (top level), where OpenClaw 2026.9.6 reads it');
    // Close negative: an unknown key that guards nothing is the loop's to remove, not a decision.
    assert.equal(decisionFor({ path: '<root>', message: 'Unrecognized key: "commitments"' }, tree('048-mithras-homelab-json5-litellm.json5'), V), undefined);
  });

  it('memorySearch under agents.defaults: OpenClaw\'s own legacy rule names memory.search', () => {
    const d = decisionFor({ path: 'agents.defaults', message: 'Unrecognized key: "memorySearch"' }, tree('048-mithras-homelab-json5-litellm.json5'), V)!;
    assert.equal(d.kind, 'guard-not-read');
    assert.ok(d.choices.includes('move it to memory.search, where OpenClaw 2026.9.6 reads it'));
  });

  it('one of the values OpenClaw lists: each offered, and deleting for the default', () => {
    const t = tree('010-sarbloc-crew-json5-roster.json5');
    const issue = { path: 'agents.entries.cooper.tools.profile', message: 'Invalid input (allowed: "minimal", "coding", "messaging", "full")', allowedValues: ['minimal', 'coding', 'messaging', 'full'] };
    const d = decisionFor(issue, t, V)!;
    assert.equal(d.kind, 'allowed-values');
    assert.match(d.question, /"default" is none of them/);
    assert.deepEqual(d.choices.slice(0, 4), ['minimal', 'coding', 'messaging', 'full'].map((v) => `set agents.entries.cooper.tools.profile to "${v}"`));
    // Close negative: a value that is in the list (the rejection is about something else) is not this choice.
    const ok = structuredClone(t) as Json;
    ok.agents.list.find((a: Json) => a.id === 'cooper').tools.profile = 'coding';
    assert.equal(decisionFor(issue, ok, V), undefined);
  });

  it('a provider whose plugin is not enabled, though the value is an allowed one', () => {
    const issue = { path: 'tools.web.search.provider', message: 'web_search provider is not available: duckduckgo (install or enable plugin "duckduckgo", then run openclaw doctor --fix)', allowedValues: ['brave', 'duckduckgo'] };
    const d = decisionFor(issue, tree('046-jokelord-clawdbot-sglang-local.json5'), V)!;
    assert.equal(d.kind, 'plugin');
    assert.match(d.choices[0]!, /install or enable plugin "duckduckgo"/);
  });

  it('a secret in a form the release refuses: the accepted forms, from its message', () => {
    const t = tree('024-kianoush-slack-memoryflush-prompts.json5');
    const msg = 'SecretRef objects are not supported at hooks.token. This credential is runtime-mutable or runtime-managed and must stay a plain string value. Use a plain string (env template strings like "${MY_VAR}" are allowed). See https://docs.openclaw.ai/reference/secretref-credential-surface.';
    const d = decisionFor({ path: 'hooks.token', message: msg }, t, V)!;
    assert.equal(d.kind, 'secret-form');
    assert.match(d.question, /only as a plain string \(env template strings like "\$\{MY_VAR\}" are allowed\)/);
    assert.match(d.question, /source "file"/);
    // The MCP header's bare "Invalid input" on a SecretRef object is the same refusal.
    assert.equal(decisionFor({ path: 'mcp.servers.vexa.headers.X-API-Key', message: 'Invalid input' }, t, V)?.kind, 'secret-form');
    // An env SecretRef names its variable: the template with that name keeps the same secret.
    const env = structuredClone(t) as Json;
    env.hooks.token = { source: 'env', provider: 'default', id: 'HOOKS_TOKEN' };
    assert.match(decisionFor({ path: 'hooks.token', message: msg }, env, V)!.choices[0]!, /"\$\{HOOKS_TOKEN\}"/);
    // Close negative: "Invalid input" on a plain string is not a secret's form.
    const plain = structuredClone(t) as Json;
    plain.mcp.servers.vexa.headers['X-API-Key'] = 'abc';
    assert.equal(decisionFor({ path: 'mcp.servers.vexa.headers.X-API-Key', message: 'Invalid input' }, plain, V), undefined);
  });

  it('a binding to an undefined agent: define it or remove the binding', () => {
    const d = decisionFor({ path: 'bindings.0.agentId', message: 'Unknown agent id "comms" (not in agents.entries).' }, tree('035-4208178-bindings-fragment.json5'), V)!;
    assert.equal(d.kind, 'undefined-agent');
    assert.deepEqual(d.choices, ['define agent "comms" in agents.entries', 'remove bindings.0']);
    assert.equal(decisionFor({ path: 'bindings.0.agentId', message: 'Invalid input: expected string, received number' }, tree('035-4208178-bindings-fragment.json5'), V), undefined);
  });

  it('a rule across settings: the sides OpenClaw names, and the setting it depends on', () => {
    const msg = 'gateway.bind must resolve to loopback when gateway.tailscale.mode=serve (use gateway.bind="loopback" or gateway.bind="custom" with gateway.customBindHost="127.0.0.1")';
    const d = decisionFor({ path: 'gateway.bind', message: msg }, tree('025-lee-jaejin-ollama-env-baseurl.json5'), V)!;
    assert.equal(d.kind, 'constraint');
    assert.deepEqual(d.choices, ['set gateway.bind="loopback"', 'set gateway.bind="custom" with gateway.customBindHost="127.0.0.1"', 'set gateway.tailscale.mode to something other than "serve"']);
    assert.equal(decisionFor({ path: 'gateway.bind', message: 'gateway.bind must resolve to loopback' }, tree('025-lee-jaejin-ollama-env-baseurl.json5'), V), undefined);
  });

  it('a path from another machine', () => {
    const p = 'secrets.providers.openai_memory_profile.command';
    const d = decisionFor({ path: p, message: `${p} is not readable: /Users/dbochman/.openclaw/bin/openai-memory-key` }, tree('049-dbochman-dotfiles-2026-6-exec-secretref.json5'), V)!;
    assert.equal(d.kind, 'other-machine');
    assert.match(d.choices[1]!, /^set secrets\.providers\.openai_memory_profile\.command to where it is on this machine/);
  });

  it('a scalar where the release reads an object: the channel migration, or the object by hand', () => {
    const t = tree('011-emerson-pi5-slack.json5');
    const d = decisionFor({ path: 'channels.slack.streaming', message: 'invalid config: must be object' }, t, V)!;
    assert.equal(d.kind, 'value-shape');
    assert.match(d.question, /this file has "partial"/);
    // Close negative: already an object (the rejection is about its inside).
    const obj = structuredClone(t) as Json;
    obj.channels.slack.streaming = { mode: 'partial' };
    assert.equal(decisionFor({ path: 'channels.slack.streaming', message: 'invalid config: must be object' }, obj, V), undefined);
  });

  it('the Problems panel and `check` show the same decision beside OpenClaw\'s words', () => {
    const name = '035-4208178-bindings-fragment.json5';
    const doc = parseDocument(name, fs.readFileSync(path.join(CORPUS, name), 'utf8'));
    const issue = { path: 'bindings.0.agentId', message: 'Unknown agent id "comms" (not in agents.entries).' };
    const { issues } = besideFindings([], doc.root, doc, { valid: false, issues: [issue], warnings: [] });
    assert.match(issues[0]!.message, /^Unknown agent id "comms" \(not in agents\.entries\)\. \(bindings\.0\.agentId\) — decide: .*Choices: define agent "comms" in agents\.entries; or remove bindings\.0\.$/);
  });
});
