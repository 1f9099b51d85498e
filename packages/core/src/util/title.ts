const MAX_TITLE = 60;

/**
 * The session title derived from its first user message (DESIGN §6.1): whitespace collapsed and
 * trimmed; ≤ 60 code points is kept as is; longer is cut at the last word boundary within the first
 * 59 code points and ends in "…"; a first word alone longer than 59 is cut hard at 59. Null for
 * blank text.
 */
export function deriveTitle(text: string): string | null {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  if (!collapsed) return null;
  const points = Array.from(collapsed);
  if (points.length <= MAX_TITLE) return collapsed;
  const head = points.slice(0, MAX_TITLE - 1);
  // A boundary is a space inside the head, or the head ending exactly before a space.
  const boundary = points[MAX_TITLE - 1] === ' ' ? MAX_TITLE - 1 : head.lastIndexOf(' ');
  const kept = boundary > 0 ? head.slice(0, boundary) : head;
  return `${kept.join('').trimEnd()}…`;
}
