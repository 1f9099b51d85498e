/**
 * Makes the process end quietly with exit code 0 when the reader of `stream` goes away (EPIPE), as
 * in `echo hi | confab chat | head -1`: nothing is left to print to, so this is not a failure and
 * deserves no stack trace. Any other error of the stream is thrown as before.
 */
export function exitQuietlyOnBrokenPipe(
  stream: NodeJS.WritableStream,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    exit(0);
  });
}
