import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { sha256 } from '../../src/core/fsutil.js';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { v } from '../../src/core/openclaw/version.js';
import { check } from '../../src/core/check.js';
import { inspectServers } from '../../src/core/sources.js';
import { applyPlan } from '../../src/core/profiles/apply.js';
import { readProfileState } from '../../src/core/profiles/state.js';
import { profileCaveats } from '../../src/core/profiles/caveats.js';
import { KEEP_BACKUPS, stateDir } from '../../src/core/write/backups.js';
import { importDarkmux } from '../../src/core/profiles/darkmux.js';
import { detectProfile, differences } from '../../src/core/profiles/detect.js';
import { planProfile } from '../../src/core/profiles/plan.js';
import { BUILTIN_PROFILES, resolveAll, resolveBuiltin, resolveUser } from '../../src/core/profiles/resolve.js';
import { parseUserProfiles } from '../../src/core/profiles/types.js';
import type { Observation } from '../../src/core/observation.js';
import type { ServerState } from '../../src/core/servers/types.js';
import { lmStudioRoutes, startServer, type ScriptedServer } from '../support/scriptedServer.js';

const GiB = 1024 ** 3;
const CONFIG = (port = 1234) => `// my stack
{
  models: {
    providers: {
      lmstudio: {
        baseUrl: 'http://127.0.0.1:${port}/v1',
        api: 'openai-completions',
        models: [
          // the coder
          { id: 'qwen/qwen3-coder-30b', name: 'Qwen3 Coder 30B', contextWindow: 32768 },
        ],
      },
    },
  },
  agents: {
    defaults: {
      model: { primary: 'lmstudio/qwen/qwen3-coder-30b' },
    },
  },
}
`;

function lm(loaded: { id: string; ctx: number }[]): ServerState {
  return {
    baseUrl: 'http://127.0.0.1:1234/v1',
    status: 'ok',
    kind: 'lmstudio',
    via: 'test',
    loaded: loaded.map((m) => ({ identifier: m.id, modelKey: m.id, loadedContextLength: m.ctx, maxContextLength: 262144, paramsString: m.id.includes('4b') ? '4B' : '30B-A3B' })),
    downloaded: [
      { modelKey: 'qwen/qwen3-coder-30b', type: 'llm', paramsString: '30B-A3B', maxContextLength: 262144, displayName: 'Qwen3 Coder 30B' },
      { modelKey: 'qwen3-4b-instruct-2507', type: 'llm', paramsString: '4B', maxContextLength: 262144, displayName: 'Qwen3 4B Instruct 2507' },
    ],
  };
}

function obsOf(text: string, opts: { memGiB?: number; version?: string; runtimes?: Map<string, ServerState>; file?: string } = {}): Observation {
  return check({
    doc: parseDocument(opts.file ?? '/tmp/openclaw.json', text),
    version: v(opts.version ?? '2026.9.6'),
    machine: { totalMemoryBytes: (opts.memGiB ?? 128) * GiB, cpus: 12, platform: 'test' },
    servers: opts.runtimes ?? new Map([['lmstudio', lm([{ id: 'qwen/qwen3-coder-30b', ctx: 32768 }])]]),
  }).observation;
}

const builtin = (name: string) => BUILTIN_PROFILES.find((b) => b.name === name)!;

describe('built-in profiles', () => {
  it('on the measured machine (128 GB, a ~30B model) carry the validated values', () => {
    const obs = obsOf(CONFIG());
    const mid = resolveBuiltin(builtin('mid-range'), obs);
    assert.deepEqual([mid.primary.context.value, mid.primary.context.source], [101000, 'validated']);
    assert.deepEqual([mid.compactor?.ref, mid.compactor?.context.value, mid.compactor?.context.source], ['lmstudio/qwen3-4b-instruct-2507', 68000, 'validated']);
    assert.deepEqual([mid.budget.value, mid.budget.source], [90000, 'validated']);
    assert.deepEqual([mid.mode?.value, mid.recentTurnsPreserve?.value], ['safeguard', 5], 'with a compactor: in "default" it would not take the threshold compactions');
    const long = resolveBuiltin(builtin('long-agentic'), obs);
    assert.deepEqual([long.primary.context.value, long.compactor?.context.value, long.budget.value, long.budget.source], [262144, 120000, 250000, 'validated']);
    const single = resolveBuiltin(builtin('single-turn'), obs);
    assert.deepEqual([single.primary.context.value, single.compactor, single.mode], [32768, undefined, undefined]);
  });

  it('leave the compactor out when it would push this machine past the memory-headroom line', () => {
    const big = (gb: number) => new Map([['lmstudio', { ...lm([{ id: 'qwen/qwen3-coder-30b', ctx: 32768 }]), loaded: [{ identifier: 'qwen/qwen3-coder-30b', modelKey: 'qwen/qwen3-coder-30b', loadedContextLength: 32768, maxContextLength: 262144, paramsString: '30B-A3B', sizeBytes: gb * 1e9 }], downloaded: [{ modelKey: 'qwen/qwen3-coder-30b', type: 'llm' as const, paramsString: '30B-A3B', sizeBytes: gb * 1e9 }, { modelKey: 'qwen3-4b-instruct-2507', type: 'llm' as const, paramsString: '4B', sizeBytes: 2.5e9, maxContextLength: 262144 }] }]]);
    const tight = resolveBuiltin(builtin('mid-range'), obsOf(CONFIG(), { memGiB: 24, runtimes: big(18.5) }));
    assert.equal(tight.compactor, undefined);
    assert.ok(tight.notes.some((n) => /no compactor: with it the loaded models need ~\d+\.\d GB, over 80 % of this machine's 24 GB/.test(n)), tight.notes.join('; '));
    const roomy = resolveBuiltin(builtin('mid-range'), obsOf(CONFIG(), { memGiB: 64, runtimes: big(18.5) }));
    assert.ok(roomy.compactor);
    // The description comes from the plan: without a compactor it promises none (#29 item 6).
    assert.equal(tight.description, 'Moderate context, no compactor here.');
    assert.equal(roomy.description, 'Moderate context with a small dedicated compactor.');
    const longTight = resolveBuiltin(builtin('long-agentic'), obsOf(CONFIG(), { memGiB: 24, runtimes: big(18.5) }));
    if (!longTight.compactor) assert.equal(longTight.description, "The model's maximum context, no compactor here.");
    // …and the list says so, in words a quick pick can show.
    const obs24 = obsOf(CONFIG(), { memGiB: 24, runtimes: big(18.5) });
    const caveats = profileCaveats(resolveAll(obs24, []).targets, obs24.machine.totalMemoryBytes);
    assert.deepEqual(caveats.get('mid-range')?.filter((c) => c.startsWith('on ')), ['on 24 GB: no room for a compactor']);
    assert.equal(profileCaveats(resolveAll(obsOf(CONFIG(), { memGiB: 64, runtimes: big(18.5) }), []).targets, 64 * 1024 ** 3).get('mid-range'), undefined);
  });

  it("a sweep does not propose a context this machine cannot hold (262,144 on 24 GB); with room it does (#29, lower but real)", async () => {
    const { planVariants } = await import('../../src/core/lab/experiments/sweep.js');
    const big = (gb: number) => new Map([['lmstudio', { ...lm([{ id: 'qwen/qwen3-coder-30b', ctx: 32768 }]), loaded: [{ identifier: 'qwen/qwen3-coder-30b', modelKey: 'qwen/qwen3-coder-30b', loadedContextLength: 32768, maxContextLength: 262144, paramsString: '30B-A3B', sizeBytes: gb * 1e9 }], downloaded: [{ modelKey: 'qwen/qwen3-coder-30b', type: 'llm' as const, paramsString: '30B-A3B', sizeBytes: gb * 1e9, maxContextLength: 262144 }] }]]);
    const obs24 = obsOf(CONFIG(), { memGiB: 24, runtimes: big(18.5) });
    const base24 = resolveBuiltin(builtin('single-turn'), obs24);
    const tight = planVariants(base24, obs24, ['primaryContext']);
    assert.deepEqual(tight.variants, []);
    assert.match(tight.skipped[0]?.reason ?? '', /^at the model's maximum \(262,144\) the models would need ~\d+\.\d GB, over 80 % of this machine's 24 GB$/);
    const obs128 = obsOf(CONFIG(), { memGiB: 128, runtimes: big(18.5) });
    const roomy = planVariants(resolveBuiltin(builtin('single-turn'), obs128), obs128, ['primaryContext']);
    assert.deepEqual(roomy.variants.map((v) => v.to), [262144]);
  });

  it('two profiles that come out the same on this machine say so; different ones do not', () => {
    const obs = obsOf(CONFIG());
    const same = [
      { name: 'a', primary: { context: 48000 }, compactor: null, budget: 40000 },
      { name: 'b', primary: { context: 48000 }, compactor: null, budget: 40000 },
      { name: 'c', primary: { context: 64000 }, compactor: null, budget: 40000 },
    ];
    const caveats = profileCaveats(resolveAll(obs, same).targets, obs.machine.totalMemoryBytes);
    assert.deepEqual(caveats.get('a'), ['same as b here']);
    assert.deepEqual(caveats.get('b'), ['same as a here']);
    assert.equal(caveats.get('c'), undefined);
  });

  it('scale down on a smaller machine, and say the values are derived', () => {
    const mid = resolveBuiltin(builtin('mid-range'), obsOf(CONFIG(), { memGiB: 24 }));
    assert.equal(mid.primary.context.value, 65536);
    assert.equal(mid.budget.source, 'derived');
    assert.equal(mid.compactor?.context.source, 'derived');
    assert.ok(mid.compactor!.context.value >= 0.4 * mid.budget.value, 'the compactor still holds a summary request');
    assert.ok(mid.compactor!.context.value <= mid.primary.context.value);
  });
});

describe('user profiles', () => {
  it('zod names the bad field', () => {
    const r = parseUserProfiles([{ name: 'Fast Lane', primary: { context: 100 } }, { name: 'ok', budget: 'lots' }, { name: 'fine', compactor: null }]);
    assert.equal(r.profiles.length, 1);
    assert.ok(r.errors.some((e) => e.startsWith('localAiLab.profiles[0] ("Fast Lane") name:')), r.errors.join('\n'));
    assert.ok(r.errors.some((e) => e.includes('[0] ("Fast Lane") primary.context')), r.errors.join('\n'));
    assert.ok(r.errors.some((e) => e.includes('[1] ("ok") budget')), r.errors.join('\n'));
    assert.deepEqual(parseUserProfiles({}).errors, ['localAiLab.profiles must be an array of profiles']);
  });

  it('resolve against the operator\'s models and replace a built-in of the same name', () => {
    const obs = obsOf(CONFIG());
    const t = resolveUser({ name: 'mine', primary: { context: 65536 }, compactor: { model: 'lmstudio/qwen3-4b-instruct-2507', context: 40000 }, compaction: { mode: 'default' } }, obs);
    assert.deepEqual([t.primary.context.value, t.primary.context.source, t.compactor?.context.value, t.budget.value], [65536, 'user', 40000, 58000]);
    const all = resolveAll(obs, [{ name: 'mid-range', primary: { context: 50000 } }]);
    assert.equal(all.targets.filter((x) => x.name === 'mid-range').length, 1);
    assert.equal(all.targets.find((x) => x.name === 'mid-range')!.builtin, false);
  });

  it('import darkmux v0.4 profiles, dropping retired knobs with a note', () => {
    const darkmux = {
      profiles: {
        fast: { description: 'fast', models: [{ id: 'qwen/qwen3-coder-30b', n_ctx: 32000, role: 'primary' }], use_when: { task: 'single' } },
        balanced: {
          description: 'balanced',
          models: [{ id: 'qwen/qwen3-coder-30b', n_ctx: 100000, role: 'primary' }, { id: 'qwen3-4b-instruct-2507', n_ctx: 68000, role: 'compactor' }],
          runtime: { configPath: '~/.openclaw/openclaw.json', contextTokens: 90000, compaction: { mode: 'default', maxHistoryShare: 0.35, recentTurnsPreserve: 5, customInstructions: 'keep ids' } },
        },
        Deep: { models: [{ id: 'a', role: 'primary' }, { id: 'b', role: 'primary' }] },
      },
      default_profile: 'balanced',
    };
    const r = importDarkmux(darkmux, 'lmstudio');
    assert.deepEqual(r.profiles.map((p) => p.name), ['fast', 'balanced']);
    const b = r.profiles[1]!;
    assert.deepEqual(b, {
      name: 'balanced',
      description: 'balanced',
      primary: { model: 'lmstudio/qwen/qwen3-coder-30b', context: 100000 },
      compactor: { model: 'lmstudio/qwen3-4b-instruct-2507', context: 68000 },
      budget: 90000,
      compaction: { mode: 'default', recentTurnsPreserve: 5 },
    });
    assert.equal(r.profiles[0]!.whenItWins, '{"task":"single"}');
    assert.ok(r.notes.some((n) => n.includes('maxHistoryShare, customInstructions')));
    assert.ok(r.notes.some((n) => n.startsWith('Deep: skipped')));
    assert.deepEqual(r.unmapped!.find((u) => u.profile === 'balanced')!.fields, ['runtime.configPath', 'runtime.compaction.maxHistoryShare', 'runtime.compaction.customInstructions']);
    assert.deepEqual(r.unmapped!.find((u) => u.profile === '(registry)')!.fields, ['default_profile']);
    assert.throws(() => importDarkmux({ nope: 1 }), /not a darkmux profiles\.json \(v0\.4 or schema 1\.x\)/);
  });
});

describe('darkmux\'s own example registries (test/fixtures/darkmux, cited in its MANIFEST.md)', () => {
  const fixture = (f: string) => JSON.parse(fs.readFileSync(path.join('test/fixtures/darkmux', f), 'utf8'));

  it('HEAD (schema 1.5): every local profile imported, the default worker as primary, internal.utility as compactor, what does not map named per profile', () => {
    const r = importDarkmux(fixture('profiles.example.head.json'), 'lmstudio');
    assert.equal(r.schema, '1.5');
    assert.deepEqual(r.profiles.map((p) => p.name), ['fast', 'balanced', 'deep', 'gpt-oss', 'devstral', 'qwen3-6-27b-review', 'judge-35b-moe']);
    assert.deepEqual(r.profiles.find((p) => p.name === 'gpt-oss'), {
      name: 'gpt-oss',
      description: 'OpenAI gpt-oss-120b (MXFP4 quantization) for Apple Silicon — worker at 100K. Requires OpenClaw >= v2026.5.9-beta.1 (harmony format / tool-payload fix).',
      primary: { model: 'lmstudio/mlx-community/gpt-oss-120b-MXFP4-Q8', context: 100000 },
      compactor: { model: 'lmstudio/qwen/qwen3-4b-instruct-2507' },
    });
    assert.deepEqual(r.profiles.find((p) => p.name === 'deep')!.primary, { model: 'lmstudio/<your-worker-model-id>', context: 200000 });
    // Nothing silently skipped: the hosted profile and the registry's own keys are listed, with why.
    const hosted = r.unmapped!.find((u) => u.profile === 'hosted-frontier')!;
    assert.deepEqual(hosted.fields, ['(whole profile)', 'models[0].endpoint']);
    assert.ok(r.notes.some((n) => /^hosted-frontier: skipped — its model gpt-5\.1 is hosted \(endpoint https:\/\/<your-resource>/.test(n)), r.notes.join('\n'));
    assert.deepEqual(r.unmapped!.find((u) => u.profile === '(registry)')!.fields, ['_comment', 'default_profile', '_review_staffing_comment']);
    assert.deepEqual(r.unmapped!.find((u) => u.profile === 'fast')!.fields, []);
    assert.ok(r.notes.includes('qwen3.6-27b-review: renamed to qwen3-6-27b-review'));
    assert.ok(r.notes.some((n) => n.startsWith('fast: model "<your-worker-model-id>" is the example\'s placeholder')));
    // Every darkmux profile is either imported or named in a skip note.
    assert.equal(r.unmapped!.filter((u) => u.profile !== '(registry)').length, Object.keys(fixture('profiles.example.head.json').profiles).length);
  });

  it('HEAD fields beyond the example: context_tokens → budget, darkmux\'s own compaction, capabilities, identifier and further workers listed; a broken profile is quarantined alone', () => {
    const r = importDarkmux({
      schema_version: '1.5',
      profiles: {
        crew: {
          models: [
            { id: 'qwen/qwen3-coder-30b', n_ctx: 100000, capabilities: { code: 0.9 } },
            { id: 'openai/gpt-oss-20b', n_ctx: 64000, identifier: 'darkmux:gpt-oss', capabilities: { reasoning: 0.8 } },
          ],
          default_model: 'openai/gpt-oss-20b',
          runtime: { context_tokens: 58000, config_path: '~/x.json', compaction: { strategy: 'structured-slot', threshold_ratio: 0.6, custom_instructions: 'keep ids', mode: 'default', recentTurnsPreserve: 3 } },
          use_when: 'agentic',
        },
        broken: { models: [] },
        nodefault: { models: [{ id: 'a', n_ctx: 8192 }], default_model: 'b' },
      },
    });
    assert.deepEqual(r.profiles, [
      {
        name: 'crew',
        description: 'Imported from darkmux (crew)',
        whenItWins: 'agentic',
        primary: { model: 'lmstudio/openai/gpt-oss-20b', context: 64000 },
        budget: 58000,
        compaction: { mode: 'default', recentTurnsPreserve: 3 },
      },
    ]);
    assert.deepEqual(r.unmapped!.find((u) => u.profile === 'crew')!.fields, [
      'models[0] (qwen/qwen3-coder-30b: a further worker; a profile here runs one primary)',
      'models[1].identifier',
      'models[1].capabilities',
      'runtime.config_path',
      'runtime.compaction.strategy',
      'runtime.compaction.threshold_ratio',
      'runtime.compaction.custom_instructions',
    ]);
    assert.ok(r.notes.some((n) => n.startsWith('broken: skipped — models:')));
    assert.ok(r.notes.includes('nodefault: skipped — default_model "b" names no model in models[]'));
  });

  it('v0.4\'s example still reads as v0.4 (roles), beside HEAD', () => {
    const r = importDarkmux(fixture('profiles.example.v0.4.json'), 'lmstudio');
    assert.equal(r.schema, '0.4');
    assert.deepEqual(r.profiles.map((p) => [p.name, p.primary?.context, p.compactor?.context]), [['fast', 32000, undefined], ['balanced', 100000, 68000], ['deep', 200000, 120000]]);
    assert.deepEqual(r.unmapped, [
      { profile: '(registry)', fields: ['_comment', 'default_profile'] },
      { profile: 'fast', fields: [] },
      { profile: 'balanced', fields: [] },
      { profile: 'deep', fields: [] },
    ]);
  });
});

describe('plans per release', () => {
  it('2026.9 writes contextTokens on the model row; 2026.5 writes agents.defaults.contextTokens; comments stay', () => {
    for (const [version, want, notWant] of [
      ['2026.9.6', /contextWindow: 101000, contextTokens: 90000/, /agents[^]*defaults: \{[^]*contextTokens/],
      ['2026.5.28', /defaults: \{[^]*contextTokens: 90000/, /contextWindow: 101000, contextTokens/],
    ] as const) {
      const obs = obsOf(CONFIG(), { version });
      const plan = planProfile(resolveBuiltin(builtin('mid-range'), obs), obs);
      assert.match(plan.after, want, version);
      assert.doesNotMatch(plan.after, notWant, version);
      assert.match(plan.after, /\/\/ my stack/);
      assert.match(plan.after, /\/\/ the coder/);
      assert.match(plan.after, /model: 'lmstudio\/qwen3-4b-instruct-2507'/);
      assert.match(plan.after, /name: 'Qwen3 4B Instruct 2507', contextWindow: 68000/);
      assert.deepEqual(plan.actions.map((a) => (a.kind === 'load' ? `load ${a.modelKey}@${a.contextLength}` : a.kind === 'unload' ? `unload ${a.identifier}` : a.kind)), [
        'unload qwen/qwen3-coder-30b',
        'load qwen/qwen3-coder-30b@101000',
        'load qwen3-4b-instruct-2507@68000',
      ]);
      assert.deepEqual(plan.unloadsOperatorModels, ['qwen/qwen3-coder-30b (loaded at 32,768)']);
    }
  });

  it('item 8: is blocked, so --dry-run shows no diff the apply would refuse, when it would replace a ${VAR}', () => {
    const text = CONFIG().replace("model: { primary: 'lmstudio/qwen/qwen3-coder-30b' },", "model: { primary: 'lmstudio/qwen/qwen3-coder-30b' },\n      compaction: { model: '${COMPACTOR}' },");
    const obs = obsOf(text);
    const plan = planProfile(resolveBuiltin(builtin('mid-range'), obs), obs);
    assert.match(plan.blocked ?? '', /agents\.defaults\.compaction\.model is \$\{COMPACTOR\}.*nothing would be written/);
    assert.equal(plan.after, plan.before, 'no diff to show');
    assert.deepEqual(plan.actions, [], 'and nothing to load');
  });

  it('item 6: an apply whose load fails restores the config and puts the servers back: the primary reloaded at its old context', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-putback-'));
    const file = path.join(dir, 'openclaw.json');
    fs.writeFileSync(file, CONFIG());
    const obs = obsOf(CONFIG(), { file });
    const plan = planProfile(resolveBuiltin(builtin('mid-range'), obs), obs);
    const calls: string[] = [];
    const report = await applyPlan(plan, {
      expectedHash: sha256(fs.readFileSync(file)),
      run: async (a) => {
        const what = a.kind === 'load' ? `load ${a.modelKey}@${a.contextLength}` : a.kind === 'unload' ? `unload ${a.identifier}` : a.kind;
        calls.push(what);
        if (what === 'load qwen3-4b-instruct-2507@68000') throw new Error('out of memory');
        return what;
      },
    });
    assert.equal(report.ok, false);
    assert.equal(report.restored, true, 'the config is restored');
    assert.equal(fs.readFileSync(file, 'utf8'), CONFIG());
    assert.deepEqual(calls, [
      'unload qwen/qwen3-coder-30b',
      'load qwen/qwen3-coder-30b@101000',
      'load qwen3-4b-instruct-2507@68000',
      // The way back: what the plan loaded goes, what it unloaded comes back as it was.
      'unload qwen/qwen3-coder-30b',
      'load qwen/qwen3-coder-30b@32768',
    ]);
    assert.ok(report.steps.some((st) => /put back: load qwen\/qwen3-coder-30b@32768/.test(st)), report.steps.join('\n'));
  });

  it('is blocked, with what to do, when the server does not answer', () => {
    const obs = obsOf(CONFIG(), { runtimes: new Map([['lmstudio', { baseUrl: 'http://127.0.0.1:1234/v1', status: 'unreachable', detail: 'nothing answers at http://127.0.0.1:1234', loaded: [], via: 'probe' }]]) });
    const plan = planProfile(resolveBuiltin(builtin('single-turn'), obs), obs);
    assert.match(plan.blocked!, /nothing answers.*Start the server/);
  });
});

describe('a switch whose model the server does not have (#29 item 1)', () => {
  it('is refused before the first action, naming the model, and nothing is written or sent', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-missing-'));
    const file = path.join(dir, 'openclaw.json');
    fs.writeFileSync(file, CONFIG());
    const obs = obsOf(CONFIG(), { file });
    const t = resolveUser({ name: 'mine', primary: { context: 49152 }, compactor: { model: 'lmstudio/qwen3-8b-not-here', context: 40000 } }, obs);
    const plan = planProfile(t, obs);
    assert.match(plan.blocked ?? '', /lmstudio\/qwen3-8b-not-here is not downloaded on LM Studio.*nothing was changed.*lms get qwen3-8b-not-here/);
    const sent: string[] = [];
    const report = await applyPlan(plan, { expectedHash: sha256(fs.readFileSync(file)), run: async (a) => (sent.push(a.kind), 'ok') });
    assert.equal(report.ok, false);
    assert.deepEqual(sent, [], 'the primary is not unloaded or reloaded');
    assert.equal(fs.readFileSync(file, 'utf8'), CONFIG(), 'openclaw.json untouched');
    assert.equal(report.backup, undefined);
  });

  it('still applies when the model is loaded but not listed, or the server cannot list downloads', () => {
    const noList: ServerState = { ...lm([{ id: 'qwen/qwen3-coder-30b', ctx: 32768 }]), downloaded: undefined };
    const obs = obsOf(CONFIG(), { runtimes: new Map([['lmstudio', noList]]) });
    const plan = planProfile(resolveUser({ name: 'mine', primary: { context: 49152 }, compactor: { model: 'lmstudio/qwen3-8b-elsewhere', context: 40000 } }, obs), obs);
    assert.equal(plan.blocked, undefined);
  });
});

describe('detection', () => {
  it('finds the profile in force, drift after a hand edit or a missing compactor, custom when nothing matches', () => {
    const obs0 = obsOf(CONFIG());
    const mid = resolveBuiltin(builtin('mid-range'), obs0);
    const plan = planProfile(mid, obs0);
    const applied = (text: string, loaded: { id: string; ctx: number }[]) => obsOf(text, { runtimes: new Map([['lmstudio', lm(loaded)]]) });
    const ok = applied(plan.after, [{ id: 'qwen/qwen3-coder-30b', ctx: 101000 }, { id: 'qwen3-4b-instruct-2507', ctx: 68000 }]);
    const targets = resolveAll(ok, []).targets;
    assert.deepEqual(differences(mid, ok), []);
    assert.deepEqual([detectProfile(targets, ok).name, detectProfile(targets, ok).drift], ['mid-range', false]);
    // Within 5 % is still the profile; 10 % off is drift.
    const near = applied(plan.after, [{ id: 'qwen/qwen3-coder-30b', ctx: 98304 }, { id: 'qwen3-4b-instruct-2507', ctx: 68000 }]);
    assert.equal(detectProfile(targets, near, 'mid-range').drift, false);
    const handEdit = applied(plan.after.replace('contextTokens: 90000', 'contextTokens: 80000'), [{ id: 'qwen/qwen3-coder-30b', ctx: 101000 }, { id: 'qwen3-4b-instruct-2507', ctx: 68000 }]);
    const d = detectProfile(targets, handEdit, 'mid-range');
    assert.deepEqual([d.name, d.drift, d.differences.map((x) => x.what)], ['mid-range', true, ['runtime budget']]);
    const noCompactor = applied(plan.after, [{ id: 'qwen/qwen3-coder-30b', ctx: 101000 }]);
    assert.deepEqual(detectProfile(targets, noCompactor, 'mid-range').differences.map((x) => `${x.what}: ${x.actual}`), ['compactor loaded: not loaded']);
    assert.equal(detectProfile(resolveAll(obs0, []).targets, obs0).name, 'custom');
  });
});

describe('apply against a scripted LM Studio', () => {
  const servers: ScriptedServer[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));

  async function setup(failLoads: string[] = []) {
    const s = await startServer(lmStudioRoutes({ loadedContext: 32768, failLoads }));
    servers.push(s);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-apply-'));
    const file = path.join(dir, 'openclaw.json');
    fs.writeFileSync(file, CONFIG(s.port));
    const text = fs.readFileSync(file, 'utf8');
    const machine = { totalMemoryBytes: 128 * GiB, cpus: 12, platform: 'test' };
    const base = check({ doc: parseDocument(file, text), version: v('2026.9.6'), machine }).observation;
    const reprobe = () => inspectServers(base.model.providers, { timeoutMs: 1500 });
    const obs = check({ doc: parseDocument(file, text), version: v('2026.9.6'), machine, servers: await reprobe() }).observation;
    return { s, file, text, obs, reprobe };
  }

  it('backs up, writes, loads at the new contexts, records the profile', async () => {
    const { s, file, text, obs, reprobe } = await setup();
    const plan = planProfile(resolveBuiltin(builtin('mid-range'), obs), obs);
    const report = await applyPlan(plan, { expectedHash: sha256(fs.readFileSync(file)), reprobe });
    assert.equal(report.ok, true, report.error);
    assert.equal(fs.readFileSync(report.backup!, 'utf8'), text, 'the backup holds the old bytes');
    assert.equal(fs.readFileSync(file, 'utf8'), plan.after);
    const loads = s.requests.filter((r) => r.path === '/api/v1/models/load').map((r) => r.body);
    assert.deepEqual(loads, [{ model: 'qwen/qwen3-coder-30b', context_length: 101000, echo_load_config: true }, { model: 'qwen3-4b-instruct-2507', context_length: 68000, echo_load_config: true }]);
    assert.deepEqual([...report.loadedAfter].sort(), ['qwen/qwen3-coder-30b at 101,000', 'qwen3-4b-instruct-2507 at 68,000']);
    assert.equal(readProfileState(file)?.profile, 'mid-range');
    const after = check({ doc: parseDocument(file, fs.readFileSync(file, 'utf8')), version: v('2026.9.6'), machine: obs.machine, servers: await reprobe() }).observation;
    assert.deepEqual(detectProfile(resolveAll(after, []).targets, after, 'mid-range').differences, []);
  });

  it('restores the config from the backup when a load fails midway, and says what is loaded', async () => {
    const { file, text, obs, reprobe } = await setup(['qwen3-4b-instruct-2507']);
    const plan = planProfile(resolveBuiltin(builtin('mid-range'), obs), obs);
    const report = await applyPlan(plan, { expectedHash: sha256(fs.readFileSync(file)), reprobe });
    assert.equal(report.ok, false);
    assert.equal(report.restored, true);
    assert.match(report.error!, /did not load qwen3-4b-instruct-2507 at 68,000: HTTP 500/);
    assert.equal(fs.readFileSync(file, 'utf8'), text, 'byte for byte as before');
    // #27 item 6: the primary, unloaded to reload it at 101,000, is put back at its context from before.
    assert.deepEqual(report.loadedAfter, ['qwen/qwen3-coder-30b at 32,768'], 'the report says what is loaded: the state from before');
    assert.equal(readProfileState(file), undefined);
  });

  it('refuses when the file changed since the plan, and keeps only the last KEEP_BACKUPS backups', async () => {
    const { file, obs } = await setup();
    const plan = planProfile(resolveBuiltin(builtin('single-turn'), obs), obs);
    const stale = await applyPlan(plan, { expectedHash: 'not-the-hash' });
    assert.match(stale.error!, /changed on disk since it was read; nothing was written/);
    for (let i = 0; i < KEEP_BACKUPS + 2; i++) {
      const o2 = check({ doc: parseDocument(file, fs.readFileSync(file, 'utf8')), version: v('2026.9.6'), machine: obs.machine, servers: obs.runtimes }).observation;
      const p = planProfile(resolveBuiltin(builtin(i % 2 ? 'single-turn' : 'mid-range'), o2), o2);
      await applyPlan(p, { expectedHash: sha256(fs.readFileSync(file)), run: async () => 'ok' });
    }
    assert.equal(fs.readdirSync(path.join(stateDir(file), 'backups')).filter((f) => f.endsWith('.bak')).length, KEEP_BACKUPS);
  });
});
