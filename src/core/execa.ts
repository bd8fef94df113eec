/**
 * execa, loaded when a program first runs: evaluating it is ~30 ms of start-up, and a command that starts no program
 * (`check --no-validate`, `help`) must not pay for it. Every use of execa in src/core goes through here.
 */
export const loadExeca = async (): Promise<typeof import('execa').execa> => (await import('execa')).execa;
