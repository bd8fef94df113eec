// Make Config Valid with the real OpenClaw 2026.9.6: its own repair decides what moves, its validator judges the
// result. One planted file runs doctor live through the CLI; a representative subset of the real public corpus uses
// doctor's stored repaired tree (its real output, from scripts/corpus-doctor.mjs) with the live validator, so the
// default suite stays fast. The whole corpus: `npm run bench` (test/bench/corpus.bench.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { validateConfig } from '../../src/core/openclaw/cli.js';
import { parseDocument, toValue } from '../../src/core/openclaw/document.js';
import { parseVersion } from '../../src/core/openclaw/version.js';
import { planMigration } from '../../src/core/migrate/run.js';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';
import { runCli } from '../support/cli.js';
import { loadStored, storedRepair } from '../support/doctor.js';
import { millis } from '../../src/core/units.js';

const { exe, skip } = needsOpenclaw();
const env = { ...process.env, ...isolatedEnv() };
const V = parseVersion('2026.9.6')!;
const commentsOf = (text: string) => parseDocument('/c', text).comments.map(([a, b]) => text.slice(a, b));

function copy(from: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-mr-'));
  const file = path.join(dir, 'openclaw.json');
  fs.copyFileSync(from, file);
  return file;
}

describe('Make Config Valid with the real OpenClaw 2026.9.6', { skip }, () => {
  it('live: doctor moves gateway.nodes.denyCommands with its comment, the validator accepts it, system.run stays denied', { timeout: 400_000 }, async () => {
    const file = copy(path.resolve('test/fixtures/doctor-moves/001-deny-commands.json5'));
    const before = fs.readFileSync(file, 'utf8');
    const r = await runCli(['migrate', '--config', file, '--openclaw', exe!, '--json'], { env });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.repair.ran, true, JSON.stringify(out.repair));
    assert.equal(out.valid, true);
    assert.deepEqual(out.changes.map((c: { action: string; path: string; to?: string }) => `${c.action} ${c.path} → ${c.to}`), ['move gateway.nodes.denyCommands → gateway.nodes.commands.deny']);
    assert.match(out.changes[0].reason, /OpenClaw 2026\.9\.6/);
    assert.ok(out.repair.wouldAlso.some((w: string) => /bookkeeping/.test(w)), 'doctor\'s bookkeeping is listed, not written');
    const after = fs.readFileSync(file, 'utf8');
    const tree = toValue(parseDocument(file, after).root) as { gateway: { nodes: { commands: { deny: string[] } } }; meta?: unknown; wizard?: unknown };
    assert.deepEqual(tree.gateway.nodes.commands.deny, ['system.run'], 'system.run is still denied');
    assert.equal(tree.meta, undefined, "doctor's bookkeeping is not written into the user's file");
    assert.equal(tree.wizard, undefined);
    for (const c of commentsOf(before)) assert.ok(after.includes(c), `comment kept: ${c}`);
    assert.equal(out.removedTo, null, 'a move removes nothing');
    const verdict = await validateConfig(exe!, file, { timeoutMs: millis(120_000), env });
    assert.equal(verdict.valid, true, JSON.stringify(verdict.issues));
  });

  it("every planted move (doctor's stored output) is accepted by the live validator, comments kept", { timeout: 600_000 }, async () => {
    const dir = path.resolve('test/fixtures/doctor-moves');
    const names = fs.readdirSync(dir).filter((f) => /^\d{3}-.*\.json5$/.test(f) && !f.startsWith('001'));
    assert.ok(names.length >= 6);
    for (const name of names) {
      const file = copy(path.join(dir, name));
      const bytes = fs.readFileSync(file);
      const text = bytes.toString('utf8');
      const plan = await planMigration(file, bytes, { executable: exe!, version: V, installed: V, timeoutMs: millis(120_000), repair: storedRepair(loadStored(dir, name)!) });
      assert.equal(plan.valid, true, `${name}: ${JSON.stringify(plan.remaining)}`);
      const side = plan.removed.map((r) => r.text).join('\n');
      for (const c of commentsOf(text)) assert.ok(plan.after.includes(c) || side.includes(c), `${name}: comment kept: ${c}`);
    }
  });

  it('live: a guard doctor left unread (memorySearch with its apiKey) goes where OpenClaw says, asked with a guards-only copy', { timeout: 400_000 }, async () => {
    // As on a real homelab file (048): doctor's run on the whole file did not move agents.defaults.memorySearch, and
    // our loop may not delete it (it holds a credential). Here the first run is that do-nothing answer; the
    // question about the guard alone goes to the real doctor.
    const file = copy(path.resolve('test/fixtures/doctor-moves/002-memory-search.json5'));
    const text = fs.readFileSync(file, 'utf8').replace('provider: "local", // llama.cpp embeddings', 'provider: "openai", // via litellm\n        remote: { baseUrl: "http://litellm:4000", apiKey: "${LITELLM_API_KEY}" },');
    fs.writeFileSync(file, text);
    const { repairWithDoctor } = await import('../../src/core/openclaw/repair.js');
    let calls = 0;
    const plan = await planMigration(file, fs.readFileSync(file), {
      executable: exe!,
      version: V,
      installed: V,
      timeoutMs: millis(120_000),
      repair: async (t) => (++calls === 1 ? { repaired: toValue(parseDocument(file, t).root), seconds: 0, notes: [], blocked: [] } : repairWithDoctor(exe!, t, { env })),
    });
    assert.equal(calls, 2, 'doctor was asked about the guard alone');
    assert.equal(plan.valid, true, JSON.stringify(plan.remaining));
    const tree = toValue(parseDocument(file, plan.after).root) as { memory?: { search?: { remote?: { apiKey?: string } } }; agents: { defaults: Record<string, unknown> } };
    assert.equal(tree.memory?.search?.remote?.apiKey, '${LITELLM_API_KEY}', 'the credential moved with it, not deleted');
    assert.equal(tree.agents.defaults.memorySearch, undefined);
    assert.ok(plan.after.includes('/* local embeddings: nothing leaves the machine */'), 'its comment moved with it');
  });

  // Eras and shapes: a 2026.1 clawdbot file, a commented roster with guards inside, a file on which doctor writes
  // nothing (two secrets it cannot repair: it runs again without them, and they are held for the user), a Cedar
  // authz block (a guard doctor deletes: kept, with an error).
  const SUBSET: Record<string, 'valid' | 'kept guard' | 'held'> = {
    '001-vandesh-clawdbot.json5': 'valid',
    '017-bluewasabe-ollama-jarvis-roster.json5': 'valid',
    '024-kianoush-slack-memoryflush-prompts.json5': 'held',
    '009-windley-cedar-authz-comments.json5': 'kept guard',
  };
  const title = { valid: 'valid, every comment kept', 'kept guard': 'the guard doctor deletes is kept, with what to do', held: "doctor's moves applied although it wrote nothing; the values that stopped it are held" };
  for (const [name, expected] of Object.entries(SUBSET)) {
    it(`${name}: ${title[expected]}`, { timeout: 400_000 }, async () => {
      const dir = path.resolve('test/fixtures/corpus-real');
      const stored = loadStored(dir, name)!;
      const file = copy(path.join(dir, name));
      const bytes = fs.readFileSync(file);
      const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
      const plan = await planMigration(file, bytes, {
        executable: exe!,
        version: V,
        installed: V,
        timeoutMs: millis(120_000),
        repair: storedRepair(stored),
      });
      assert.equal(plan.repair.ran, true);
      const sideText = plan.removed.map((r) => r.text).join('\n');
      for (const c of commentsOf(text)) assert.ok(plan.after.includes(c) || sideText.includes(c), `${name}: comment kept: ${c}`);
      if (expected === 'valid') {
        assert.equal(plan.valid, true, `${name}: ${JSON.stringify(plan.remaining)}`);
        // Judged again, independently of the plan, as the file would be written.
        fs.writeFileSync(file, plan.after);
        assert.equal((await validateConfig(exe!, file, { timeoutMs: millis(120_000), env })).valid, true);
      } else if (expected === 'held') {
        assert.equal(plan.valid, false);
        assert.deepEqual(plan.remaining.map((r) => r.path).sort(), ['hooks.token', 'mcp.servers.vexa.headers.X-API-Key'], 'only the values doctor could not repair remain');
        assert.match(plan.repair.note ?? '', /wrote nothing while hooks\.token, mcp\.servers\.vexa\.headers\.X-API-Key were invalid/);
        const tree = toValue(parseDocument(file, plan.after).root) as { gateway: { nodes: { commands?: { deny?: string[] }; denyCommands?: unknown } } };
        assert.ok(tree.gateway.nodes.commands?.deny?.length, 'denyCommands moved where 2026.9.6 reads it');
        assert.equal(tree.gateway.nodes.denyCommands, undefined);
        assert.ok(plan.after.includes('hooks'), 'the held values are still there');
      } else {
        assert.equal(plan.valid, false);
        const kept = plan.remaining.find((r) => r.path === 'authz');
        assert.ok(kept, JSON.stringify(plan.remaining));
        assert.match(kept.message, /kept: .*authz.*decides who may do what/);
        assert.match(kept.why ?? '', /move it to where OpenClaw 2026\.9\.6 reads it/);
        assert.ok(plan.after.includes('authz'), 'the authz block is still in the file');
      }
    });
  }
});
