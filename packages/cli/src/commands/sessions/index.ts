import type { Command } from 'commander';
import type { CliEnvironment } from '../../environment.js';
import { registerSessionsExport } from './export.js';
import { registerSessionsFork } from './fork.js';
import { registerSessionsList } from './list.js';
import { registerSessionsRemove } from './remove.js';
import { registerSessionsShow } from './show.js';

/** Adds `confab sessions ls|show|export|fork|rm`, which talk to a server through the client SDK. */
export function registerSessionsCommand(program: Command, environment: CliEnvironment): void {
  const sessions = program
    .command('sessions')
    .description("list, inspect, export, fork and remove a server's sessions");
  registerSessionsList(sessions, environment);
  registerSessionsShow(sessions, environment);
  registerSessionsExport(sessions, environment);
  registerSessionsFork(sessions, environment);
  registerSessionsRemove(sessions, environment);
}
