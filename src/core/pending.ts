/**
 * One question waiting for a person at a time. An answer counts only for the question it was given for: a
 * notification that outlived its question (VS Code keeps it in the notification centre) answers nothing.
 */
/** What a late Apply says: nothing happened. */
export const STALE_APPLY = 'That question was already answered, so nothing was applied. Run the command again for a new proposal.';

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

  /**
   * The answer a question's own notification gave. A late Apply (its question was answered, replaced or closed
   * meanwhile) changes nothing, and the returned note says so, so a second click is not taken for a second apply.
   */
  fromNotification(pick: string | undefined, id: number): string | undefined {
    if (this.answer(pick === 'Apply', id) || pick !== 'Apply') return undefined;
    return STALE_APPLY;
  }

  get waiting(): boolean {
    return this.current !== undefined;
  }
}
