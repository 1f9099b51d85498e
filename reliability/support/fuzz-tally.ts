/**
 * Counts of the fuzz run: requests by operation and status, by mutation, and the problems found
 * (each with the request that caused it, so it can be replayed by hand).
 */
export class FuzzTally {
  requests = 0;
  readonly byOperation = new Map<string, Map<number, number>>();
  readonly byMutation = new Map<string, number>();
  readonly byStatus = new Map<number, number>();
  readonly problems: string[] = [];
  /** Problems beyond this many are counted, not kept: one bug repeated 10,000 times says nothing more. */
  private readonly keep = 40;
  problemCount = 0;

  /** Records one answer. */
  count(operation: string, mutation: string, status: number): void {
    this.requests++;
    const statuses = this.byOperation.get(operation) ?? new Map<number, number>();
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    this.byOperation.set(operation, statuses);
    this.byMutation.set(mutation, (this.byMutation.get(mutation) ?? 0) + 1);
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  /** Records a broken rule. */
  problem(description: string): void {
    this.problemCount++;
    if (this.problems.length < this.keep) this.problems.push(description);
  }

  /** How many answers of `operation` were 2xx. */
  successes(operation: string): number {
    let total = 0;
    for (const [status, count] of this.byOperation.get(operation) ?? []) if (status < 300) total += count;
    return total;
  }

  /** One line per operation: `operation  status×count …`. */
  table(): string {
    const lines = [...this.byOperation.entries()]
      .sort(([left], [right]) => left.localeCompare(right))
      .map(([operation, statuses]) => {
        const cells = [...statuses.entries()].sort(([left], [right]) => left - right);
        return `  ${operation.padEnd(40)} ${cells.map(([status, count]) => `${status}×${count}`).join(' ')}`;
      });
    return lines.join('\n');
  }

  /** `{ 200: n, 400: m, … }` as a compact string. */
  statuses(): string {
    return [...this.byStatus.entries()]
      .sort(([left], [right]) => left - right)
      .map(([status, count]) => `${status}×${count}`)
      .join(' ');
  }
}
