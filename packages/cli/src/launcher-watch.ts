/** The variable bin/confab.js sets for the CLI process it starts: its own pid. */
export const LAUNCHER_PID_VARIABLE = 'CONFAB_LAUNCHER_PID';

/**
 * Ends this process at once (SIGKILL, like the launcher's own end) when the `confab` launcher
 * that started it is gone. In a source checkout bin/confab.js runs the CLI in a child process and
 * forwards SIGINT/SIGTERM/SIGHUP, but a SIGKILL of the launcher cannot be forwarded: without this
 * watch, `kill -9 <confab pid>` left `confab serve` running as an orphan, still holding its port
 * and store. The variable is removed so processes the CLI starts do not watch the wrong parent.
 * Does nothing when the CLI was not started by the launcher.
 */
export function watchLauncher(env: NodeJS.ProcessEnv = process.env, intervalMs = 250): void {
  const launcherPid = Number(env[LAUNCHER_PID_VARIABLE]);
  delete env[LAUNCHER_PID_VARIABLE];
  if (!Number.isInteger(launcherPid) || launcherPid <= 0) return;
  // A dead parent's children are reparented, so the parent pid changing means the launcher died.
  const timer = setInterval(() => {
    if (process.ppid !== launcherPid) process.kill(process.pid, 'SIGKILL');
  }, intervalMs);
  timer.unref();
}
