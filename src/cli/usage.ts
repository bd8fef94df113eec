/** Bad usage (exit 2). Without a message the command's usage line is the message. Imports nothing, so `main` stays light. */
export class UsageError extends Error {
  constructor(message = '') {
    super(message);
  }
}
