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
  process.on('SIGINT', onSigint);
  try {
    return await work(abort.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
