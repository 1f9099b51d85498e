/**
 * Where a command writes whole lines: results meant for the user or a script go to `out` (stdout),
 * human messages and notes to `err` (stderr). `serve` writes only to `err`: its stdout carries the
 * server's JSON logs.
 */
export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The process's own streams. */
export const processOutput: Output = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** Writes `value` to stdout as indented JSON, the `--json` form of every command. */
export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}
