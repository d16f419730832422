/** Argument checks whose messages name the parameter. */

/** Checks that `value` is a positive integer; the message names the parameter. */
export function requirePositiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer; got ${JSON.stringify(value)}`);
  }
  return value;
}
