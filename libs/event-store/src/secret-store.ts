import Database from 'better-sqlite3';
import { openSharedSqliteFile } from './sqlite/shared-file';

/**
 * Where the credential proxy's encrypted secrets are kept: beside the event store, never in an event. A row is one
 * secret version's envelope (ciphertext, IV, tag and wrapped data key, as JSON text); nothing in it opens without the
 * master key. A row is written before its ServiceSecretAdded event and is used only while the events say its version
 * is active, so a row whose event never came is inert. Rows are deleted once the events remove their version.
 */
export interface SecretStore {
  /** Keeps the envelope unless this version already has one; returns the one kept (so a retry is harmless). */
  keep(tenantId: string, secretId: string, version: number, envelope: string): Promise<string>;
  envelopeOf(tenantId: string, secretId: string, version: number): Promise<string | null>;
  /** Deletes one version's row, or every version's of the secret when no version is given. */
  forget(tenantId: string, secretId: string, version?: number): Promise<void>;
  /** Keeps the installation's wrapped fingerprint key unless one is kept; returns the one kept. */
  fingerprintKey(wrapped: string): Promise<string>;
}

const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS service_secrets (
  tenant_id TEXT NOT NULL,
  secret_id TEXT NOT NULL,
  version   INTEGER NOT NULL,
  envelope  TEXT NOT NULL,
  PRIMARY KEY (tenant_id, secret_id, version)
);
CREATE TABLE IF NOT EXISTS secret_fingerprint_key (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  wrapped TEXT NOT NULL
);`;

/**
 * The secret store in a SQLite database: the embedded event store's own file (its storage thread), or a file of its
 * own that several processes share (EventStoreDB installations), hence the busy timeout.
 */
export class SqliteSecretStore implements SecretStore {
  private readonly statements;

  constructor(db: Database.Database) {
    db.exec(SQLITE_SCHEMA);
    this.statements = {
      insert: db.prepare('INSERT INTO service_secrets (tenant_id, secret_id, version, envelope) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      select: db.prepare('SELECT envelope FROM service_secrets WHERE tenant_id = ? AND secret_id = ? AND version = ?').pluck(),
      deleteVersion: db.prepare('DELETE FROM service_secrets WHERE tenant_id = ? AND secret_id = ? AND version = ?'),
      deleteAll: db.prepare('DELETE FROM service_secrets WHERE tenant_id = ? AND secret_id = ?'),
      insertKey: db.prepare('INSERT INTO secret_fingerprint_key (id, wrapped) VALUES (1, ?) ON CONFLICT DO NOTHING'),
      selectKey: db.prepare('SELECT wrapped FROM secret_fingerprint_key WHERE id = 1').pluck(),
    };
  }

  /** A file of its own, shared by the processes of one installation. */
  static openFile(file: string): SqliteSecretStore {
    return new SqliteSecretStore(openSharedSqliteFile(file));
  }

  keepSync(tenantId: string, secretId: string, version: number, envelope: string): string {
    this.statements.insert.run(tenantId, secretId, version, envelope);
    return this.envelopeOfSync(tenantId, secretId, version)!;
  }

  envelopeOfSync(tenantId: string, secretId: string, version: number): string | null {
    return (this.statements.select.get(tenantId, secretId, version) as string | undefined) ?? null;
  }

  forgetSync(tenantId: string, secretId: string, version?: number): void {
    if (version === undefined) this.statements.deleteAll.run(tenantId, secretId);
    else this.statements.deleteVersion.run(tenantId, secretId, version);
  }

  fingerprintKeySync(wrapped: string): string {
    this.statements.insertKey.run(wrapped);
    return this.statements.selectKey.get() as string;
  }

  async keep(tenantId: string, secretId: string, version: number, envelope: string): Promise<string> {
    return this.keepSync(tenantId, secretId, version, envelope);
  }

  async envelopeOf(tenantId: string, secretId: string, version: number): Promise<string | null> {
    return this.envelopeOfSync(tenantId, secretId, version);
  }

  async forget(tenantId: string, secretId: string, version?: number): Promise<void> {
    this.forgetSync(tenantId, secretId, version);
  }

  async fingerprintKey(wrapped: string): Promise<string> {
    return this.fingerprintKeySync(wrapped);
  }
}
