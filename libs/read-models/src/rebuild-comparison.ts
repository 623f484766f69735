import * as fs from 'fs';
import Database from 'better-sqlite3';
import { RecordedEvent } from '@mandate/core';
import { ReadModelOptions, SqliteReadModels } from './sqlite-read-models';

export interface ReadModelDifference {
  table: string;
  /** Rows the live read model has that a rebuild does not, and the other way round. */
  liveOnly: number;
  rebuiltOnly: number;
}

const READ_MODEL_TABLES = ['audit_entries', 'revocations', 'passports', 'agents', 'intents', 'security_events'];

/**
 * Rebuilds the read models from the events into a scratch file, attaches it, and compares every table with the live
 * one, row by row, both ways. Any difference means a projection is not a pure function of the history.
 */
export function compareReadModelsWithRebuild(
  db: Database.Database,
  readAll: (after: number, limit: number) => RecordedEvent[],
  scratchFile: string,
  options: ReadModelOptions = {},
): ReadModelDifference[] {
  const scratch = new Database(scratchFile);
  try {
    new SqliteReadModels(scratch, options).catchUp(readAll);
  } finally {
    scratch.close();
  }
  db.prepare('ATTACH DATABASE ? AS rebuilt').run(scratchFile);
  try {
    return READ_MODEL_TABLES.map((table) => {
      const count = (a: string, b: string) =>
        (db.prepare(`SELECT COUNT(*) AS n FROM (SELECT * FROM ${a}.${table} EXCEPT SELECT * FROM ${b}.${table})`).get() as { n: number }).n;
      return { table, liveOnly: count('main', 'rebuilt'), rebuiltOnly: count('rebuilt', 'main') };
    }).filter((d) => d.liveOnly > 0 || d.rebuiltOnly > 0);
  } finally {
    db.exec('DETACH DATABASE rebuilt');
    fs.rmSync(scratchFile, { force: true });
    fs.rmSync(`${scratchFile}-journal`, { force: true });
  }
}
