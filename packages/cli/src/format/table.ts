/**
 * Lays out rows as a plain-text table: a header line and one line per row, each column as wide as
 * its widest cell, two spaces apart; the last column is not padded (no trailing blanks). Returns
 * only the header when there are no rows.
 */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => [...(row[column] ?? '')].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell + ' '.repeat(widths[column]! - [...cell].length),
      )
      .join('  ');
  return [line(headers), ...rows.map(line)].join('\n');
}
