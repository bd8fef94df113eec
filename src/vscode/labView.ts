import * as vscode from 'vscode';
import { SessionNode } from './commands.js';
import { deleteSession, experimentRows, labWatch, profileRows, sessionRows, type LabNode, type LabRow } from '../core/lab/view/tree.js';
import { listCodewordRecords } from '../core/lab/experiments/codewordRun.js';
import { listWireProbes } from '../core/lab/probes/registry.js';
import { listSweeps } from '../core/lab/experiments/sweepRun.js';
import { listSessions, SessionLocked, SessionUnreadable } from '../core/lab/records/store.js';
import type { Ctx } from './ctx.js';
import type { LabController } from './lab.js';
import type { ProfileController } from './profiles.js';

export const SESSIONS_VIEW = 'localAiLab.sessions';
export const PROFILES_VIEW = 'localAiLab.profilesView';
export const EXPERIMENTS_VIEW = 'localAiLab.experiments';

/** Translates the core's rows into tree items; what a row says is decided in src/core/labTree.ts. */
class RowsProvider implements vscode.TreeDataProvider<LabNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private rows = new Map<string, LabRow>();

  constructor(
    private readonly load: () => LabRow[],
    private readonly click: (node: LabNode) => vscode.Command,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  getChildren(element?: LabNode): LabNode[] {
    if (element) return [];
    const rows = this.load();
    this.rows = new Map(rows.map((r) => [key(r.node), r]));
    return rows.map((r) => r.node);
  }

  getTreeItem(node: LabNode): vscode.TreeItem {
    const row = this.rows.get(key(node));
    const item = new vscode.TreeItem(row?.label ?? key(node), vscode.TreeItemCollapsibleState.None);
    item.id = key(node);
    if (!row) return item;
    item.description = row.description;
    item.tooltip = row.tooltip;
    item.iconPath = new vscode.ThemeIcon(row.icon);
    item.contextValue = row.contextValue;
    item.accessibilityInformation = { label: `${row.label}, ${row.description}` };
    item.command = this.click(node);
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Watches `pattern` under the lab folder, which the first session, sweep or probe creates (see labWatch). */
function watch(labDir: string, pattern: string): vscode.FileSystemWatcher {
  const w = labWatch(labDir, pattern);
  return vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(w.base), w.pattern));
}

const key = (n: LabNode) => (n.kind === 'profile' ? `profile:${n.name}` : `${n.kind}:${n.id}`);

/** The Lab view container: lab sessions (open, compare, resume, delete), profiles (show, apply), experiments (open). */
export class LabView implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly sessions: RowsProvider;
  private readonly profiles: RowsProvider;
  private readonly experiments: RowsProvider;
  private timer: NodeJS.Timeout | undefined;
  private experimentsTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: Ctx,
    private readonly lab: LabController,
    profileController: ProfileController,
  ) {
    this.sessions = new RowsProvider(
      () => {
        const dir = lab.readableLabDir();
        return dir ? sessionRows(listSessions(dir)) : [];
      },
      (n) => ({ title: 'Open Lab Session', command: 'localAiLab.openLabSession', arguments: [n.kind === 'session' ? n.id : undefined] }),
    );
    this.profiles = new RowsProvider(
      () => {
        const v = profileController.view();
        return profileRows(v.targets, v.inForce, v.drift, v.caveats);
      },
      (n) => ({ title: 'Show Profile', command: 'localAiLab.showProfile', arguments: [n.kind === 'profile' ? n.name : undefined] }),
    );
    this.experiments = new RowsProvider(
      () => {
        const dir = lab.readableLabDir();
        return dir ? experimentRows(listSweeps(dir), listCodewordRecords(dir), listWireProbes(dir)) : [];
      },
      (n) =>
        n.kind === 'codewords'
          ? { title: 'Open Codeword Probe', command: 'localAiLab.openCodewordProbe', arguments: [n.id] }
          : n.kind === 'probe'
            ? { title: 'Open Probe', command: 'localAiLab.openProbe', arguments: [n.id] }
            : { title: 'Open Sweep', command: 'localAiLab.openSweep', arguments: [n.kind === 'sweep' ? n.id : undefined] },
    );
    // Sweeps and probes a terminal writes show up too.
    const experimentsWatcher = watch(lab.labPath(), '{sweeps,probes}/*.json');
    const experimentsSoon = () => {
      clearTimeout(this.experimentsTimer);
      this.experimentsTimer = setTimeout(() => this.experiments.refresh(), 300);
    };
    // Sessions written by a terminal's `local-ai-lab lab run` show up too.
    const watcher = watch(lab.labPath(), 'runs/*/{session.json,dispatches.jsonl}');
    const soon = () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.sessions.refresh(), 300);
    };
    this.disposables.push(
      this.sessions,
      this.profiles,
      vscode.window.createTreeView(SESSIONS_VIEW, { treeDataProvider: this.sessions, canSelectMany: true, showCollapseAll: false }),
      vscode.window.createTreeView(PROFILES_VIEW, { treeDataProvider: this.profiles }),
      this.experiments,
      vscode.window.createTreeView(EXPERIMENTS_VIEW, { treeDataProvider: this.experiments }),
      experimentsWatcher,
      experimentsWatcher.onDidCreate(experimentsSoon),
      experimentsWatcher.onDidChange(experimentsSoon),
      experimentsWatcher.onDidDelete(experimentsSoon),
      watcher,
      watcher.onDidCreate(soon),
      watcher.onDidChange(soon),
      watcher.onDidDelete(soon),
      lab.onDidChangeSessions(soon),
      ctx.onDidChange(() => this.profiles.refresh()),
      // Trust granted: the workspace's lab records may now be read.
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.sessions.refresh();
        this.experiments.refresh();
      }),
    );
  }

  /** Delete Lab Session: asks first (naming what goes); the core takes each session's lock, so a running one is refused. */
  async delete(node: { id: string }, selected: unknown[] = []): Promise<void> {
    const chosen = selected.map((s) => SessionNode.safeParse(s)).flatMap((r) => (r.success ? [r.data.id] : []));
    const ids = chosen.includes(node.id) ? chosen : [node.id];
    const what = ids.length === 1 ? `lab session ${ids[0]}` : `${ids.length} lab sessions`;
    const pick = await vscode.window.showWarningMessage(`Delete ${what}?`, { modal: true, detail: 'Its folder, records and outputs are removed from disk; this cannot be undone.' }, 'Delete');
    if (pick !== 'Delete') return;
    const failed: string[] = [];
    for (const id of ids) {
      try {
        deleteSession(this.lab.labDir(), id);
        this.ctx.log.info(`deleted lab session ${id}`);
      } catch (err) {
        const msg = err instanceof SessionLocked || err instanceof SessionUnreadable ? err.message : `could not delete ${id}: ${(err as Error).message}`;
        this.ctx.log.warn(msg);
        failed.push(msg);
      }
    }
    this.sessions.refresh();
    if (failed.length) void vscode.window.showErrorMessage(`Not deleted: ${failed[0]}${failed.length > 1 ? ` (and ${failed.length - 1} more)` : ''}.`);
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearTimeout(this.experimentsTimer);
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
