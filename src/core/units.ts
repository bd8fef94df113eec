/**
 * Durations that carry their unit in the type. A plain number is neither, and arithmetic on either gives a
 * plain number, so `timeoutMs * 1000` — seconds converted twice — no longer fits where a `Millis` is wanted;
 * the only ways in are `millis()`/`seconds()` at the edge where the unit is known, and the conversions below.
 */
declare const unit: unique symbol;

export type Millis = number & { readonly [unit]: 'ms' };
export type Seconds = number & { readonly [unit]: 's' };

export const millis = (n: number): Millis => n as Millis;
export const seconds = (n: number): Seconds => n as Seconds;

export const toMillis = (s: Seconds): Millis => millis(s * 1000);
export const toSeconds = (ms: Millis): Seconds => seconds(ms / 1000);
