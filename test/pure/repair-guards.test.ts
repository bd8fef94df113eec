import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDocument, toValue } from '../../src/core/openclaw/document.js';
import { applyRepair } from '../../src/core/migrate/repairDiff.js';
import { parseVersion } from '../../src/core/openclaw/version.js';

// #27 item 11: a repair that widens a guard — by rewriting or adding it — is held: the value stays as the user wrote
// it, with a message that says what the repair wanted and that the change is the user's to make.
const V = parseVersion('2026.9.6')!;
/** A parsed config tree, edited freely in the cases below (what JSON.parse gives). */
type Json = ReturnType<typeof JSON.parse>;
const TEXT = `{
  // who may reach the bot
  channels: { telegram: { dmPolicy: 'allowlist', allowFrom: ['519104694'], groupPolicy: 'allowlist' } },
  tools: { exec: { security: 'deny', deny: ['rm', 'curl'] }, sandbox: { mode: 'all' } },
  gateway: { nodes: { denyCommands: ['system.run'] } },
}
`;
const before = toValue(parseDocument('/x/openclaw.json', TEXT).root) as Json;
const repaired = (edit: (t: Json) => void) => {
  const t = structuredClone(before);
  edit(t);
  return t;
};
const run = (edit: (t: Json) => void) => {
  const r = applyRepair('/x/openclaw.json', TEXT, repaired(edit), { version: V });
  return { r, after: toValue(parseDocument('/x/openclaw.json', r.after).root) as Json };
};

describe("a repair never widens a guard on its own (#27 item 11)", () => {
  const cases: [string, (t: Json) => void, RegExp, (a: Json) => unknown, unknown][] = [
    ['dmPolicy allowlist → open', (t) => (t.channels.telegram.dmPolicy = 'open'), /changes channels\.telegram\.dmPolicy from "allowlist" to "open", which decides who may message the agent/, (a) => a.channels.telegram.dmPolicy, 'allowlist'],
    ['allowFrom → ["*"]', (t) => (t.channels.telegram.allowFrom = ['*']), /changes channels\.telegram\.allowFrom from \["519104694"\] to \["\*"\]/, (a) => a.channels.telegram.allowFrom, ['519104694']],
    ['a deny list emptied', (t) => (t.tools.exec.deny = []), /changes tools\.exec\.deny from \["rm","curl"\] to \[\]/, (a) => a.tools.exec.deny, ['rm', 'curl']],
    ['exec security deny → full', (t) => (t.tools.exec.security = 'full'), /changes tools\.exec\.security from "deny" to "full"/, (a) => a.tools.exec.security, 'deny'],
    ['sandbox mode → off', (t) => (t.tools.sandbox.mode = 'off'), /changes tools\.sandbox\.mode from "all" to "off", which confines what an agent may touch/, (a) => a.tools.sandbox.mode, 'all'],
    ['tools.elevated added', (t) => (t.tools.elevated = { enabled: true }), /adds tools\.elevated = \{"enabled":true\}, which limits elevated tools/, (a) => a.tools.elevated, undefined],
    ['groupAllowFrom ["*"] under an allowlist group policy', (t) => (t.channels.telegram.groupAllowFrom = ['*']), /adds channels\.telegram\.groupAllowFrom = \["\*"\]/, (a) => a.channels.telegram.groupAllowFrom, undefined],
  ];
  for (const [name, edit, message, at, kept] of cases) {
    it(`${name}: held, the value as it was, the reason said`, () => {
      const { r, after } = run(edit);
      assert.deepEqual(at(after), kept);
      const k = r.kept.find((x) => message.test(x.message));
      assert.ok(k, r.kept.map((x) => x.message).join('\n'));
      assert.match(k.why!, /a guard's meaning changes only by your own edit/);
      assert.ok(r.after.includes('// who may reach the bot'), 'comments kept');
    });
  }

  it("what keeps the effective policy passes: the user's allowFrom spelled out for groups, a tighter policy", () => {
    const { r, after } = run((t) => {
      t.channels.telegram.groupAllowFrom = ['519104694'];
      t.channels.telegram.dmPolicy = 'pairing';
    });
    assert.deepEqual(r.kept, []);
    assert.deepEqual(after.channels.telegram.groupAllowFrom, ['519104694']);
    assert.equal(after.channels.telegram.dmPolicy, 'pairing');
  });

  it("the release's new spelling of the same policy passes (security full + ask off → mode full, a real corpus file's move); a strict one turned loose is held", () => {
    const text = `{ tools: { exec: { ask: 'off', security: 'full', host: 'gateway' } } }`;
    const ok = applyRepair('/x/openclaw.json', text, { tools: { exec: { host: 'gateway', mode: 'full' } } }, { version: V });
    assert.deepEqual(ok.kept, []);
    assert.deepEqual((toValue(parseDocument('/x/openclaw.json', ok.after).root) as Json).tools.exec, { host: 'gateway', mode: 'full' });
    const strict = `{ tools: { exec: { security: 'deny', host: 'gateway' } } }`;
    const held = applyRepair('/x/openclaw.json', strict, { tools: { exec: { host: 'gateway', mode: 'full' } } }, { version: V });
    assert.match(held.kept.map((k) => k.message).join('\n'), /adds tools\.exec\.mode = "full"/);
    assert.equal((toValue(parseDocument('/x/openclaw.json', held.after).root) as Json).tools.exec.security, 'deny', 'the strict guard stays');
  });

  it('a guard moved to where the release reads it still moves (denyCommands → commands.deny), and its old place is not held', () => {
    const { r, after } = run((t) => {
      t.gateway.nodes = { commands: { deny: ['system.run'] } };
    });
    assert.deepEqual(r.kept, []);
    assert.deepEqual(after.gateway.nodes.commands.deny, ['system.run']);
  });
});
