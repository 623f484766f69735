import Database from 'better-sqlite3';
import { openSharedSqliteFile } from './sqlite/shared-file';

/**
 * Where operator key verifiers are kept: beside the event store, never in an event. A verifier is
 * HMAC-SHA256(server pepper, sha256(secret)), so this table alone (a leaked backup) confirms no guessed key. Rows are
 * written once per key id and never changed: revoking a key is an event, not an update here.
 */
export interface KeyVerifierStore {
  /** Keeps the verifier unless the key already has one; returns the one kept (so a retry is harmless). */
  keep(tenantId: string, keyId: string, verifier: string): Promise<string>;
  verifierOf(tenantId: string, keyId: string): Promise<string | null>;
  /** Keeps the pepper's check value unless one is kept; returns the one kept (a different pepper gives another). */
  pepperCheck(check: string): Promise<string>;
}

const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS operator_key_verifiers (
  tenant_id TEXT NOT NULL,
  key_id    TEXT NOT NULL,
  verifier  TEXT NOT NULL,
  PRIMARY KEY (tenant_id, key_id)
);
CREATE TABLE IF NOT EXISTS key_pepper_check (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  check_value TEXT NOT NULL
);`;

/**
 * The verifier store in a SQLite database: the embedded event store's own file (one process, its storage thread), or
 * a file of its own that several processes share (EventStoreDB installations), hence the busy timeout.
 */
export class SqliteKeyVerifiers implements KeyVerifierStore {
  private readonly statements;

  constructor(db: Database.Database) {
    db.exec(SQLITE_SCHEMA);
    this.statements = {
      insert: db.prepare('INSERT INTO operator_key_verifiers (tenant_id, key_id, verifier) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      select: db.prepare('SELECT verifier FROM operator_key_verifiers WHERE tenant_id = ? AND key_id = ?').pluck(),
      insertCheck: db.prepare('INSERT INTO key_pepper_check (id, check_value) VALUES (1, ?) ON CONFLICT DO NOTHING'),
      selectCheck: db.prepare('SELECT check_value FROM key_pepper_check WHERE id = 1').pluck(),
    };
  }

  /** A file of its own, shared by the processes of one installation. */
  static openFile(file: string): SqliteKeyVerifiers {
    return new SqliteKeyVerifiers(openSharedSqliteFile(file));
  }

  keepSync(tenantId: string, keyId: string, verifier: string): string {
    this.statements.insert.run(tenantId, keyId, verifier);
    return this.verifierOfSync(tenantId, keyId)!;
  }

  verifierOfSync(tenantId: string, keyId: string): string | null {
    return (this.statements.select.get(tenantId, keyId) as string | undefined) ?? null;
  }

  pepperCheckSync(check: string): string {
    this.statements.insertCheck.run(check);
    return this.statements.selectCheck.get() as string;
  }

  async keep(tenantId: string, keyId: string, verifier: string): Promise<string> {
    return this.keepSync(tenantId, keyId, verifier);
  }

  async verifierOf(tenantId: string, keyId: string): Promise<string | null> {
    return this.verifierOfSync(tenantId, keyId);
  }

  async pepperCheck(check: string): Promise<string> {
    return this.pepperCheckSync(check);
  }
}
