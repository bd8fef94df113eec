/**
 * Runs `work` with Ctrl-C as its cancel: SIGINT aborts the signal it is given (and, when `say` is given, prints it on
 * stderr, on a line of its own), and the handler is removed when `work` settles. While it runs, Ctrl-C never kills the
 * process: what was started winds down through the signal (finished dispatches recorded, the state from before put
 * back) and `work` decides what is reported and the exit code.
 */
export async function withCtrlC<T>(say: string | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSigint = () => {
    // A line of its own: the progress line ("dispatch 3/6… ") has no newline yet.
    if (say) console.error(`\n${say}`);
    abort.abort();
  };
  // SIGTERM (kill, systemd, a CI's timeout) and SIGHUP (the terminal closed) wind down the same way: without a
  // handler they kill at once and leave a sweep's variant in force. SIGKILL cannot be caught: the borrow marker
  // lets the next run put the state back (recoverBorrow).
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSigint);
  // After SIGHUP the terminal is gone: a write to it fails (EIO), and that must not end the restore.
  const ignore = () => {};
  process.stdout.on('error', ignore);
  process.stderr.on('error', ignore);
  try {
    return await work(abort.signal);
  } finally {
    for (const s of signals) process.off(s, onSigint);
    process.stdout.off('error', ignore);
    process.stderr.off('error', ignore);
  }
}
