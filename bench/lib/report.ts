/** A markdown table from a header and rows of cells. */
export function markdownTable(header: string[], rows: Array<Array<string | number>>): string {
  const lines = [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, index) => (index === 0 ? '---' : '---:')).join(' | ')} |`,
  ];
  for (const row of rows)
    lines.push(`| ${row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell)).join(' | ')} |`);
  return lines.join('\n');
}

/** Three significant decimals for small numbers, none for large ones. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 1) return value.toFixed(2);
  return value.toFixed(3);
}
