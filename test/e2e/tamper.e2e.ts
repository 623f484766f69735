import * as fs from 'fs';
import * as path from 'path';
import { call, newTenant } from './support/client';
import { MandateProcess } from './support/server';

/**
 * Flips the last byte of `marker` wherever it stands in the file; false if it is not there. The audit read model keeps
 * a copy of a call's target beside the stored event, and which copy comes first in the file depends on page layout:
 * altering every copy is sure to alter the stored event (the read model's copy is no part of the chain).
 */
function flipOneByte(file: string, marker: string): boolean {
  if (!fs.existsSync(file)) return false;
  const bytes = fs.readFileSync(file);
  const needle = Buffer.from(marker);
  let found = false;
  for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + needle.length)) {
    bytes[at + needle.length - 1] ^= 0x01;
    found = true;
  }
  if (found) fs.writeFileSync(file, bytes);
  return found;
}

describe('tamper evidence', () => {
  let server: MandateProcess;

  beforeAll(async () => (server = await MandateProcess.startEmbedded()));
  afterAll(() => server?.stop());

  it('given one byte of the stored history altered on disk, then verify fails and points at that event, and only that tenant', async () => {
    const acme = await newTenant(server, 'acme');
    const neighbour = await newTenant(server, 'neighbour');
    const passport = await acme.passport(await acme.agent('logged'));
    const theirs = await neighbour.passport(await neighbour.agent('logged'));
    let altered = 0;
    for (let i = 0; i < 10; i++) {
      const target = i === 6 ? 'refund-ch_TAMPERME' : `ticket-${i}`;
      const res = await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, { token: passport.token, body: { service: 'stripe', action: 'refunds.create', target } });
      if (i === 6) altered = res.body.position;
      await call(server, 'POST', `/v1/passports/${theirs.jti}/actions`, { token: theirs.token, body: { service: 'slack', action: 'post', target: `t-${i}` } });
    }
    expect((await call(server, 'GET', '/v1/audit/verify', { token: acme.adminKey })).body).toMatchObject({ ok: true, first_break: null });

    // Stop cleanly so SQLite folds its write-ahead log into the main file, then change one byte of that file.
    await server.kill('SIGTERM');
    const files = ['events.db', 'events.db-wal'].map((f) => path.join(server.dataDir, f));
    expect(files.some((f) => flipOneByte(f, 'refund-ch_TAMPERME'))).toBe(true);
    await server.restart();

    const verdict = await call(server, 'GET', '/v1/audit/verify', { token: acme.adminKey });
    expect(verdict.status).toBe(200);
    expect(verdict.body.ok).toBe(false);
    expect(verdict.body.first_break).toMatchObject({ position: altered, reason: 'hash_mismatch' });
    expect(verdict.body.checked).toBeLessThan(20);
    expect((await call(server, 'GET', '/v1/audit/verify', { token: neighbour.adminKey })).body).toMatchObject({ ok: true });
  });
});
