/** An outcome the caller must look at: a value, or a typed error. Never thrown. */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

/** Wraps a success. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** Wraps a failure. */
export function fail<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
