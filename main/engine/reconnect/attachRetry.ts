// When a tab attaches again after the agent turned it away (ERROR BUSY: too many clients
// attached), dropped its link (a protocol error), or a session channel would not open or
// closed, while the SSH connection itself is fine. Pure: the count of failures and the
// randomness are arguments, so the schedule is unit-tested without timers.
//
// Why these numbers: most of these causes are momentary (a master restarting, a race with
// the channel limit), so the first retry is quick; a full agent frees a slot only when
// someone detaches, so retries then back off instead of knocking ~3 times a second forever
// (64 clients waiting at the cap cost about 13 connections per second in all, and a freed
// slot is taken within the cap). Jitter keeps tabs that were turned away together from
// knocking together.

/** Delay before the first retry (ms): a momentary cause is over by then. */
export const ATTACH_RETRY_FIRST_MS = 300;
/** Each further consecutive failure multiplies the delay by this. */
export const ATTACH_RETRY_FACTOR = 2;
/** The delay never exceeds this (ms): how long a freed slot may wait to be taken. */
export const ATTACH_RETRY_MAX_MS = 5_000;
/** Up to this fraction of each delay is taken off at random (0.5: between half and all). */
export const ATTACH_RETRY_JITTER = 0.5;
/**
 * A link that stayed attached this long (ms) proves the cause is over: the count of
 * failures starts again. A shorter one (attached, then dropped at once) keeps counting,
 * so a link that breaks right after every attach backs off too.
 */
export const ATTACH_STABLE_MS = 10_000;

/**
 * Delay before the next attach, given the consecutive failures before this one (0 for the
 * first). `random` returns a number in [0, 1).
 */
export function attachRetryDelay(failures: number, random: () => number): number {
  const base = Math.min(
    ATTACH_RETRY_MAX_MS,
    ATTACH_RETRY_FIRST_MS * ATTACH_RETRY_FACTOR ** Math.max(0, failures),
  );
  return Math.round(base * (1 - ATTACH_RETRY_JITTER * random()));
}
