import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { diffToolOutput } from '../../src/core/lab/layer/diff.js';
import type { ProxyDecl } from '../../src/core/lab/layer/proxy.js';
import { fidelityGood, fidelityPlan, toolFidelityProbe, ToolFidelityRecordSchema, runToolFidelity, selectProxies, toolFidelityLines, toolFidelitySummary, toolFidelityView, ToolFidelityPlanError, type ToolFidelityRecord, type ToolFidelityResult } from '../../src/core/lab/probes/toolFidelity.js';
import { FIDELITY_QUESTIONS, PLANTED_FACTS } from '../../src/core/lab/probes/toolFidelityPlan.js';
import { ProbeViewSchema } from '../../src/core/lab/view/probeView.js';
import { startFidelityModel, type FidelityModel } from '../support/fidelityModel.js';
import { compressToolOutput } from '../support/scriptedProxy.js';

const open: FidelityModel[] = [];
after(() => Promise.all(open.map((s) => s.close())));

/** Every proxy this file starts carries this tag in its environment, so the test can count them in /proc. */
const TAG = randomUUID();
const SAFE = ['--mode', 'cache', '--no-cache', '--no-rate-limit', '--protect-tool-results', 'exec,read,process', '--lossless'];
const decl = (name: string, flags: string[] = [], env: Record<string, string> = {}): ProxyDecl => ({
  name,
  command: [process.execPath, path.join(__dirname, '../support/scriptedProxy.js'), 'proxy', '--host', '127.0.0.1', '--port', '{port}', '--openai-api-url', '{upstream}', ...flags],
  health: '/livez',
  env: { LAL_FIDELITY_TEST: TAG, ...env },
});

/** Processes alive now whose environment carries this file's tag. */
function tagged(): number {
  let n = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`LAL_FIDELITY_TEST=${TAG}`)) n++;
    } catch {
      /* gone, or not ours to read */
    }
  }
  return n;
}

/** What the scripted proxy, fed the first question, keeps of each planted output (its decisions are per content). */
function expectedLoss(fuse = false): { lost: string[]; invented: string[] } {
  const query = FIDELITY_QUESTIONS[0]!.text;
  const lost: string[] = [];
  const invented: string[] = [];
  for (const f of PLANTED_FACTS) {
    const after = compressToolOutput(f.output, { query, fuse }).text;
    if (!after.includes(f.line)) lost.push(f.id);
    invented.push(...diffToolOutput(f.output, after).invented);
  }
  return { lost, invented };
}

let result: ToolFidelityResult;
const arm = (name: string) => result.arms.find((a) => a.name === name)!;

describe('probe tool-fidelity against a scripted model, direct and through the scripted proxy', () => {
  it('runs direct and one fresh proxy per declared arm, and leaves no proxy process behind', async () => {
    const model = await startFidelityModel();
    open.push(model);
    const during: number[] = [];
    result = await runToolFidelity({
      target: { baseUrl: `${model.url}/v1`, model: 'mock-1' },
      proxies: [decl('headroom-defaults'), decl('headroom-safe', SAFE), decl('headroom-fuse', [], { LAL_SCRIPTED_PROXY_FUSE: '1' })],
      timeoutMs: 20_000,
      signal: new AbortController().signal,
      progress: (w) => void (w.endsWith(': grep-needle') && during.push(tagged())),
    });
    assert.deepEqual(result.arms.map((a) => a.name), ['direct', 'headroom-defaults', 'headroom-safe', 'headroom-fuse']);
    assert.deepEqual(during, [0, 1, 1, 1], 'one proxy alive during each proxy arm, none during direct');
    assert.equal(tagged(), 0, 'every proxy process is gone after the probe');
    for (const a of result.arms) assert.equal(a.error, undefined, `${a.name}: ${a.error}`);
  });

  it('direct: every fact reaches the server, nothing invented, every question answered right, "no match" included', () => {
    const d = arm('direct');
    assert.deepEqual(d.factsLost, []);
    assert.deepEqual(d.invented, []);
    assert.deepEqual(d.questions.map((q) => [q.id, q.right]), FIDELITY_QUESTIONS.map((q) => [q.id, true]));
    assert.equal(d.questions.find((q) => q.id === 'grep-none')!.reply, 'no match');
    assert.equal(d.toolsInjected.length, 0);
  });

  it('the proxy with its defaults: every planted fact it drops is reported lost, and the questions that need them go wrong', () => {
    const h = arm('headroom-defaults');
    const expected = expectedLoss();
    assert.deepEqual(expected.lost, ['grep', 'ls'], 'the scripted proxy drops the grep needle and the ls line, keeps the ERROR and the failed item');
    assert.deepEqual(h.factsLost, expected.lost);
    assert.deepEqual(h.invented, []);
    assert.deepEqual(h.questions.filter((q) => !q.right).map((q) => q.id), ['grep-needle', 'ls-lock']);
    assert.ok(h.linesDropped > 0 && h.markerLines > 0);
    assert.deepEqual(h.toolsInjected, ['headroom_retrieve']);
    assert.ok(h.promptTokens! < arm('direct').promptTokens! * 0.6, `server-counted tokens ${h.promptTokens} against ${arm('direct').promptTokens}`);
    assert.equal(h.prefillSource, 'server');
  });

  it('fused lines: every line the proxy invents is reported invented (and fused)', () => {
    const h = arm('headroom-fuse');
    const expected = expectedLoss(true).invented;
    assert.equal(expected.length, 1);
    assert.deepEqual(h.invented, expected);
    assert.deepEqual(h.fused, expected);
  });

  it('the same proxy with --lossless and the safe flags: nothing lost, nothing invented, no tool injected', () => {
    const h = arm('headroom-safe');
    assert.deepEqual(h.factsLost, []);
    assert.deepEqual(h.invented, []);
    assert.deepEqual(h.toolsInjected, []);
    assert.ok(h.questions.every((q) => q.right));
  });

  it('reads as bad with the proxies, good with the direct arm and the safe proxy alone', () => {
    assert.equal(fidelityGood(result), false);
    assert.equal(fidelityGood({ ...result, arms: [arm('direct'), arm('headroom-safe')] }), true);
    const rec: ToolFidelityRecord = { schemaVersion: 1, kind: 'tool-fidelity', id: 'x', startedAt: '2026-12-06T06:00:00Z', agent: 'main', profile: null, config: '/c', notes: [], result };
    const v = toolFidelityView(rec);
    assert.ok(ProbeViewSchema.safeParse(v).success);
    assert.equal(v.tone, 'bad');
    assert.match(v.verdict, /headroom-defaults: lost grep, ls/);
    assert.match(v.verdict, /headroom-fuse: .*1 invented line/);
    assert.deepEqual(v.table.rows.map((r) => r.tone), ['good', 'bad', 'good', 'bad']);
    assert.match(v.table.rows[1]!.cells[1]!, /^2\/4 \(lost: grep, ls\)$/);
    assert.match(v.table.rows[1]!.cells[5]!, /^\d+ %$/);
    assert.ok(v.notes.some((n) => /headroom-defaults: tools injected into every request: headroom_retrieve/.test(n)));
    assert.ok(v.notes.some((n) => /headroom-fuse: invented \(fused\): /.test(n)));
    assert.match(toolFidelityLines(rec)[0]!, /^verdict: /);
    assert.match(toolFidelitySummary(rec), /^direct 4\/4 facts, 0 invented · headroom-defaults 2\/4 facts/);
  });
});

/** The real Headroom, when this machine has it (it cannot be installed from this machine's registries). */
const realHeadroom = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'headroom')).find((f) => fs.existsSync(f));

describe('probe tool-fidelity against the real headroom on PATH', () => {
  it('runs direct, headroom with its defaults and with --lossless, each arm to the end, the direct arm losing nothing', { skip: realHeadroom ? false : 'headroom is not on PATH (headroom-ai is not installable from this machine\'s registries): the scripted proxy stands in above' }, async () => {
    const model = await startFidelityModel();
    open.push(model);
    const real = (name: string, flags: string[] = []): ProxyDecl => ({ name, command: [realHeadroom!, 'proxy', '--host', '127.0.0.1', '--port', '{port}', '--openai-api-url', '{upstream}', ...flags], health: '/livez', env: { LAL_FIDELITY_TEST: TAG } });
    const r = await runToolFidelity({ target: { baseUrl: `${model.url}/v1`, model: 'mock-1' }, proxies: [real('headroom'), real('headroom-lossless', ['--no-cache', '--lossless'])], timeoutMs: 60_000, healthTimeoutMs: 120_000, signal: new AbortController().signal });
    for (const a of r.arms) assert.equal(a.error, undefined, `${a.name}: ${a.error}`);
    assert.deepEqual(r.arms[0]!.factsLost, []);
    assert.equal(tagged(), 0);
    console.log(JSON.stringify(r.arms.map((a) => ({ name: a.name, factsLost: a.factsLost, invented: a.invented.length, promptTokens: a.promptTokens }))));
  });
});

describe('probe tool-fidelity: arms and plan', () => {
  it('--proxy picks declared proxies by name, in order; an unknown name says which are declared', () => {
    const ds = [decl('a'), decl('b')];
    assert.deepEqual(selectProxies(ds, undefined).map((d) => d.name), ['a', 'b']);
    assert.deepEqual(selectProxies(ds, ['b']).map((d) => d.name), ['b']);
    assert.throws(() => selectProxies(ds, ['c']), (e: unknown) => e instanceof ToolFidelityPlanError && /no proxy named "c" \(declared: a, b\)/.test((e as Error).message));
  });

  it('the dry run lists the arms, the facts and the "no match" question', () => {
    const lines = fidelityPlan({ baseUrl: 'http://127.0.0.1:1234/v1', model: 'm' }, [decl('hr')]);
    assert.match(lines[1]!, /^arms: direct, hr/);
    assert.ok(lines.some((l) => /^fact grep: .* prints 200 lines/.test(l)));
    assert.ok(lines.some((l) => /^question grep-none \(honest answer: no match\)/.test(l)));
  });
});

describe('probe tool-fidelity: the record a command-line run wrote (test/fixtures/probes)', () => {
  it('reads as a tool-fidelity record and draws: the defaults arm loses grep and ls at a fraction of the direct tokens; the safe arm loses nothing', () => {
    const rec = ToolFidelityRecordSchema.parse(JSON.parse(fs.readFileSync(path.resolve('test/fixtures/probes/tool-fidelity-scripted-proxy.json'), 'utf8')));
    const v = toolFidelityProbe.view(rec);
    assert.ok(ProbeViewSchema.safeParse(v).success);
    assert.equal(toolFidelityProbe.good(rec), false);
    assert.deepEqual(v.table.rows.map((r) => [r.cells[0], r.cells[1], r.tone]), [['direct', '4/4', 'good'], ['hr-defaults', '2/4 (lost: grep, ls)', 'bad'], ['hr-safe', '4/4', 'good']]);
    assert.match(v.table.rows[1]!.cells[5]!, /^8\d %$/, 'the scripted proxy saves most of the prompt, as compression.md measured Headroom (−87 %)');
  });
});
