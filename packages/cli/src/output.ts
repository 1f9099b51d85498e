/** Where a command writes: human messages go to `err` (stdout carries the server's JSON logs). */
export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The process's own streams. */
export const processOutput: Output = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};
