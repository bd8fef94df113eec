/**
 * Errors every front end tells apart, in a module of their own that imports nothing: the CLI's entry point
 * recognises them without loading the pipeline that throws them.
 */

/** The config cannot be read or parsed as asked (the CLI's exit 2). */
export class ConfigUnreadable extends Error {}
