import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import * as z from 'zod/mini';
import { dispatchesCsv, markdownTable, panelSession, tableRow } from '../core/lab/view/panel.js';
import { newNonce, panelHtml } from '../core/lab/view/panelHtml.js';
import { PanelMessageSchema, type HostMessage, type PanelSession } from '../core/lab/view/panelProtocol.js';
import type { TimelineView } from '../core/lab/view/timelineView.js';
import { compareSessions } from '../core/lab/summary.js';
import { comparisonLines, distinctLabels } from '../core/lab/view/report.js';
import { listSessions, readSession, sessionDir } from '../core/lab/records/store.js';
import { readCodewordRecord, type CodewordRecord } from '../core/lab/experiments/codewordRun.js';
import { codewordView } from '../core/lab/experiments/codewords.js';
import { readWireProbe } from '../core/lab/probes/registry.js';
import type { Ctx } from './ctx.js';

export const LAB_PANEL_VIEW = 'localAiLab.labPanel';
/** A grouped comparison (a sweep): its title, one name per session id, and the lines shown instead of the pairwise differences. */
type Group = { readonly title: string; readonly labels: readonly string[]; readonly lines: { label: string; value: string }[] };
type Shown =
  | { readonly kind: 'sessions'; readonly group?: Group }
  | { readonly kind: 'codewords'; readonly id: string }
  | { readonly kind: 'probe'; readonly id: string }
  | { readonly kind: 'timeline'; readonly title: string; readonly view: TimelineView };
const StateSchema = z.object({ ids: z.array(z.string()), codewords: z.optional(z.string()), probe: z.optional(z.string()) });

/** The "Lab" webview: one panel, showing one session or comparing several; restored after a reload. */
export class LabPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ids: string[] = [];
  /** What the panel shows: sessions (`ids`; a sweep's group replaces the pairwise comparison), a probe's record, or a timeline read from a file (not restored after a reload). */
  private shown: Shown = { kind: 'sessions' };
  private readonly disposables: vscode.Disposable[] = [];
  private panelDisposables: vscode.Disposable[] = [];

  constructor(
    private readonly ctx: Ctx,
    private readonly labDir: () => string,
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(LAB_PANEL_VIEW, {
        deserializeWebviewPanel: async (panel, state) => {
          // Persisted state comes from the webview: validate it, and drop a panel whose sessions are gone.
          const s = StateSchema.safeParse(state);
          const ids = s.success ? s.data.ids.filter((id) => this.exists(id)) : [];
          const cw = s.success && s.data.codewords && this.codewordRecord(s.data.codewords) ? s.data.codewords : undefined;
          const probe = s.success && s.data.probe && this.probeRecord(s.data.probe) ? s.data.probe : undefined;
          if (!ids.length && !cw && !probe) {
            panel.dispose();
            return;
          }
          this.shown = probe ? { kind: 'probe', id: probe } : cw ? { kind: 'codewords', id: cw } : { kind: 'sessions' };
          this.adopt(panel, ids);
        },
      }),
    );
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables.reverse()) d.dispose();
  }

  private exists(id: string): boolean {
    try {
      return fs.existsSync(path.join(sessionDir(this.labDir(), id), 'session.json'));
    } catch {
      return false;
    }
  }

  /** Shows these sessions (two or more: compared on one axis); a sweep passes its title, verdict lines and arm labels. */
  show(ids: string[], group?: Group): void {
    this.shown = { kind: 'sessions', ...(group ? { group } : {}) };
    this.open(ids);
  }

  /** Shows a recorded codeword probe's survival matrix. */
  showCodewords(id: string): void {
    this.shown = { kind: 'codewords', id };
    this.open([]);
  }

  /** Shows a recorded wire probe (prefix-stability, tools, fill): its verdict, table and curve. */
  showProbe(id: string): void {
    this.shown = { kind: 'probe', id };
    this.open([]);
  }

  /** Shows a timeline alone, read-only: one read from a file that is no lab session of ours. */
  showTimeline(title: string, view: TimelineView): void {
    this.shown = { kind: 'timeline', title, view };
    this.open([]);
  }

  private codewordRecord(id: string): CodewordRecord | undefined {
    try {
      return readCodewordRecord(this.labDir(), id);
    } catch (err) {
      this.ctx.log.warn(`lab panel: ${(err as Error).message}`);
      return undefined;
    }
  }

  private probeRecord(id: string): ReturnType<typeof readWireProbe> {
    const r = readWireProbe(this.labDir(), id);
    if (!r) this.ctx.log.warn(`lab panel: no readable probe record ${id}`);
    return r;
  }

  private open(ids: string[]): void {
    if (this.panel) {
      this.ids = ids;
      this.panel.reveal(undefined, true);
      this.post();
      return;
    }
    const ext = this.ctx.extension.extensionUri;
    const panel = vscode.window.createWebviewPanel(LAB_PANEL_VIEW, 'Lab', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(ext, 'dist', 'webview'), vscode.Uri.joinPath(ext, 'media')],
    });
    this.adopt(panel, ids);
  }

  showing(id: string): boolean {
    return !!this.panel && this.ids.includes(id);
  }

  /** A dispatch of a shown session landed: redraw with it. */
  update(id: string): void {
    if (!this.panel || !this.ids.includes(id)) return;
    const s = this.load(id);
    if (s) void this.panel.webview.postMessage({ type: 'dispatch', session: s } satisfies HostMessage);
  }

  private adopt(panel: vscode.WebviewPanel, ids: string[]): void {
    const ext = this.ctx.extension.extensionUri;
    this.panel = panel;
    this.ids = ids;
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(ext, 'dist', 'webview'), vscode.Uri.joinPath(ext, 'media')] };
    panel.webview.html = panelHtml({
      cspSource: panel.webview.cspSource,
      nonce: newNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(ext, 'dist', 'webview', 'panel.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(ext, 'media', 'panel.css')).toString(),
    });
    this.panelDisposables = [
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      panel.onDidDispose(() => {
        for (const d of this.panelDisposables) d.dispose();
        this.panelDisposables = [];
        this.panel = undefined;
      }),
    ];
  }

  private load(id: string): PanelSession | undefined {
    try {
      // The timeline only for a session shown alone: a comparison compares distributions, not single dispatches.
      return panelSession(this.labDir(), id, { timeline: this.ids.length === 1 && !this.groupShown() });
    } catch (err) {
      this.ctx.log.warn(`lab panel: ${(err as Error).message}`);
      return undefined;
    }
  }

  private groupShown(): Group | undefined {
    return this.shown.kind === 'sessions' ? this.shown.group : undefined;
  }

  private post(): void {
    const shown = this.shown;
    if (shown.kind === 'timeline') {
      void this.panel?.webview.postMessage({ type: 'timeline', title: shown.title, view: shown.view } satisfies HostMessage);
      return;
    }
    if (shown.kind === 'probe') {
      const p = this.probeRecord(shown.id);
      if (p) void this.panel?.webview.postMessage({ type: 'probe', id: p.record.id, view: p.module.view(p.record) } satisfies HostMessage);
      return;
    }
    if (shown.kind === 'codewords') {
      const r = this.codewordRecord(shown.id);
      if (r) void this.panel?.webview.postMessage({ type: 'codewords', id: r.id, view: codewordView(r) } satisfies HostMessage);
      return;
    }
    const group = shown.group;
    const loaded = this.ids.map((id) => this.load(id)).filter((s): s is PanelSession => !!s);
    // Two sessions that would read the same (workload, profile, minute) get the end of their id.
    const labels = distinctLabels(loaded.map((s) => readSession(this.labDir(), s.id).session));
    const armOf = new Map(this.ids.map((id, i) => [id, group?.labels[i]]));
    const sessions = loaded.map((s, i) => ({ ...s, label: armOf.get(s.id) ?? labels[i]! }));
    const msg: HostMessage = { type: 'show', sessions, ...(group ? { title: group.title } : {}) };
    if (group) msg.differences = group.lines;
    else if (sessions.length === 2) {
      const [a, b] = [readSession(this.labDir(), this.ids[0]!), readSession(this.labDir(), this.ids[1]!)];
      const c = compareSessions(a.dispatches, b.dispatches);
      msg.differences = comparisonLines(c, sessions[0]!.label, sessions[1]!.label, { a: a.session.environment.compactionThreshold, b: b.session.environment.compactionThreshold }, false);
    }
    void this.panel?.webview.postMessage(msg);
  }

  private async receive(raw: unknown): Promise<void> {
    const m = PanelMessageSchema.safeParse(raw);
    if (!m.success) {
      this.ctx.log.warn('lab panel: ignored an unknown message');
      return;
    }
    const msg = m.data;
    switch (msg.type) {
      case 'ready':
        return this.post();
      case 'rendered':
        this.ctx.log.debug(`lab panel: drew ${msg.points} dispatches in ${msg.ms.toFixed(1)} ms`);
        return;
      case 'openDispatch': {
        if (!this.ids.includes(msg.session)) return;
        const { dispatches } = readSession(this.labDir(), msg.session);
        const d = dispatches.find((x) => x.index === msg.index);
        if (!d) return;
        const file = path.join(sessionDir(this.labDir(), msg.session), d.outputFile);
        if (!file.startsWith(sessionDir(this.labDir(), msg.session) + path.sep)) return; // never outside the session
        await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true, viewColumn: vscode.ViewColumn.One });
        return;
      }
      case 'export': {
        const loaded = this.ids.map((id) => readSession(this.labDir(), id));
        if (msg.format === 'markdown') {
          const md = markdownTable(loaded.map((l) => tableRow(l.session, l.dispatches)));
          await vscode.env.clipboard.writeText(md);
          void vscode.window.showInformationMessage('Lab table copied as Markdown.');
        } else {
          const target = await vscode.window.showSaveDialog({ title: 'Save dispatches as CSV', filters: { CSV: ['csv'] }, defaultUri: vscode.Uri.file(path.join(this.labDir(), `${this.ids[0]}.csv`)) });
          if (!target) return;
          await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(dispatchesCsv(loaded)));
          void vscode.window.showInformationMessage(`Saved ${path.basename(target.fsPath)}.`);
        }
        return;
      }
    }
  }

  /** Sessions newest first, for the open and compare pickers. */
  sessions() {
    return listSessions(this.labDir()).reverse();
  }
}
