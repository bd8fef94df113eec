/**
 * One run at a time, and at most one more queued with the union of what was asked meanwhile. A request's
 * promise resolves when a run that started after the request has finished, so the caller sees what it asked
 * for — not the end of a run that was already under way. No `vscode` here: unit-tested.
 */
export class SingleFlight<O> {
  private current: Promise<void> = Promise.resolve();
  private pending: O | undefined;
  private pendingRun: Promise<void> | undefined;

  constructor(
    private readonly run: (opts: O) => Promise<void>,
    private readonly merge: (queued: O, asked: O) => O,
    /** A run's failure; the next run goes ahead. */
    private readonly onError: (err: unknown) => void,
  ) {}

  request(opts: O): Promise<void> {
    this.pending = this.pending === undefined ? opts : this.merge(this.pending, opts);
    this.pendingRun ??= this.current.then(() => {
      const next = this.pending!;
      this.pending = undefined;
      this.pendingRun = undefined;
      this.current = this.run(next).catch(this.onError);
      return this.current;
    });
    return this.pendingRun;
  }
}
