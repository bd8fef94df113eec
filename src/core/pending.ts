/**
 * One question waiting for a person at a time. An answer counts only for the question it was given for: a
 * notification that outlived its question (VS Code keeps it in the notification centre) answers nothing.
 */
export class PendingQuestion {
  private current: { readonly id: number; readonly resolve: (ok: boolean) => void } | undefined;
  private nextId = 1;

  /** A new question (an older one still open is answered "no"): its id, and the answer to wait for. */
  open(): { id: number; answer: Promise<boolean> } {
    this.answer(false);
    const id = this.nextId++;
    const answer = new Promise<boolean>((resolve) => (this.current = { id, resolve }));
    return { id, answer };
  }

  /** Answers the open question (or only question `id`); false when there was nothing of that id to answer. */
  answer(ok: boolean, id?: number): boolean {
    const c = this.current;
    if (!c || (id !== undefined && id !== c.id)) return false;
    this.current = undefined;
    c.resolve(ok);
    return true;
  }

  get waiting(): boolean {
    return this.current !== undefined;
  }
}
