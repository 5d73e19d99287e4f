/** How values are written to and read from SQL columns, the same on every backend. */

/** ISO-8601 UTC with milliseconds: sorts lexicographically in time order. */
export function timestamp(date: Date = new Date()): string {
  return date.toISOString();
}

/** A JSON column holding an object (anything else reads as `{}`). */
export function parseJsonObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
