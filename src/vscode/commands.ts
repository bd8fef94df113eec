import * as vscode from 'vscode';
import * as z from 'zod/mini';

/**
 * Every command goes through here: its arguments — which a keybinding, a URI or another extension can
 * supply — are checked against a schema before the handler runs, so a handler only sees what it declared.
 * (rust-analyzer's command table, with validation added.)
 */
export function command<S extends z.ZodMiniType<unknown[]>>(id: string, args: S, run: (...a: z.infer<S>) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, (...raw: unknown[]) => {
    // VS Code passes trailing undefineds for omitted arguments; drop them before validating.
    while (raw.length && raw[raw.length - 1] === undefined) raw.pop();
    const parsed = args.safeParse(raw);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ');
      void vscode.window.showErrorMessage(`Local AI Lab: ${id} was called with arguments it does not take (${why}).`);
      return undefined;
    }
    return run(...(parsed.data as z.infer<S>));
  });
}

export const noArgs = z.tuple([]);
/** What VS Code passes a command run from an editor's title bar (the resource, the group), ignored. */
export const menuArgs = z.array(z.unknown()).check(z.maxLength(3));
/** Bounded strings: an argument from outside never gets to be a megabyte. */
export const str = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
/** What VS Code passes after a tree row's node when a view allows multi-select: the selected nodes (checked by the command). */
export const treeSelection = z.array(z.unknown()).check(z.maxLength(500));
export const confirmOpts = z.strictObject({ confirm: z.optional(z.boolean()) });
