/** The `confab` executable's entry (run by bin/confab.js). */
import { exitQuietlyOnBrokenPipe } from './broken-pipe.js';
import { watchLauncher } from './launcher-watch.js';
import { runCli } from './run.js';

watchLauncher();
exitQuietlyOnBrokenPipe(process.stdout);
exitQuietlyOnBrokenPipe(process.stderr);

const exitCode = await runCli(process.argv);
// A server keeps the process alive; anything else ends here with its code.
if (exitCode !== 0) process.exit(exitCode);
