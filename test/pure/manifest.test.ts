import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { extractSection } from '../../src/core/docs.js';
import { docsAnchor } from '../../src/core/findings.js';
import { RULES } from '../../src/core/rules/registry.js';
import { COMMANDS } from '../../src/vscode/commands.js';

const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const readme = fs.readFileSync('README.md', 'utf8');

describe('manifest and docs', () => {
  it('every rule has the README section its diagnostics link to', () => {
    for (const rule of RULES) {
      assert.equal(rule.anchor, docsAnchor(rule.id), 'the anchor a diagnostic links to');
      const section = extractSection(readme, rule.anchor);
      assert.ok(section?.startsWith(`### \`${rule.id}\``), `README section for ${rule.id}`);
      assert.ok(section!.split('\n').length >= 2, `${rule.id} is explained`);
    }
  });

  it("the README's rule table says what the rule objects say: every rule in order, its link, severity and summary", () => {
    const lines = readme.slice(readme.indexOf('\n## Rules\n')).split('\n');
    const header = lines.indexOf('| rule | severity | what it reports |');
    assert.ok(header > 0, 'the Rules section has the table');
    const rows = [];
    for (const line of lines.slice(header + 2)) {
      if (!line.startsWith('|')) break;
      const [link, severity, summary] = line.slice(1, -1).split(' | ').map((c) => c.trim());
      const m = /^\[`([a-z0-9-]+)`\]\(#([a-z0-9-]+)\)$/.exec(link ?? '');
      assert.ok(m, `a row links its rule: ${line}`);
      rows.push({ id: m[1], anchor: m[2], severity, summary });
    }
    assert.deepEqual(rows, RULES.map((r) => ({ id: r.id, anchor: r.anchor, severity: r.severity, summary: r.summary })));
  });

  it('every contributed command is in the command table, and every command in the table is contributed', () => {
    const contributed = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual(Object.keys(COMMANDS).sort(), contributed);
    // …and nothing registers around the table, unvalidated: frame.ts registers its rows, nothing else registers.
    const src = fs.readdirSync('src', { recursive: true }).filter((f) => String(f).endsWith('.ts')).map((f) => ({ f: String(f), text: fs.readFileSync(`src/${f}`, 'utf8') }));
    const registering = src.filter((s) => /\bregisterCommand\(/.test(s.text)).map((s) => s.f);
    assert.deepEqual(registering, [path.join('vscode', 'frame.ts')], 'only src/vscode/frame.ts calls registerCommand');
    assert.match(fs.readFileSync('src/vscode/frame.ts', 'utf8'), /Object\.entries\(COMMANDS\)/, 'it registers the table');
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'Local AI Lab');
  });

  it('what runs programs named by workspace files needs trust (lab runs, sweeps, probes); reading records and the config does not', () => {
    const trusted = Object.entries(COMMANDS).filter(([, d]) => 'trusted' in d && d.trusted).map(([id]) => id).sort();
    assert.deepEqual(trusted, ['localAiLab.probeCodewords', 'localAiLab.probeCompressionFidelity', 'localAiLab.probeFill', 'localAiLab.probePrefixStability', 'localAiLab.probePromptSections', 'localAiLab.probeTools', 'localAiLab.proveFix', 'localAiLab.resumeLab', 'localAiLab.runLab', 'localAiLab.runLab6', 'localAiLab.runSweep']);
  });

  it('each menu entry passes its command arguments the table takes; a call from outside with others is refused', () => {
    const args = (id: string, raw: unknown[]) => COMMANDS[id as keyof typeof COMMANDS].args.safeParse(raw).success;
    const session = { kind: 'session', id: '2026-09-01T10-00-00-quick-check' };
    const profile = { kind: 'profile', name: 'single-turn' };
    for (const m of pkg.contributes.menus['view/item/context'] as { command: string; when: string }[]) {
      // A tree row's node, then the selection (the Sessions view allows several).
      const node = m.when.includes('localAiLab.sessions') ? session : profile;
      assert.ok(args(m.command, [node, [node]]), `${m.command} takes its row and the selection`);
    }
    for (const m of pkg.contributes.menus['view/title'] as { command: string }[]) assert.ok(args(m.command, []), `${m.command} from a view's title bar`);
    for (const m of pkg.contributes.menus['editor/title'] as { command: string }[]) assert.ok(args(m.command, [{ scheme: 'local-ai-lab-proposed' }, { groupId: 1 }]), `${m.command} from the diff's title bar`);
    // Show Profile's document carries a way to (re-)apply what it shows, and only that document (#29, lower but real).
    const shown = (pkg.contributes.menus['editor/title'] as { command: string; when: string }[]).find((m) => m.command === 'localAiLab.applyShownProfile');
    assert.equal(shown?.when, 'resourceScheme == local-ai-lab-proposed && resourcePath =~ /^\\/profile\\//');
    // Tree rows' clicks (src/vscode/labView.ts) pass an id.
    for (const id of ['localAiLab.openLabSession', 'localAiLab.showProfile', 'localAiLab.openSweep', 'localAiLab.openCodewordProbe', 'localAiLab.openProbe']) assert.ok(args(id, ['x-1']), id);
    assert.ok(!args('localAiLab.openProbe', ['../x']), 'a probe id never leaves probes/');
    assert.ok(!args('localAiLab.probeFill', [{ agent: 'main', turns: 3 }]), 'the wire probes take only the options they know');
    assert.ok(!args('localAiLab.applyFix', [{ title: 'x', plan: { edits: [], actions: [] } }]), 'applyFix never takes a plan');
    assert.ok(!args('localAiLab.resumeLab', ['../../etc']), 'a session id never leaves runs/');
    assert.ok(!args('localAiLab.runSweep', [{ knobs: ['notAKnob'] }]));
  });

  it('every setting has a default, a description and a scope; paths to executables and the config are machine-scoped', () => {
    for (const group of pkg.contributes.configuration) {
      for (const [key, s] of Object.entries(group.properties) as [string, { default?: unknown; markdownDescription?: string; scope?: string }][]) {
        assert.ok(key.startsWith('localAiLab.'), key);
        assert.ok(s.default !== undefined && s.markdownDescription && s.scope, key);
        if (/executable|configPath/.test(key)) assert.equal(s.scope, 'machine', key);
        assert.ok(readme.includes(`\`${key}\``), `${key} is in the README`);
      }
    }
  });

  it('a workspace cannot silence rules, replace profiles or opt into hosted endpoints and outside prompt files', () => {
    const settings = Object.assign({}, ...pkg.contributes.configuration.map((g: { properties: object }) => g.properties));
    const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const key of ['localAiLab.profiles', 'localAiLab.rules.disabled']) {
      assert.equal(settings[key].scope, 'machine-overridable', key);
      assert.ok(restricted.includes(key), `${key} is ignored from an untrusted workspace`);
    }
    for (const key of ['localAiLab.lab.allowHostedEndpoints', 'localAiLab.lab.allowPromptFilesAnywhere']) {
      assert.deepEqual([settings[key].scope, settings[key].default], ['machine', false], key);
      assert.ok(restricted.includes(key), key);
    }
    for (const key of restricted) assert.ok(['machine', 'machine-overridable'].includes(settings[key].scope), key);
  });

  it('engines.vscode is testable in the real VS Code here (1.139) and activation is lazy', () => {
    const [maj, min] = String(pkg.engines.vscode).replace(/^[^\d]*/, '').split('.').map(Number);
    assert.ok(maj === 1 && min! <= 139, pkg.engines.vscode);
    assert.deepEqual(pkg.activationEvents, ['onStartupFinished', 'onWebviewPanel:localAiLab.labPanel'], 'lazy, plus the panel serializer');
  });
});

describe('first run: walkthrough, icon, Lab view', () => {
  const contributed = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  // A view container's own command, which VS Code generates; every other link must be ours.
  const generated = new Set(pkg.contributes.viewsContainers.activitybar.map((v: { id: string }) => `workbench.view.extension.${v.id}`));
  const links = (text: string) => [...text.matchAll(/\(command:([A-Za-z0-9_.]+)/g)].map((m) => m[1]!);

  it('the walkthrough finds the config, shows the servers, picks a profile and runs a lab, each step with a command that exists', () => {
    const [w, ...others] = pkg.contributes.walkthroughs;
    assert.equal(others.length, 0, 'one walkthrough');
    assert.equal(w.id, 'localAiLab.gettingStarted', 'the id src/vscode/walkthrough.ts opens');
    assert.deepEqual(w.steps.map((s: { id: string }) => s.id), ['findConfig', 'servers', 'profile', 'lab']);
    for (const step of w.steps) {
      const cmds = links(step.description);
      assert.ok(cmds.length >= 1, `${step.id} has a command link`);
      for (const c of cmds) assert.ok(contributed.has(c) || generated.has(c), `${step.id} links ${c}, which exists`);
      for (const e of step.completionEvents ?? []) assert.ok(contributed.has(e.replace(/^onCommand:/, '')), `${step.id} completes on ${e}`);
      const media = step.media.markdown ?? step.media.image ?? step.media.svg;
      assert.ok(fs.existsSync(media), `${step.id}: ${media} exists`);
      assert.match(media, /^media\//, 'media/ is shipped (.vscodeignore keeps media/**)');
    }
    for (const v of pkg.contributes.viewsWelcome) for (const c of links(v.contents)) assert.ok(contributed.has(c), `${v.view} links ${c}`);
    assert.match(fs.readFileSync('.vscodeignore', 'utf8'), /^!media\/\*\*$/m);
  });

  it('the icon is a 128×128 PNG made from the SVG kept beside it', () => {
    const png = fs.readFileSync(pkg.icon);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
    assert.match(fs.readFileSync(pkg.icon.replace(/\.png$/, '.svg'), 'utf8'), /rsvg-convert -w 128 -h 128 media\/icon\.svg -o media\/icon\.png/);
  });

  it('the Lab view lists sessions, profiles and experiments, and every menu entry names a contributed command and one of the views', () => {
    const views = pkg.contributes.views.localAiLab.map((v: { id: string }) => v.id);
    assert.deepEqual(views, ['localAiLab.sessions', 'localAiLab.profilesView', 'localAiLab.experiments']);
    const src = fs.readFileSync('src/vscode/labView.ts', 'utf8');
    for (const v of views) assert.ok(src.includes(`'${v}'`), `${v} has a tree provider`);
    const menus = [...pkg.contributes.menus['view/item/context'], ...pkg.contributes.menus['view/title']];
    for (const m of menus) {
      assert.ok(contributed.has(m.command), m.command);
      assert.ok(views.some((v: string) => m.when.includes(`view == ${v}`)), `${m.command} is scoped to a Lab view`);
    }
    const onSessions = pkg.contributes.menus['view/item/context'].filter((m: { when: string }) => m.when.includes('localAiLab.sessions')).map((m: { command: string }) => m.command);
    assert.deepEqual(onSessions.sort(), ['localAiLab.compareLabSessions', 'localAiLab.deleteLabSession', 'localAiLab.openLabSession', 'localAiLab.resumeLab']);
    assert.ok(pkg.contributes.menus['view/item/context'].some((m: { command: string; when: string }) => m.command === 'localAiLab.applyProfile' && m.when.includes('localAiLab.profilesView')));
  });
});

describe('contributed schemas', () => {
  it('schemas/workload.schema.json is what the validator generates (run npm run schemas after changing it)', async () => {
    const { workloadJsonSchema } = await import('../../src/core/lab/workloadSchema.js');
    assert.deepEqual(JSON.parse(fs.readFileSync('schemas/workload.schema.json', 'utf8')), workloadJsonSchema());
    assert.ok(pkg.contributes.jsonValidation.some((j: { fileMatch: string; url: string }) => j.fileMatch === '**/.local-ai-lab/workloads/*.json' && j.url === './schemas/workload.schema.json'));
  });
});

describe('kept probe records carry nothing of the machine that wrote them', () => {
  it('portable(): the Node binary is `node`, checkout files are relative, temp folders are <tmp>/<prefix>', async () => {
    const { portable } = await import('../support/probeFixtures.js');
    const os = await import('node:os');
    const rec = JSON.stringify({ command: [process.execPath, path.resolve('out/test/support/scriptedProxy.js'), '{port}'], config: path.join(os.tmpdir(), 'lal-fill-TW9RqW', 'openclaw.json') });
    assert.deepEqual(JSON.parse(portable(rec)), { command: ['node', 'out/test/support/scriptedProxy.js', '{port}'], config: '<tmp>/lal-fill/openclaw.json' });
  });

  it('every record in test/fixtures/probes is portable', () => {
    const dir = path.resolve('test/fixtures/probes');
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      assert.doesNotMatch(text, /"\/(usr|work|root|home|opt)\/|\/tmp\/lal-/, `${f}: an absolute path of the machine that wrote it`);
    }
  });
});
