import { Pool } from 'pg';

interface Migration {
  version: number;
  sql: string;
}

/** Append-only: a migration that shipped is never edited, the next change is a new number. */
const MIGRATIONS: Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE events (
  position       bigint PRIMARY KEY,
  id             text NOT NULL UNIQUE,
  stream_id      text NOT NULL,
  stream_version int NOT NULL,
  tenant_id      text NOT NULL,
  body           text NOT NULL,
  chain_hash     text NOT NULL,
  UNIQUE (stream_id, stream_version)
);
CREATE INDEX events_by_tenant ON events (tenant_id, position);
CREATE TABLE event_head (
  id       int PRIMARY KEY CHECK (id = 1),
  position bigint NOT NULL
);
INSERT INTO event_head (id, position) VALUES (1, 0);
CREATE TABLE tenant_chain_heads (
  tenant_id  text PRIMARY KEY,
  chain_hash text NOT NULL
);`,
  },
  {
    version: 2,
    sql: `
CREATE TABLE relay_checkpoint (
  name     text PRIMARY KEY,
  position bigint NOT NULL
);`,
  },
  {
    version: 3,
    sql: `
CREATE TABLE operator_key_verifiers (
  tenant_id text NOT NULL,
  key_id    text NOT NULL,
  verifier  text NOT NULL,
  PRIMARY KEY (tenant_id, key_id)
);
CREATE TABLE key_pepper_check (
  id          int PRIMARY KEY CHECK (id = 1),
  check_value text NOT NULL
);`,
  },
  {
    version: 4,
    sql: `
CREATE TABLE service_secrets (
  tenant_id text NOT NULL,
  secret_id text NOT NULL,
  version   int NOT NULL,
  envelope  text NOT NULL,
  PRIMARY KEY (tenant_id, secret_id, version)
);
CREATE TABLE secret_fingerprint_key (
  id      int PRIMARY KEY CHECK (id = 1),
  wrapped text NOT NULL
);`,
  },
];

/** The versions a migrated database holds, in order. */
export const MIGRATION_VERSIONS = MIGRATIONS.map((m) => m.version);

/** Every Mandate process migrating the same database takes this lock, so services starting together do not race. */
const MIGRATION_LOCK = 0x6d616e64617465; // "mandate" in ASCII

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** A schema name goes into SQL text (DDL and search_path take no parameters), so only plain identifiers pass. */
export function schemaIdentifier(name: string): string {
  if (!IDENTIFIER.test(name) || name.length > 63) {
    throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(name)}: use lower-case letters, digits and _`);
  }
  return name;
}

/** Brings the database (the schema on the pool's search_path) up to the latest migration, each one applied once. */
export async function migrate(pool: Pool, schema?: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schemaIdentifier(schema)}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS mandate_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const applied = new Set(
      (await client.query<{ version: number }>('SELECT version FROM mandate_migrations')).rows.map((row) => row.version),
    );
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO mandate_migrations (version, applied_at) VALUES ($1, now())', [migration.version]);
    }
    await client.query('COMMIT');
    client.release();
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(true);
    throw error;
  }
}
