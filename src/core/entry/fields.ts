// Building an entry's `fields` from what a line holds, whatever its keys are called.

/** Sets a field as data: `__proto__` is defined, never assigned (assigning it would set the prototype). */
export function setField(fields: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(fields, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    fields[key] = value;
  }
}

/** Adds a value read from a text line; a key met again keeps every value, in the line's order, as an array. */
export function addField(fields: Record<string, unknown>, key: string, value: string | number): void {
  if (!Object.hasOwn(fields, key)) {
    setField(fields, key, value);
    return;
  }
  const earlier = fields[key];
  if (Array.isArray(earlier)) earlier.push(value);
  else setField(fields, key, [earlier, value]);
}
