import Database from 'better-sqlite3';

/**
 * A SQLite file that several processes of one installation share (the side tables of EventStoreDB installations):
 * durable commits, and a busy timeout so one process waits out another's write instead of failing.
 */
export function openSharedSqliteFile(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  return db;
}
