/**
 * `text` cut to at most `max` code points, ending in "…" when cut; newlines and runs of
 * whitespace become one space so a value always fits on one line of a table.
 */
export function oneLine(text: string, max: number): string {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  const points = [...collapsed];
  return points.length <= max ? collapsed : `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** A JSON value on one line (strings quoted), cut like {@link oneLine}. */
export function jsonOneLine(value: unknown, max: number): string {
  return oneLine(JSON.stringify(value) ?? 'undefined', max);
}

/**
 * An ISO-8601 timestamp as `YYYY-MM-DD HH:MM:SS` (UTC, as stored), or "-" for null: shorter than
 * the wire form and still sortable.
 */
export function shortTime(iso: string | null): string {
  if (!iso) return '-';
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : iso;
}
