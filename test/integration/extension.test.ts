import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { ollamaRoutes, startServer } from '../support/scriptedServer.js';

const CONFIG = process.env.LAL_SANDBOX_CONFIG!;
const uri = () => vscode.Uri.file(CONFIG);
type Api = { activateMs: number; firstDiagnosticsMs(): number | undefined; state(): { findings: { rule: string }[]; openclawVersion: string | null; refreshedAt: number | null; diskHash: string | null; validatedHash: string | null; profile?: { text: string } }; refresh(o?: object): Promise<void> };

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Our diagnostic's whole text: the row's sentence and its details (related information that is not OpenClaw's). */
const fullText = (d: vscode.Diagnostic) => [d.message, ...(d.relatedInformation ?? []).filter((r) => !/^OpenClaw \d+\.\d+\.\d+[^:]*: /.test(r.message)).map((r) => r.message)].join(' ');
const ruleOfDiag = (d: vscode.Diagnostic) => (d.source === 'Local AI Lab' && typeof d.code === 'object' ? String(d.code.value) : undefined);
const ours = (rule: string) => vscode.languages.getDiagnostics(uri()).find((d) => d.source === 'Local AI Lab' && typeof d.code === 'object' && d.code?.value === rule);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * The code actions at a range, asked again when VS Code cancels the request: VS Code cancels a pending code-action
 * request when the document changes under it (the file reloaded from disk after the previous test put back the planted
 * bytes), and the command then rejects with "Canceled" (seen on VS Code 1.90 in CI).
 */
async function codeActions(doc: vscode.Uri, range: vscode.Range, kind: string): Promise<vscode.CodeAction[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc, range, kind);
    } catch (e) {
      if (!(e instanceof Error && e.message === 'Canceled') || attempt >= 10) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

suite('Local AI Lab in a real extension host', () => {
  let api: Api;
  /** The sandbox's config as it was planted, before any test. */
  let planted: Buffer;

  suiteSetup(async () => {
    planted = fs.readFileSync(CONFIG);
    const ext = vscode.extensions.getExtension('local-ai-lab.local-ai-lab');
    assert.ok(ext, 'the extension is installed');
    api = (await ext.activate()) as Api;
    // Which VS Code: npm run test:e2e runs this suite on the stable and on the minimum `engines.vscode` admits.
    console.log(`extension host: VS Code ${vscode.version}, Node ${process.version}`);
  });

  // Each test starts from the planted sandbox, whatever the test before it did (or failed to undo): no unsaved
  // edits, no open editors, no side files, backups or recorded profile beside the config, the planted bytes on
  // disk, and the extension's findings of those bytes.
  setup(async () => {
    for (const d of vscode.workspace.textDocuments.filter((x) => x.isDirty && x.uri.fsPath === CONFIG)) {
      await vscode.window.showTextDocument(d);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const dir = path.dirname(CONFIG);
    for (const f of fs.readdirSync(dir).filter((f) => f.startsWith('openclaw.json.removed-'))) fs.rmSync(path.join(dir, f));
    fs.rmSync(path.join(dir, 'local-ai-lab'), { recursive: true, force: true });
    if (!fs.readFileSync(CONFIG).equals(planted)) fs.writeFileSync(CONFIG, planted);
    await until('the extension to have read the planted config', () => api.state().diskHash === sha256(planted));
  });

  test('finds the planted problems in ~/.openclaw/openclaw.json without opening it', async () => {
    await until('diagnostics', () => ours('context-window-mismatch') && ours('compaction-model-missing') && ours('retired-key'));
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.fsPath === CONFIG), 'the config was never opened');
    const d = ours('context-window-mismatch')!;
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    const line = fs.readFileSync(CONFIG, 'utf8').split('\n')[d.range.start.line]!;
    assert.equal(line.slice(d.range.start.character, d.range.end.character), '131072');
    assert.match(d.message, /32,768/);
  });

  test('OpenClaw\'s own validator speaks of the retired key: one diagnostic, ours, with OpenClaw\'s message beside it', async function () {
    if (!process.env.LAL_OPENCLAW_AVAILABLE) this.skip();
    const d = await until('the validator\'s issue merged into ours', () => vscode.languages.getDiagnostics(uri()).find((x) => ruleOfDiag(x) === 'retired-key' && x.relatedInformation?.some((r) => /^OpenClaw 2026\.9\.6: Unrecognized key: "reserveTokensFloor"/.test(r.message))), 60_000);
    assert.equal(vscode.languages.getDiagnostics(uri()).filter((x) => x.range.isEqual(d.range)).length, 1, 'not twice at one range');
    const line = fs.readFileSync(CONFIG, 'utf8').split('\n')[d.range.start.line]!;
    assert.equal(line.slice(d.range.start.character, d.range.end.character), 'reserveTokensFloor');
    assert.equal(api.state().openclawVersion, '2026.9.6');
  });

  test('the hover on contextWindow shows the context math', async () => {
    const doc = await vscode.workspace.openTextDocument(uri());
    const offset = doc.getText().indexOf('contextWindow');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, doc.positionAt(offset + 3));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    // The math uses what LM Studio loaded (32,768), and says OpenClaw registers 131,072.
    assert.match(text, /effective context C \| 32,768 \| loaded in LM Studio; OpenClaw registers 131,072/);
    assert.match(text, /Figures use the 32,768 LM Studio loaded/);
    assert.match(text, /reserve R \| 8,192/, 'min(20000, C/4) of the loaded context');
  });

  test('the preferred quick fix rewrites exactly that value and the diagnostic goes away', async () => {
    const before = fs.readFileSync(CONFIG, 'utf8');
    const doc = await vscode.workspace.openTextDocument(uri());
    const d = ours('context-window-mismatch')!;
    const actions = await codeActions(doc.uri, d.range, vscode.CodeActionKind.QuickFix.value);
    const preferred = actions.find((a) => a.isPreferred && a.title.startsWith('Set contextWindow'));
    assert.ok(preferred?.edit, `preferred fix among: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(await vscode.workspace.applyEdit(preferred.edit));
    assert.ok(await doc.save());
    assert.equal(fs.readFileSync(CONFIG, 'utf8'), before.replace('contextWindow: 131072', 'contextWindow: 32768'));
    await until('the mismatch to clear', () => !ours('context-window-mismatch'));
    assert.ok(ours('retired-key'), 'other findings stay');
  });

  test('removing a retired key is one undoable edit that keeps the comments', async () => {
    // The retired-key fix removes the key; undo restores the file exactly (one undoable edit).
    const doc = await vscode.workspace.openTextDocument(uri());
    // Asked again until it is there: after the previous test's edit the diagnostics and the document settle at their
    // own pace (on VS Code 1.90 the first answer could still be the one for the text before).
    let remove: vscode.CodeAction | undefined;
    for (const t0 = Date.now(); !remove?.edit && Date.now() - t0 < 30_000; await new Promise((r) => setTimeout(r, 200))) {
      const d = await until('retired-key', () => ours('retired-key'));
      const actions = await codeActions(doc.uri, d.range, vscode.CodeActionKind.QuickFix.value);
      remove = actions.find((a) => a.title === 'Remove reserveTokensFloor');
    }
    assert.ok(remove?.edit && remove.isPreferred, `the preferred quick fix with its edit (${JSON.stringify(remove && { title: remove.title, edit: !!remove.edit, preferred: remove.isPreferred, command: remove.command?.command })})`);
    const before = doc.getText();
    await vscode.window.showTextDocument(doc);
    assert.ok(await vscode.workspace.applyEdit(remove.edit));
    assert.doesNotMatch(doc.getText(), /reserveTokensFloor/);
    assert.match(doc.getText(), /\/\/ Sandbox OpenClaw config/);
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), before);
  });

  test('the retired-key quick fix and Fix All keep the removed value, comment included, in a side file (#29 item 8)', async () => {
    const doc = await vscode.workspace.openTextDocument(uri());
    const d = await until('retired-key', () => ours('retired-key'));
    const dir = path.dirname(CONFIG);
    const sideFiles = () => fs.readdirSync(dir).filter((f) => f.startsWith('openclaw.json.removed-'));
    const removedLine = doc.getText().split('\n').find((l) => l.includes('reserveTokensFloor'))!.trim();
    await vscode.window.showTextDocument(doc);
    // The quick fix: as VS Code does for a code action, the edit, then its command.
    const actions = await codeActions(doc.uri, d.range, vscode.CodeActionKind.QuickFix.value);
    const remove = actions.find((a) => a.title === 'Remove reserveTokensFloor');
    assert.ok(remove?.edit && remove.command, 'the quick fix carries the command that keeps the value');
    assert.ok(await vscode.workspace.applyEdit(remove.edit));
    await vscode.commands.executeCommand(remove.command.command, ...(remove.command.arguments ?? []));
    assert.equal(sideFiles().length, 1);
    assert.ok(fs.readFileSync(path.join(dir, sideFiles()[0]!), 'utf8').includes(removedLine), 'kept as it was, comment included');
    await vscode.commands.executeCommand('undo');
    for (const f of sideFiles()) fs.rmSync(path.join(dir, f));
    // Fix All: the same policy.
    const all = await codeActions(doc.uri, new vscode.Range(0, 0, 0, 0), 'source.fixAll.localAiLab');
    const fixAll = all.find((a) => a.title.startsWith('Fix all safe OpenClaw config problems'));
    assert.ok(fixAll?.edit && fixAll.command, `Fix All carries the command too (${all.map((a) => a.title).join(' | ')})`);
    assert.ok(await vscode.workspace.applyEdit(fixAll.edit));
    await vscode.commands.executeCommand(fixAll.command.command, ...(fixAll.command.arguments ?? []));
    assert.doesNotMatch(doc.getText(), /reserveTokensFloor/);
    assert.equal(sideFiles().length, 1);
    assert.ok(fs.readFileSync(path.join(dir, sideFiles()[0]!), 'utf8').includes(removedLine));
    await vscode.commands.executeCommand('undo');
  });

  test('OpenClaw\'s diagnostic has a quick fix that names the release and keeps the removed value in a side file', async function () {
    if (!process.env.LAL_OPENCLAW_AVAILABLE) this.skip();
    const doc = await vscode.workspace.openTextDocument(uri());
    const d = await until('the validator\'s issue', () => vscode.languages.getDiagnostics(uri()).find((x) => x.relatedInformation?.some((r) => r.message.startsWith('OpenClaw'))), 60_000);
    const actions = await codeActions(doc.uri, d.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title.startsWith('Remove reserveTokensFloor (kept in a side file): OpenClaw 2026.8'));
    assert.ok(fix?.edit, `among: ${actions.map((a) => a.title).join(' | ')}`);
    const dir = path.dirname(CONFIG);
    const sideFiles = () => fs.readdirSync(dir).filter((f) => f.startsWith('openclaw.json.removed-'));
    const before = doc.getText();
    await vscode.window.showTextDocument(doc);
    // As VS Code does for a code action: the edit, then its command.
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    await vscode.commands.executeCommand(fix.command!.command, ...(fix.command!.arguments ?? []));
    assert.doesNotMatch(doc.getText(), /reserveTokensFloor/);
    assert.equal(sideFiles().length, 1);
    assert.match(fs.readFileSync(path.join(dir, sideFiles()[0]!), 'utf8'), /reserveTokensFloor: 24000, \/\/ tuned on 2026\.5/);
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), before, 'one undo restores the config');
    fs.rmSync(path.join(dir, sideFiles()[0]!));
  });

  test('Fix All (source.fixAll.localAiLab) fixes every safe finding in one edit, and one undo restores it', async () => {
    const doc = await vscode.workspace.openTextDocument(uri());
    await vscode.window.showTextDocument(doc);
    await until('a fixable finding', () => ours('retired-key'));
    const before = doc.getText();
    const whole = new vscode.Range(doc.positionAt(0), doc.positionAt(before.length));
    const actions = await codeActions(doc.uri, whole, vscode.CodeActionKind.SourceFixAll.value);
    const all = actions.find((a) => a.kind?.value === 'source.fixAll.localAiLab');
    assert.ok(all?.edit, `among: ${actions.map((a) => `${a.kind?.value} ${a.title}`).join(' | ')}`);
    assert.ok(await vscode.workspace.applyEdit(all.edit));
    assert.doesNotMatch(doc.getText(), /reserveTokensFloor/, 'the retired key is gone');
    assert.match(doc.getText(), /\/\/ Sandbox OpenClaw config/, 'comments kept');
    await until('the fixed findings to clear', () => !ours('retired-key'), 15_000);
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), before, 'one undo restores the config');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('the LM Studio token goes to no other server: a recording Ollama on loopback sees no Authorization', async () => {
    const seen: { path: string; authorization?: string }[] = [];
    const server = http.createServer((req, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      const body: Record<string, unknown> = { '/api/version': { version: '0.12.3' }, '/api/tags': { models: [] }, '/api/ps': { models: [] } };
      const b = body[(req.url ?? '').split('?')[0]!];
      res.writeHead(b ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(b ?? { error: 'not found' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const original = fs.readFileSync(CONFIG, 'utf8');
    const token = process.env.LM_API_TOKEN;
    process.env.LM_API_TOKEN = 'lm-secret-token';
    try {
      fs.writeFileSync(CONFIG, original.replace('    providers: {\n', `    providers: {\n      ollama: { baseUrl: 'http://127.0.0.1:${port}', api: 'ollama', models: [] },\n`));
      await api.refresh({ inspectServers: true, validate: false });
      await until('the Ollama server to be probed', () => seen.some((q) => q.path.startsWith('/api/')), 15_000);
      assert.deepEqual(seen.filter((q) => q.authorization !== undefined), [], 'no request to Ollama carried a token');
    } finally {
      if (token === undefined) delete process.env.LM_API_TOKEN;
      else process.env.LM_API_TOKEN = token;
      fs.writeFileSync(CONFIG, original);
      server.close();
    }
  });

  test('a server that stops answering: runtime-unreachable and the status item say so, the mismatch stays marked with its time; back, all current', async () => {
    let server = await startServer(ollamaRoutes());
    const port = server.port;
    const original = fs.readFileSync(CONFIG, 'utf8');
    const diag = (rule: string, text?: RegExp) => vscode.languages.getDiagnostics(uri()).find((d) => ruleOfDiag(d) === rule && (!text || text.test(fullText(d))));
    const mismatch = () => diag('context-window-mismatch', /gemma4|Ollama/);
    try {
      // Ollama (scripted, documented shapes) loaded gemma4 at 4,096; the config registers 32,768.
      fs.writeFileSync(CONFIG, original.replace('    providers: {\n', `    providers: {\n      ollama: { baseUrl: 'http://127.0.0.1:${port}', api: 'ollama', models: [{ id: 'gemma4', name: 'Gemma 4', contextWindow: 32768 }] },\n`));
      await api.refresh({ inspectServers: true, validate: false });
      await until('the current mismatch', () => mismatch() && !/as of/.test(mismatch()!.message), 15_000);
      await server.close();
      await api.refresh({ inspectServers: true, validate: false });
      const down = await until('runtime-unreachable', () => diag('runtime-unreachable', /^The model server does not answer: .* ollama: the server at/), 15_000);
      assert.match(fullText(down), /did not answer .*Start Ollama/);
      assert.match(mismatch()?.message ?? '', /\(as of \d\d:\d\d UTC: the server is not answering now\)$/, 'the mismatch stays, marked');
      assert.match(api.state().profile?.text ?? '', /\$\(debug-disconnect\)/, 'the status item shows the probe state');
      server = await startServer(ollamaRoutes(), port);
      await api.refresh({ inspectServers: true, validate: false });
      await until('everything current again', () => !diag('runtime-unreachable') && mismatch() && !/as of/.test(mismatch()!.message), 15_000);
      assert.doesNotMatch(api.state().profile?.text ?? '', /debug-disconnect/);
    } finally {
      fs.writeFileSync(CONFIG, original);
      await server.close();
    }
  });

  test('Restore Backup… restores the bytes through the executor, which backs up the file it replaces', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const original = fs.readFileSync(CONFIG);
    const dir = path.join(path.dirname(CONFIG), 'local-ai-lab', 'backups');
    fs.mkdirSync(dir, { recursive: true });
    const old = Buffer.from(original.toString('utf8').replace('// Sandbox OpenClaw config', '// An older version, from a backup'));
    const backup = path.join(dir, 'openclaw.json.20260101T000000.000Z-0001.bak');
    fs.writeFileSync(backup, old);
    try {
      const refused = await vscode.commands.executeCommand('localAiLab.restoreBackup', { backup: '/etc/hostname', confirm: false });
      assert.equal(refused, false, 'only a backup of this config');
      const ok = await vscode.commands.executeCommand('localAiLab.restoreBackup', { backup, confirm: false });
      assert.equal(ok, true);
      assert.deepEqual(fs.readFileSync(CONFIG), old, 'byte for byte');
      const saved = fs.readdirSync(dir).filter((f) => f !== path.basename(backup)).map((f) => fs.readFileSync(path.join(dir, f)));
      assert.ok(saved.some((b) => b.equals(original)), 'the replaced version is a backup now');
    } finally {
      fs.writeFileSync(CONFIG, original);
    }
  });

  test('the config is watched outside the workspace: delete, create malformed, restore', async () => {
    // Close it first: a closed file is read from disk, which is what this test changes.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const original = fs.readFileSync(CONFIG);
    try {
      fs.rmSync(CONFIG);
      await until('diagnostics to clear after delete', () => vscode.languages.getDiagnostics(uri()).filter((d) => d.source === 'Local AI Lab').length === 0, 15_000);
      fs.writeFileSync(CONFIG, '{\n  models: {\n    providers: ,\n  },\n}\n');
      const parse = await until('a parse error after create', () => ours('parse-error'), 15_000);
      assert.equal(parse.range.start.line, 2, 'at the exact position');
      assert.equal(vscode.languages.getDiagnostics(uri()).filter((d) => d.source === 'Local AI Lab').length, 1, 'only the parse error while it does not parse');
    } finally {
      fs.writeFileSync(CONFIG, original);
    }
    await until('the findings back after the restore', () => ours('retired-key') && !ours('parse-error'), 15_000);
  });

  test('activation is quick and the first diagnostics follow', async () => {
    assert.ok(api.activateMs < 500, `activate() took ${api.activateMs} ms`);
    console.log(`BENCH activateMs=${api.activateMs.toFixed(1)}`);
    // The config is never opened: the diagnostics come from the check that activation schedules.
    const first = await until('the first diagnostics', () => vscode.languages.getDiagnostics(uri()).filter((d) => d.source === 'Local AI Lab'));
    assert.ok(first.length > 0);
    assert.ok(first.every((d) => typeof d.code === 'object' && typeof d.code.value === 'string'), 'each names its rule');
    // Measured by the extension from the start of activate() to the first findings it published (the scripted LM
    // Studio answering); a figure for `npm run bench`, not a pass mark: a busy machine makes timings a coin toss.
    const firstMs = api.firstDiagnosticsMs();
    assert.ok(firstMs !== undefined && firstMs > api.activateMs, 'the first findings were published after activation began');
    console.log(`BENCH activateToFirstDiagnosticsMs=${firstMs.toFixed(0)}`);
  });

  test('a command called with arguments it does not take refuses them, and runs nothing', async () => {
    const before = api.state().findings.length;
    const r = await vscode.commands.executeCommand('localAiLab.applyFix', { title: 'x', plan: { edits: [{ file: '/etc/passwd', edits: [] }], actions: [] } });
    assert.equal(r, undefined);
    const stale = await vscode.commands.executeCommand('localAiLab.applyFix', { rule: 'retired-key', file: CONFIG, path: 'no.such.path', title: 'Remove it' });
    assert.equal(stale, false, 'a fix that no current finding offers is refused');
    assert.equal(api.state().findings.length, before);
  });

  test('Run Lab ×6 dispatches through the openai SDK bundle beside the extension (dist/openai-sdk.js), loaded in this extension host', async function () {
    this.timeout(120_000);
    const ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const session = (await vscode.commands.executeCommand('localAiLab.runLab6', 'quick-check', { profiles: [] })) as { id: string; status: string } | undefined;
    assert.ok(session, 'the lab ran');
    assert.equal(session.status, 'complete');
    const sdk = Object.keys(require.cache).filter((k) => k.endsWith(`${path.sep}openai-sdk.js`));
    assert.deepEqual(sdk, [path.resolve(__dirname, '../../../dist/openai-sdk.js')], 'the shipped SDK bundle was required, not the one inlined in the tests');
    const lines = fs.readFileSync(path.join(ws, '.local-ai-lab', 'runs', session.id, 'dispatches.jsonl'), 'utf8').trim().split('\n');
    const records = lines.map((l) => JSON.parse(l) as { completed: boolean; errorKind?: string });
    assert.equal(records.length, 6);
    assert.deepEqual(records.filter((d) => !d.completed), [], 'every dispatch completed');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a lab under a profile restores the state from before when it ends, and its session records both profiles', async function () {
    this.timeout(120_000);
    const ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const before = fs.readFileSync(CONFIG, 'utf8');
    const session = (await vscode.commands.executeCommand('localAiLab.runLab6', 'quick-check', { profiles: ['single-turn'], yes: true })) as { id: string; status: string; environment: { profile: string | null; profileBefore?: string | null } } | undefined;
    assert.ok(session, 'the lab ran');
    assert.equal(session.environment.profile, 'single-turn');
    assert.ok('profileBefore' in session.environment, 'the session records the profile in force before');
    const written = JSON.parse(fs.readFileSync(path.join(ws, '.local-ai-lab', 'runs', session.id, 'session.json'), 'utf8')) as { environment: { profile: string; profileBefore?: string | null } };
    assert.equal(written.environment.profile, 'single-turn');
    await until('openclaw.json as it was before the lab', () => fs.readFileSync(CONFIG, 'utf8') === before, 30_000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the codeword probe under a profile applies it and restores the state from before when it ends, as the CLI\'s does', async function () {
    if (!process.env.LAL_OPENCLAW_AVAILABLE) this.skip();
    this.timeout(600_000);
    const ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    // This test's own config: the sandbox's without its planted invalid keys, so OpenClaw runs the probe's turns.
    const planted = fs.readFileSync(CONFIG, 'utf8');
    const valid = planted.replace(/\n\s*reserveTokensFloor:[^\n]*/, '').replace(/\n\s*nodes: \{[\s\S]*?\n {4}\},/, '');
    assert.notEqual(valid, planted, 'the planted keys were taken out');
    fs.writeFileSync(CONFIG, valid);
    try {
      await until('the editor read the test\'s config', () => !ours('retired-key'), 30_000);
      const before = fs.readFileSync(CONFIG, 'utf8');
      const backups = path.join(path.dirname(CONFIG), 'local-ai-lab', 'backups');
      const count = () => (fs.existsSync(backups) ? fs.readdirSync(backups).length : 0);
      const backupsBefore = count();
      const probes = path.join(ws, '.local-ai-lab', 'probes');
      const recordsBefore = fs.existsSync(probes) ? fs.readdirSync(probes) : [];
      const sessions = (await vscode.commands.executeCommand('localAiLab.probeCodewords', { profile: 'single-turn', yes: true, maxGrowth: 1 })) as { sessionKey: string; turns: number; error?: string }[] | undefined;
      assert.ok(sessions && sessions.length === 1, 'one probe session ran');
      console.log(`    codeword session: ${sessions[0]!.turns} turn(s)${sessions[0]!.error ? `, ended: ${sessions[0]!.error}` : ''}`);
      const added = fs.readdirSync(probes).filter((f) => !recordsBefore.includes(f));
      assert.equal(added.length, 1, 'the probe was recorded');
      const record = JSON.parse(fs.readFileSync(path.join(probes, added[0]!), 'utf8')) as { profile: string | null; sessions: unknown[] };
      assert.equal(record.profile, 'single-turn', 'the record names the profile it ran under');
      // Applying the profile and restoring the config each go through the write executor, which backs up first.
      assert.ok(count() >= backupsBefore + 2, `the profile was applied and the config restored (backups ${backupsBefore} → ${count()})`);
      await until('openclaw.json as it was before the probe', () => fs.readFileSync(CONFIG, 'utf8') === before, 30_000);
      assert.ok(sessions[0]!.turns >= 2, `OpenClaw ran the probe's turns under the profile (${sessions[0]!.error ?? 'no error'})`);
    } finally {
      fs.writeFileSync(CONFIG, planted);
    }
    await until('the sandbox findings back', () => ours('retired-key'), 30_000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('check (CLI) and the editor report the same findings on real public configs, OpenClaw\'s validator included', async function () {
    if (!process.env.LAL_OPENCLAW_AVAILABLE) this.skip();
    this.timeout(600_000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const exe = vscode.workspace.getConfiguration('localAiLab.openclaw').get<string>('executable')!;
    const corpus = path.resolve(__dirname, '../../../test/fixtures/corpus-real');
    const cli = path.resolve(__dirname, '../../../dist/cli.js');
    const original = fs.readFileSync(CONFIG);
    const editorSide = () =>
      vscode.languages
        .getDiagnostics(uri())
        // Ours: the row's sentence and its details (related information), as the CLI prints them in one message.
        .map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.source === 'Local AI Lab' ? ruleOfDiag(d) : 'openclaw'} ${[d.message, ...(d.source === 'Local AI Lab' ? (d.relatedInformation ?? []).filter((r) => !/^OpenClaw \d+\.\d+\.\d+[^:]*: /.test(r.message)).map((r) => r.message) : [])].join(' ')}`)
        .sort();
    // Eras and shapes: a 2026.1 clawdbot file, an inline-commented moltbot file, an Ollama file at 24K, a 2026.6 exec/SecretRef file.
    const files = ['001-vandesh-clawdbot.json5', '012-onskop-moltbot-inline-comments.json5', '045-bc250-ollama-24k-signal.json5', '049-dbochman-dotfiles-2026-6-exec-secretref.json5'];
    try {
      for (const name of files) {
        fs.writeFileSync(CONFIG, fs.readFileSync(path.join(corpus, name)));
        // Settled: OpenClaw has judged these very bytes (until then the editor shows none of its issues).
        const before = api.state().diskHash;
        await until(`${name}: the editor checked and OpenClaw judged the new content`, () => {
          const st = api.state();
          return st.diskHash !== before && st.diskHash !== null && st.validatedHash === st.diskHash;
        }, 120_000);
        await new Promise((r) => setTimeout(r, 300));
        const r = spawnSync(process.execPath, [cli, 'check', '--json', '--config', CONFIG, '--openclaw', exe], { encoding: 'utf8', env: process.env, timeout: 120_000 });
        assert.ok(r.status !== null && r.stdout.trim(), `${name}: local-ai-lab check answered (status ${r.status}, signal ${r.signal}, error ${r.error?.message ?? 'none'}): ${r.stderr.slice(-300)}`);
        const out = JSON.parse(r.stdout) as { findings: { rule: string; message: string; range: { start: { line: number; character: number } } }[]; validator: { ran: boolean } };
        assert.equal(out.validator.ran, true, `${name}: the CLI ran OpenClaw's validator`);
        const cliSide = out.findings.map((f) => `${f.range.start.line + 1}:${f.range.start.character + 1} ${f.rule} ${f.message}`).sort();
        assert.deepEqual(editorSide(), cliSide, `${name}: the same findings in the editor and from local-ai-lab check`);
      }
    } finally {
      fs.writeFileSync(CONFIG, original);
    }
    await until('the sandbox findings back', () => ours('retired-key'), 30_000);
  });

  if (process.env.LAL_PROVE_FAILURE) {
    test('deliberately fails (proves a failing assertion fails the run)', () => {
      assert.equal(1 + 1, 3);
    });
  }
});
