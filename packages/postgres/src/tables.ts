/** Schema-qualified, quoted names of every table the store uses. */
export interface Tables {
  /** The quoted schema itself. */
  schema: string;
  migrations: string;
  sessions: string;
  events: string;
  inputs: string;
  snapshots: string;
  apps: string;
  apiTokens: string;
  files: string;
  fileChunks: string;
  lifecyclePayloads: string;
}

/** Quotes an SQL identifier (doubling embedded quotes). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The table names in `schema`. Every statement names its schema explicitly rather than relying on
 * a connection's `search_path`, so statements stay correct behind poolers that share connections.
 */
export function tablesIn(schema: string): Tables {
  const quoted = quoteIdentifier(schema);
  const table = (name: string) => `${quoted}.${name}`;
  return {
    schema: quoted,
    migrations: table('schema_migrations'),
    sessions: table('sessions'),
    events: table('events'),
    inputs: table('inputs'),
    snapshots: table('snapshots'),
    apps: table('apps'),
    apiTokens: table('api_tokens'),
    files: table('files'),
    fileChunks: table('file_chunks'),
    lifecyclePayloads: table('lifecycle_payloads'),
  };
}
