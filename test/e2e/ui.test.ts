import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, installVsix, openclawWrapper, startCodeServer, toolsFromEnv, type RunningCodeServer } from '../support/codeServer.js';
import { parseDocument, toValue } from '../../src/core/openclaw/document.js';
import { tableRow } from '../../src/core/lab/view/panel.js';
import { readSession } from '../../src/core/lab/records/store.js';
import { createSandbox, LOADED_CONTEXT, PLANTED_CONTEXT_WINDOW, type Sandbox } from '../support/sandbox.js';

const SHOTS = path.resolve('test-results', 'ui');
const VSIX = path.resolve('dist', 'local-ai-lab.vsix');

let sandbox: Sandbox;
let server: RunningCodeServer;
let browser: BrowserContext;
let page: Page;
let windowStart = 0;
/** The planted config as the sandbox made it (the last steps put it back). */
let planted: Buffer;

async function shot(name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Runs a command through the palette, as a person would. */
async function palette(command: string): Promise<void> {
  // Right after a window reload the workbench may list a command only once its context keys (workspace trust for
  // the lab commands) are evaluated: open the palette afresh a few times before failing.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${command}`);
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: command }).first();
    try {
      await row.waitFor({ timeout: attempt < 4 ? 15_000 : 60_000 });
      break;
    } catch (err) {
      if (attempt >= 4) {
        await shot(`failed-palette-${command.replace(/[^A-Za-z0-9]+/g, '-')}`);
        throw err;
      }
      await page.keyboard.press('Escape');
      await page.waitForTimeout(2000);
    }
  }
  await page.keyboard.press('Enter');
}

const problemRow = (text: string | RegExp) => page.locator('.markers-panel .monaco-list-row', { hasText: text });

/** The strips' labels as laid out: each the arm's name, or its start cut with "…" where the panel is narrow. */
function assertStrips(shown: string | undefined, names: string[]): void {
  const labels = (shown ?? '').split(' | ');
  assert.equal(labels.length, names.length, shown);
  labels.forEach((l, i) => assert.ok(l === names[i] || (l.endsWith('…') && names[i]!.startsWith(l.slice(0, -1))), `${l} for ${names[i]}`));
}

describe('Local AI Lab in the real VS Code UI', { timeout: 900_000 }, () => {
  before(async () => {
    assert.ok(fs.existsSync(VSIX), 'npm run package first (npm run test:e2e does)');
    const tools = toolsFromEnv();
    sandbox = await createSandbox();
    planted = fs.readFileSync(sandbox.configPath);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-ui-'));
    installVsix(tools, work, VSIX);
    const openclaw = openclawWrapper(tools, sandbox.root);
    server = await startCodeServer({
      tools,
      workDir: work,
      env: sandbox.env,
      settings: { 'localAiLab.runtimes.refreshSeconds': 0, ...(openclaw ? { 'localAiLab.openclaw.executable': openclaw } : {}) },
    });
    browser = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-b-')), {
      executablePath: tools.chromium,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: CHROMIUM_ARGS,
      // The panel's Markdown export goes to the clipboard; the test reads it back.
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(60_000);
    windowStart = Date.now();
    await page.goto(`${server.url}/?folder=${encodeURIComponent(sandbox.workspace)}`);
    await page.locator('.monaco-workbench .part.statusbar').waitFor();
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    await sandbox?.close();
  });

  it('on first install the Getting Started walkthrough opens, and its first step opens the config', async () => {
    const walkthrough = page.locator('.gettingStartedContainer', { hasText: 'Get Started with Local AI Lab' });
    await walkthrough.waitFor();
    for (const step of ['Find your OpenClaw config', 'See what the servers loaded', 'Pick a profile', 'Run your first lab']) await walkthrough.getByText(step, { exact: true }).first().waitFor();
    await shot('00-walkthrough');
    await walkthrough.getByText('Find your OpenClaw config', { exact: true }).first().click();
    await walkthrough.getByRole('button', { name: 'Open OpenClaw Config' }).click();
    await page.locator('.tabs-container .tab', { hasText: 'openclaw.json' }).waitFor();
    await palette('View: Close All Editors');
    await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached' });
  });

  it('the Problems panel lists the mismatch and the missing compaction model for openclaw.json, which is not open', async () => {
    await palette('View: Focus Problems');
    await problemRow(/contextWindow 131,072 is above the 32,768/).waitFor();
    const firstDiagnosticsMs = Date.now() - windowStart;
    await problemRow(/No compaction\.model/).waitFor();
    await problemRow('openclaw.json').first().waitFor();
    assert.equal(await page.locator('.tabs-container .tab', { hasText: 'openclaw.json' }).count(), 0, 'the config is not open in an editor');
    console.log(`BENCH windowToFirstDiagnosticsMs=${firstDiagnosticsMs}`);
    await shot('01-problems-panel');
  });

  it('the preferred quick fix from the light bulb rewrites exactly that value on disk and the diagnostic disappears', async () => {
    const before = fs.readFileSync(sandbox.configPath);
    await problemRow(/contextWindow 131,072 is above/).click();
    await page.locator('.tabs-container .tab', { hasText: 'openclaw.json' }).waitFor();
    await page.waitForTimeout(500); // the editor takes the cursor to the problem
    await palette('View: Focus Active Editor Group');
    await shot('02-finding-opened');
    await page.keyboard.press('Control+.');
    const item = page.locator('.action-widget .monaco-list-row', { hasText: 'Set contextWindow to 32,768' });
    await item.waitFor();
    await shot('03-light-bulb-menu');
    await item.click();
    await page.keyboard.press('Control+s');
    const expected = Buffer.from(before.toString('utf8').replace(`contextWindow: ${PLANTED_CONTEXT_WINDOW}`, `contextWindow: ${LOADED_CONTEXT}`));
    const deadline = Date.now() + 15_000;
    while (!fs.readFileSync(sandbox.configPath).equals(expected) && Date.now() < deadline) await page.waitForTimeout(200);
    assert.deepEqual(fs.readFileSync(sandbox.configPath), expected, 'only the number changed, byte for byte');
    await palette('View: Focus Problems');
    await problemRow(/contextWindow 131,072 is above/).waitFor({ state: 'detached' });
    await problemRow(/No compaction\.model/).waitFor();
    // OpenClaw's own validator ran again after the save and still reports the retired key.
    await problemRow(/Unrecognized key: "reserveTokensFloor"/).waitFor();
    await shot('04-fixed');
  });

  it('the hover on contextWindow shows the context math', async () => {
    const lines = fs.readFileSync(sandbox.configPath, 'utf8').split('\n');
    const line = lines.findIndex((l) => l.includes('contextWindow'));
    const column = lines[line]!.indexOf('contextWindow') + 3;
    await page.keyboard.press('Control+g');
    await page.locator('.quick-input-widget .quick-input-box input').fill(`:${line + 1}:${column}`);
    await page.keyboard.press('Enter');
    await palette('Show or Focus Hover');
    const hover = page.locator('.monaco-hover', { hasText: 'effective context C' });
    await hover.waitFor();
    const text = await hover.innerText();
    assert.match(text, /reserve R/);
    assert.match(text, /compaction threshold/);
    assert.match(text, /turns that fit/);
    await shot('05-hover');
  });

  it('the status bar shows the profile; choosing another applies it to openclaw.json and the server, and everything agrees', async () => {
    const item = page.locator('[id="local-ai-lab.local-ai-lab.localAiLab.profile"]');
    await item.filter({ hasText: 'custom' }).waitFor();
    await shot('06-status-custom');
    await item.click();
    const qp = page.locator('.quick-input-widget');
    await qp.locator('.quick-input-title', { hasText: 'Switch Local AI Lab Profile' }).waitFor();
    await qp.locator('.monaco-list-row', { hasText: 'mid-range' }).waitFor();
    await shot('07-profile-pick');
    await qp.locator('.monaco-list-row', { hasText: 'mid-range' }).click();
    // No modal: the question is a notification, and the diff beside it can be read and scrolled.
    const ask = page.locator('.notifications-toasts .notification-list-item', { hasText: 'Apply mid-range?' });
    await ask.waitFor();
    await page.locator('.tab', { hasText: 'mid-range (proposed)' }).waitFor();
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no modal dialog over the diff');
    await page.locator('.editor-container .monaco-diff-editor').first().click();
    await page.keyboard.press('Control+End'); // the diff takes the keyboard: it is not behind a modal
    await shot('08-profile-confirm');
    const loadsBefore = sandbox.server.requests.filter((r) => r.path === '/api/v1/models/load').length;
    await ask.locator('.monaco-button', { hasText: /^Apply$/ }).click();
    // While applying, the item spins beside the name; done is the notification a person waits for.
    await page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'mid-range applied' }).waitFor();
    await item.locator('.codicon-loading').waitFor({ state: 'detached' });
    await item.filter({ hasText: 'mid-range' }).waitFor();
    assert.equal(await item.locator('.codicon-warning').count(), 0, 'no drift right after applying');

    const text = fs.readFileSync(sandbox.configPath, 'utf8');
    for (const comment of ['// Sandbox OpenClaw config', '// Registered at 128K', '// tuned on 2026.5']) assert.ok(text.includes(comment), `comment kept: ${comment}`);
    const cfg = toValue(parseDocument(sandbox.configPath, text).root) as {
      models: { providers: { lmstudio: { models: { id: string; contextWindow: number; contextTokens?: number }[] } } };
      agents: { defaults: { compaction: { model?: string; mode?: string } } };
    };
    const rows = cfg.models.providers.lmstudio.models;
    const primary = rows.find((r) => r.id === 'qwen/qwen3-coder-30b')!;
    assert.ok(primary.contextTokens && primary.contextTokens < primary.contextWindow, 'a runtime budget below the loaded window');
    // On a small machine mid-range may leave the compactor out (memory); either way the server must hold what the file says.
    const compactorRef = cfg.agents.defaults.compaction.model;
    // With a compactor, "safeguard": in "default" the session's threshold compactions would stay on the primary.
    assert.equal(cfg.agents.defaults.compaction.mode, compactorRef ? 'safeguard' : 'default');
    const compactor = compactorRef ? rows.find((r) => `lmstudio/${r.id}` === compactorRef) : undefined;
    const expected: [string, number][] = [['qwen/qwen3-coder-30b', primary.contextWindow], ...(compactor ? [[compactor.id, compactor.contextWindow] as [string, number]] : [])];
    const loads = sandbox.server.requests.filter((r) => r.path === '/api/v1/models/load').slice(loadsBefore).map((r) => r.body as { model: string; context_length: number });
    assert.deepEqual(loads.map((l) => [l.model, l.context_length]), expected, 'the server received the loads at the new contexts');

    await palette('View: Focus Problems');
    await problemRow(/contextWindow 131,072 is above/).waitFor({ state: 'detached' });
    await problemRow(/No compaction\.model/).waitFor({ state: 'detached' });
    assert.equal(await problemRow(/memory-headroom|Loaded models need about/).count(), 0, 'the profile fits this machine');
    assert.equal(await problemRow(/Comments are not permitted in JSON|Property keys must be doublequoted/).count(), 0, 'no JSON-checker noise from the preview');
    assert.equal(await page.locator('.tab', { hasText: '(proposed)' }).count(), 0, 'the stale preview was closed');
    await page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'Applying mid-range' }).waitFor({ state: 'detached', timeout: 10_000 });
    await shot('09-profile-applied');
  });

  it("Make Config Valid: OpenClaw's repair moves denyCommands with its comment, the Problems panel clears, the side file holds the retired key", async () => {
    await palette('View: Focus Problems');
    await problemRow(/Unrecognized key: "reserveTokensFloor"/).waitFor();
    await problemRow(/denyCommands/).first().waitFor();
    await palette('Local AI Lab: Make Config Valid for Installed OpenClaw');
    // OpenClaw's own repair runs on a private copy first (tens of seconds on a busy machine).
    await page.locator('.notifications-toasts .notification-list-item', { hasText: 'Make openclaw.json valid for OpenClaw 2026.9.6?' }).waitFor({ timeout: 240_000 });
    await page.locator('.tab', { hasText: 'valid for OpenClaw 2026.9.6 (proposed)' }).waitFor();
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no modal dialog over the diff');
    await shot('10-make-valid-preview');
    // Approved from the diff's own title bar this time.
    await page.locator('.editor-actions .action-label[aria-label^="Apply Proposed Change"]').click();
    await page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'OpenClaw 2026.9.6 accepts openclaw.json now' }).waitFor();
    await palette('View: Focus Problems');
    await problemRow(/reserveTokensFloor/).first().waitFor({ state: 'detached' });
    await problemRow(/denyCommands/).first().waitFor({ state: 'detached' });
    const text = fs.readFileSync(sandbox.configPath, 'utf8');
    assert.doesNotMatch(text, /reserveTokensFloor/);
    // Moved where OpenClaw 2026.9.6 reads it, with its comment: system.run is still denied.
    assert.match(text, /\/\/ never let a paired node run shell commands\n\s*commands: \{\n\s*deny: \['system\.run'\]/);
    assert.doesNotMatch(text, /denyCommands/);
    assert.doesNotMatch(text, /lastTouchedVersion|wizard/, "doctor's bookkeeping is not written");
    assert.match(text, /\/\/ Sandbox OpenClaw config/);
    assert.match(text, /\/\/ Registered at 128K/);
    const dir = path.dirname(sandbox.configPath);
    const side = fs.readdirSync(dir).filter((f) => f.startsWith('openclaw.json.removed-'));
    assert.equal(side.length, 1);
    assert.match(fs.readFileSync(path.join(dir, side[0]!), 'utf8'), /reserveTokensFloor: 24000, \/\/ tuned on 2026\.5; retired in 2026\.8/);
    await shot('11-make-valid-applied');
  });

  it('Run Lab ×6 from the command palette runs six dispatches against the sandbox and a session folder with six records appears', async () => {
    const chatsBefore = sandbox.server.requests.filter((r) => r.path === '/v1/chat/completions').length;
    await palette('Local AI Lab: Run Lab ×6');
    const qp = page.locator('.quick-input-widget');
    await qp.locator('.quick-input-title', { hasText: 'choose a workload' }).waitFor();
    await qp.locator('.monaco-list-row', { hasText: 'quick-check' }).click();
    await qp.locator('.quick-input-title', { hasText: 'under which profiles' }).waitFor();
    await shot('12-lab-profiles');
    await page.keyboard.press('Enter'); // none: as things are now
    const done = page.locator('.notifications-toasts .notification-list-item-message', { hasText: /quick-check ×6: median/ });
    await done.waitFor({ timeout: 60_000 });
    await shot('13-lab-done');
    const runs = path.join(sandbox.workspace, '.local-ai-lab', 'runs');
    const ids = fs.readdirSync(runs);
    assert.equal(ids.length, 1);
    const lines = fs.readFileSync(path.join(runs, ids[0]!, 'dispatches.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 6);
    assert.ok(lines.map((l) => JSON.parse(l)).every((d: { completed: boolean }) => d.completed));
    assert.equal(sandbox.server.requests.filter((r) => r.path === '/v1/chat/completions').length - chatsBefore, 6);
    assert.match(await done.innerText(), /completed 100 %, 2 slow of 6/);
    // The lab opened the panel on the running session: six points and the split.
    await page.locator('.tab', { hasText: 'Lab' }).first().waitFor();
    const strip = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame').locator('#strip');
    await strip.waitFor();
    await page.waitForTimeout(300);
    assert.deepEqual(await strip.evaluate((c: HTMLCanvasElement) => ({ fast: c.dataset.fast, slow: c.dataset.slow })), { fast: '4', slow: '2' });
    await shot('14-lab-panel');
    // The wire recorded each dispatch: the panel draws a dispatch's timeline from it, with the table behind it.
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    const timeline = frame.locator('#timeline-s');
    await timeline.waitFor();
    assert.equal(await frame.locator('#tl-dispatch option').count(), 6);
    const chart = frame.locator('#tl-chart');
    assert.ok(Number(await chart.getAttribute('data-requests')) >= 1, 'the dispatch\'s chat request is drawn');
    assert.ok(Number(await chart.getAttribute('data-loaded')) >= 1, 'what the sandbox server had loaded is drawn');
    assert.match(await frame.locator('#tl-medians').innerText(), /^per request \(median of \d+\)/);
    assert.equal(await frame.locator('#evidence li', { hasText: 'per request' }).count(), 0, 'the medians once, above the timeline');
    await timeline.scrollIntoViewIfNeeded();
    await shot('14b-lab-timeline');
  });

  it('the Lab view in the activity bar lists the session and the profile in force', async () => {
    await page.locator('.part.activitybar .action-label[aria-label^="Local AI Lab"]').click();
    const sessions = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Lab Sessions' }) });
    const row = sessions.locator('.monaco-list-row', { hasText: 'quick-check' });
    await row.waitFor();
    assert.equal(await sessions.locator('.monaco-list-row').count(), 1);
    assert.match(await row.innerText(), /6\/6 · median \d+\.\d\d s · mid-range/);
    const profiles = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Profiles' }) });
    await profiles.locator('.monaco-list-row', { hasText: /mid-range.*in force/ }).waitFor();
    await shot('14a-lab-view');
  });

  it('after a window reload the panel comes back with the same session', async () => {
    await palette('Developer: Reload Window');
    await page.locator('.monaco-workbench .part.statusbar').waitFor();
    await page.locator('.tab', { hasText: 'Lab' }).first().waitFor({ timeout: 60_000 });
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame.locator('#title', { hasText: 'Lab session quick-check' }).waitFor({ timeout: 60_000 });
    assert.deepEqual(await frame.locator('#strip').evaluate((c: HTMLCanvasElement) => ({ fast: c.dataset.fast, slow: c.dataset.slow })), { fast: '4', slow: '2' });
    await shot('15-lab-panel-restored');
    // The walkthrough opened on first install only, not on every window.
    assert.equal(await page.locator('.gettingStartedContainer').count(), 0, 'no walkthrough after a reload');
  });

  it('Compare shows two sessions side by side with their differences', async () => {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
    await palette('Local AI Lab: Run Lab ×6');
    const qp = page.locator('.quick-input-widget');
    await qp.locator('.monaco-list-row', { hasText: 'quick-check' }).click();
    await qp.locator('.quick-input-title', { hasText: 'under which profiles' }).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.notifications-toasts .notification-list-item-message', { hasText: /quick-check ×6: median/ }).nth(0).waitFor({ timeout: 60_000 });
    const runs = path.join(sandbox.workspace, '.local-ai-lab', 'runs');
    const deadline = Date.now() + 60_000;
    while (fs.readdirSync(runs).filter((id) => fs.existsSync(path.join(runs, id, 'dispatches.jsonl')) && fs.readFileSync(path.join(runs, id, 'dispatches.jsonl'), 'utf8').trim().split('\n').length === 6).length < 2 && Date.now() < deadline) await page.waitForTimeout(200);
    await palette('Local AI Lab: Compare Lab Sessions');
    await qp.locator('.quick-input-title', { hasText: 'Compare Lab Sessions' }).waitFor();
    // Multi-select: clicking a row toggles it; OK (Enter) accepts the checked ones.
    const rows = qp.locator('.monaco-list-row');
    await rows.nth(1).waitFor();
    await rows.nth(0).click();
    await rows.nth(1).click();
    await shot('16a-compare-pick');
    await page.keyboard.press('Enter');
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame.locator('#title', { hasText: 'Compare 2 lab sessions' }).waitFor();
    assert.equal(await frame.locator('#stats tbody tr').count(), 2);
    await frame.locator('#differences', { hasText: /median \(.+ − .+\)/ }).waitFor();
    assert.equal(await frame.locator('#strip').evaluate((c: HTMLCanvasElement) => Number(c.dataset.fast) + Number(c.dataset.slow) + Number(c.dataset.none)), 12);
    await shot('16-lab-compare');
    // Export: the table as Markdown, to the clipboard, exactly as the core writes it from the session files.
    await frame.locator('#copy-md').click();
    await page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'Lab table copied as Markdown' }).waitFor();
    const clip = await page.evaluate(() => navigator.clipboard.readText());
    const shown = await frame.locator('#stats tbody tr td:first-child').allInnerTexts();
    const ids = fs.readdirSync(runs).sort();
    const tableRows = ids.map((id) => {
      const l = readSession(path.join(sandbox.workspace, '.local-ai-lab'), id);
      return tableRow(l.session, l.dispatches);
    });
    assert.equal(shown.length, 2);
    assert.equal(clip.split('\n').filter((l) => l.startsWith('| 20')).length, 2, clip);
    // Checked against the session files directly, not against the function that wrote the export: the
    // clipboard row of each session carries its n and the median of its dispatches' wall times.
    for (const id of ids) {
      const l = readSession(path.join(sandbox.workspace, '.local-ai-lab'), id);
      const secs = l.dispatches.map((d) => d.wallMs / 1000).sort((a, b) => a - b);
      const median = secs.length % 2 ? secs[(secs.length - 1) / 2]! : (secs[secs.length / 2 - 1]! + secs[secs.length / 2]!) / 2;
      const row = clip.split('\n').find((line) => line.startsWith(`| ${id} |`));
      assert.ok(row, `the clipboard holds the row of ${id}`);
      const cells = row.split('|').map((c) => c.trim());
      assert.equal(Number(cells[4]), l.dispatches.length, 'n');
      assert.ok(Math.abs(Number(cells[5]) - median) < 0.01 + median * 0.01, `median ${cells[5]} vs ${median}`);
    }
    assert.ok(tableRows.length === 2);
    // A dispatch's output opens from the table behind the chart (keyboard-reachable).
    await frame.locator('summary', { hasText: 'Every dispatch' }).click();
    await frame.locator('#dispatches button').first().click();
    await page.locator('.tabs-container .tab', { hasText: '001.txt' }).waitFor(); // dispatch 1, as the table numbers it
    await shot('17-dispatch-output');
  });

  it('Run Isolation Sweep… with two variants: the grouped comparison in the panel, base first, and the state from before is back', async () => {
    const before = fs.readFileSync(sandbox.configPath);
    const inForce = await page.locator('.statusbar-item', { hasText: /mid-range/ }).first().innerText();
    const chatsBefore = sandbox.server.requests.filter((r) => r.path === '/v1/chat/completions').length;
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
    await palette('Local AI Lab: Run Isolation Sweep…');
    const qp = page.locator('.quick-input-widget');
    await qp.locator('.quick-input-title', { hasText: 'choose a workload' }).waitFor();
    await qp.locator('.monaco-list-row', { hasText: 'quick-check' }).click();
    await qp.locator('.quick-input-title', { hasText: 'the base profile' }).waitFor();
    await qp.locator('.monaco-list-row', { hasText: /^mid-range/ }).first().click();
    await qp.locator('.quick-input-title', { hasText: 'the variants' }).waitFor();
    // Every variant comes checked: keep mode and recentTurnsPreserve, uncheck the rest (a row's checkbox toggles it).
    const rows = qp.locator('.monaco-list-row');
    await rows.first().waitFor();
    const keep = /^(mode|recentTurnsPreserve)=/;
    for (let i = 0; i < (await rows.count()); i++) {
      const row = rows.nth(i);
      const label = (await row.innerText()).trim();
      // A multi-select row carries its state for screen readers: aria-checked (on the row, or on its checkbox).
      const checked = await row.evaluate((el) => {
        const box = el.querySelector('[aria-checked], input[type=checkbox]');
        const state = el.getAttribute('aria-checked') ?? box?.getAttribute('aria-checked') ?? String((box as HTMLInputElement | null)?.checked);
        if (state !== 'true' && state !== 'false') throw new Error(`no checked state on the row: ${el.outerHTML.slice(0, 1500)}`);
        return state === 'true';
      });
      if (checked !== keep.test(label)) await row.click();
    }
    await shot('18-sweep-variants');
    await page.keyboard.press('Enter');
    await qp.locator('.quick-input-title', { hasText: 'dispatches per arm' }).waitFor();
    await page.keyboard.press('Enter'); // 6, the default
    const ask = page.locator('.notifications-toasts .notification-list-item', { hasText: /Run quick-check 6 times under mid-range and under each of 2 variants \(mode=safeguard, recentTurnsPreserve=3\)/ });
    await ask.waitFor();
    await ask.locator('.monaco-button', { hasText: /^Run Sweep$/ }).click();
    await page.locator('.notifications-toasts .notification-list-item-message', { hasText: /Sweep from mid-range: complete\. The state from before is restored\./ }).waitFor({ timeout: 120_000 });
    // Three arms of six dispatches each reached the server.
    assert.equal(sandbox.server.requests.filter((r) => r.path === '/v1/chat/completions').length - chatsBefore, 18);
    // The panel: one grouped comparison, base first, a verdict per variant.
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame.locator('#title', { hasText: 'Sweep from mid-range: quick-check ×6' }).waitFor({ timeout: 30_000 });
    await frame.locator('#differences tbody tr', { hasText: 'recentTurnsPreserve=3' }).waitFor();
    assert.equal(await frame.locator('#stats tbody tr').count(), 3);
    // Each strip is named by its arm, the base first (on top, as in the tables).
    assertStrips(await frame.locator('#strip').evaluate((c: HTMLCanvasElement) => c.dataset.strips), ['base · mid-range', 'mode=safeguard', 'recentTurnsPreserve=3']);
    assert.deepEqual((await frame.locator('#stats tbody tr td:first-child').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ')).map((t) => /mode=safeguard|recentTurnsPreserve=3/.exec(t)?.[0] ?? 'base'), ['base', 'mode=safeguard', 'recentTurnsPreserve=3']);
    const diff = await frame.locator('#differences tbody tr').allInnerTexts();
    assert.match(diff[0]!, /^base\s+mid-range, first in the comparison/);
    assert.match(diff[1]!, /^mode=safeguard \(default → safeguard\)\s+(additive|coupled|no clear effect) · Δ median/);
    assert.match(diff[2]!, /^recentTurnsPreserve=3 \(5 → 3\)\s+(additive|coupled|no clear effect) · Δ median/);
    assert.equal(await frame.locator('#strip').evaluate((c: HTMLCanvasElement) => Number(c.dataset.fast) + Number(c.dataset.slow) + Number(c.dataset.none)), 18);
    await frame.locator('#title').scrollIntoViewIfNeeded();
    await shot('19-sweep-panel');
    await frame.locator('#differences').scrollIntoViewIfNeeded();
    await shot('19a-sweep-verdicts');
    // The Lab view shows the three arms as finished sessions beside the two earlier ones (nothing left spinning).
    const sessions = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Lab Sessions' }) });
    await sessions.locator('.monaco-list-row', { hasText: /6\/6/ }).nth(4).waitFor({ timeout: 15_000 });
    assert.equal(await sessions.locator('.monaco-list-row .codicon-loading').count(), 0);
    // The Experiments view lists the sweep; after the panel moved on to one session, its row brings the comparison back.
    await sessions.locator('.monaco-list-row').nth(4).click();
    await frame.locator('#title', { hasText: /^Lab session quick-check/ }).waitFor();
    const experiments = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Experiments' }) });
    const sweepRow = experiments.locator('.monaco-list-row', { hasText: 'sweep quick-check from mid-range' });
    await sweepRow.waitFor({ timeout: 15_000 });
    assert.match(await sweepRow.innerText(), /2 variants ×6/);
    await sweepRow.click();
    await frame.locator('#title', { hasText: 'Sweep from mid-range: quick-check ×6' }).waitFor();
    assertStrips(await frame.locator('#strip').evaluate((c: HTMLCanvasElement) => c.dataset.strips), ['base · mid-range', 'mode=safeguard', 'recentTurnsPreserve=3']);
    await shot('19b-experiments-view');
    // The state from before: the same bytes, the same profile in the status bar.
    assert.deepEqual(fs.readFileSync(sandbox.configPath), before);
    assert.equal(await page.locator('.statusbar-item', { hasText: /mid-range/ }).first().innerText(), inForce);
  });

  it('Probe Prompt-Cache Reuse from the palette runs OpenClaw turns through the wire and opens its view; the recorded probes of real runs open from the Experiments view', async () => {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
    await palette('Local AI Lab: Probe Prompt-Cache Reuse');
    const qp = page.locator('.quick-input-widget');
    await qp.locator('.quick-input-title', { hasText: 'Probe Prompt-Cache Reuse: under which profile?' }).waitFor();
    await qp.locator('.monaco-list-row', { hasText: 'As things are' }).click();
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame.locator('#title', { hasText: /^Prompt-cache reuse: 4 turns of agent main/ }).waitFor({ timeout: 300_000 });
    assert.equal(await frame.locator('#probe-table tbody tr').count(), 4, 'one model request per turn');
    const probes = path.join(sandbox.workspace, '.local-ai-lab', 'probes');
    assert.equal(fs.readdirSync(probes).filter((f) => f.endsWith('.json')).length, 1, 'recorded in the workspace lab folder');
    await frame.locator('#title').scrollIntoViewIfNeeded();
    await shot('21-probe-prefix-stability');
    // The other two probes, as real runs recorded them (test/fixtures/probes): listed in Experiments, opened in the panel.
    for (const name of ['tools-calls-as-text', 'fill-silent-truncation']) {
      const rec = JSON.parse(fs.readFileSync(path.resolve('test/fixtures/probes', `${name}.json`), 'utf8')) as { id: string };
      fs.copyFileSync(path.resolve('test/fixtures/probes', `${name}.json`), path.join(probes, `${rec.id}.json`));
    }
    const experiments = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Experiments' }) });
    for (const [kind, title, shotName] of [['tools', 'Probe Tool Calling', '22-probe-tools'], ['fill', /^Usable context: agent main/, '23-probe-fill']] as const) {
      const row = experiments.locator('.monaco-list-row', { hasText: new RegExp(`^${kind} · agent`) });
      await row.waitFor({ timeout: 15_000 });
      await row.click();
      await frame.locator('#title', { hasText: title }).waitFor();
      assert.equal(await frame.locator('#probe-verdict').getAttribute('class'), 'tone-bad');
      await shot(shotName);
    }
  });

  it('Measure this fix on my machine: a paired lab of the compaction-model-missing fix, the state from before back, and the finding then says what was measured here', async () => {
    // Back to the planted config (the profile switch earlier configured a compactor), so the finding is there again.
    fs.writeFileSync(sandbox.configPath, planted);
    await palette('View: Focus Problems');
    await problemRow(/No compaction\.model/).waitFor({ timeout: 60_000 });
    const before = fs.readFileSync(sandbox.configPath);
    const chatsBefore = sandbox.server.requests.filter((r) => r.path === '/v1/chat/completions').length;
    await palette('View: Focus Problems');
    await problemRow(/No compaction\.model/).click();
    await page.waitForTimeout(500);
    await palette('View: Focus Active Editor Group');
    await page.keyboard.press('Control+.');
    const item = page.locator('.action-widget .monaco-list-row', { hasText: 'Measure this fix on my machine' });
    await item.waitFor();
    await item.click();
    const qp = page.locator('.quick-input-widget');
    await qp.locator('.quick-input-title', { hasText: 'choose a workload' }).waitFor();
    await qp.locator('.monaco-list-row', { hasText: 'quick-check' }).click();
    const ask = page.locator('.notifications-toasts .notification-list-item', { hasText: /Measure the compaction-model-missing fix/ });
    await ask.waitFor();
    await ask.locator('.monaco-button', { hasText: /^Measure$/ }).click();
    await page.locator('.notifications-toasts .notification-list-item-message', { hasText: /Measured here on \d{4}-\d\d-\d\d/ }).waitFor({ timeout: 240_000 });
    // Six dispatches per arm reached the server, and the config is byte for byte as before.
    assert.equal(sandbox.server.requests.filter((r) => r.path === '/v1/chat/completions').length - chatsBefore, 12);
    assert.deepEqual(fs.readFileSync(sandbox.configPath), before);
    const evidence = fs.readFileSync(path.join(sandbox.workspace, '.local-ai-lab', 'evidence.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { rule: string; n: number });
    assert.deepEqual(evidence.map((e) => [e.rule, e.n]), [['compaction-model-missing', 6]]);
    // The finding's hover now carries the figure measured on this machine.
    await palette('View: Focus Problems');
    // The Problems panel shows a long message's first sentence on one row and the rest below it, where the figure is.
    await problemRow(/Measured here on \d{4}-\d\d-\d\d/).waitFor({ timeout: 30_000 });
    await problemRow(/No compaction\.model/).click();
    await page.waitForTimeout(500);
    await palette('View: Focus Active Editor Group');
    await palette('Show or Focus Hover');
    const hover = page.locator('.monaco-hover', { hasText: 'Measured here on' });
    await hover.waitFor();
    assert.match(await hover.innerText(), /Measured here on \d{4}-\d\d-\d\d: .*median wall time [+−±]\d+\.\d+ s/);
    // The figure ends the message: scroll the focused hover to its end for the picture.
    await page.keyboard.press('End');
    await page.waitForTimeout(300);
    await shot('05b-measured-here-hover');
    await page.keyboard.press('Escape');
  });

  it('Restore Backup… tells its entries apart: each says, in ISO time, what it was taken before', async () => {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
    await palette('Local AI Lab: Restore Backup…');
    const qp = page.locator('.quick-input-widget');
    await qp.locator('.quick-input-title', { hasText: 'from a backup' }).waitFor();
    const rows = qp.locator('.monaco-list-row');
    await rows.first().waitFor();
    const texts = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
    assert.ok(texts.length >= 3, texts.join('\n'));
    // The sweep's arms, the profile switch and the quick fix each left a backup that says what it preceded.
    assert.ok(texts.every((t) => /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d/.test(t)), `ISO times: ${texts.join('\n')}`);
    assert.ok(texts.filter((t) => /before /.test(t)).length >= 3, texts.join('\n'));
    await shot('20-restore-backup-list');
    await page.keyboard.press('Escape');
  });
});

