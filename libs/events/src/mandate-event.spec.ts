import * as path from 'path';
import Database from 'better-sqlite3';
import { RecordedEvent } from '@mandate/core';
import { assertEventOf, isMandateEvent } from './mandate-event';

const FIXTURE = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'history-v0.1.0', 'events.db');

describe('the MandateEvent union', () => {
  it('given the history written by release 0.1.0, then every event type in it is one of the union', () => {
    const db = new Database(FIXTURE, { readonly: true, fileMustExist: true });
    try {
      const events = (db.prepare('SELECT body FROM events ORDER BY position').pluck().all() as string[]).map((body) => JSON.parse(body) as RecordedEvent);
      expect(events.length).toBeGreaterThan(40);
      expect(events.filter((e) => !isMandateEvent(e)).map((e) => e.type)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('given a body that could not be read, or a type this release does not know, then it is not a MandateEvent', () => {
    expect(isMandateEvent({ type: 'Unreadable' } as RecordedEvent)).toBe(false);
    expect(isMandateEvent({ type: 'toString' } as RecordedEvent)).toBe(false);
  });

  it('given an event of another type, when one type is asserted, then it is refused with both names', () =>
    expect(() => assertEventOf({ type: 'PassportIssued' } as RecordedEvent, 'PassportRevoked')).toThrow('expected a PassportRevoked event, got PassportIssued'));
});
