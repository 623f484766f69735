#!/usr/bin/env node
'use strict';
// The mandate command. `mandate replay` rebuilds every detector from the start of history into fresh state and
// compares with what was recorded live: findings and the revocations detectors caused. Exit 0 only when identical.
// `mandate verify-export` re-checks the hash chain of an audit export (GET /v1/audit/export) offline.
// `mandate rotate-signing-key` makes a new passport signing key, in the keys directory or through a running server.
const path = require('path');
const fs = require('fs');

const USAGE = `usage:
  mandate replay [--data-dir DIR]        offline, on a stopped server's data directory (default ./data or MANDATE_DATA_DIR)
  mandate replay --url URL               online, through a running server (MANDATE_ADMIN_KEY holds the instance admin key)
  mandate verify-export [FILE]           the chain of a whole audit export (NDJSON; standard input when no FILE or -)
  mandate rotate-signing-key [--keys-dir DIR]
                                         a new passport signing key in the keys directory (default MANDATE_KEYS_DIR,
                                         else MANDATE_DATA_DIR or ./data); running processes take it without a restart
  mandate rotate-signing-key --url URL   through a running server (MANDATE_ADMIN_KEY holds the instance admin key)`;

function fail(message) {
  console.error(message);
  process.exit(2);
}

async function replayOffline(dataDir) {
  const dist = path.join(__dirname, '..', 'dist');
  if (!fs.existsSync(path.join(dist, 'libs'))) fail('dist/ is missing: run "npm run build" first');
  const file = path.join(dataDir, 'events.db');
  if (!fs.existsSync(file)) fail(`no event store at ${file}`);
  const { SqliteEventStore } = require(path.join(dist, 'libs', 'event-store', 'src'));
  const { replayReport } = require(path.join(dist, 'libs', 'detectors', 'src'));
  const { compareReadModelsWithRebuild, SqliteReadModels } = require(path.join(dist, 'libs', 'read-models', 'src'));
  let store;
  try {
    store = new SqliteEventStore({ file });
    const detectors = await replayReport((after, limit) => store.readAll(after, limit));
    // Read models written by a release with another shape are rebuilt first, as a start of this release would.
    const live = new SqliteReadModels(store.db);
    live.catchUp((after, limit) => store.readAllSync(after, limit));
    const scratch = path.join(dataDir, `read-models-rebuild-${process.pid}.db`);
    const differences = compareReadModelsWithRebuild(store.db, (after, limit) => store.readAllSync(after, limit), scratch);
    const upgraded = live.droppedVersion === null ? {} : { rebuilt_from_version: live.droppedVersion };
    return { ...detectors, read_models: { differences, ...upgraded }, identical: detectors.identical && differences.length === 0 };
  } catch (error) {
    if (/locked|busy/i.test(String(error))) fail(`${file} is in use by a running Mandate: stop it, or use --url`);
    throw error;
  } finally {
    if (store) await store.close();
  }
}

async function replayOnline(url) {
  const key = process.env.MANDATE_ADMIN_KEY;
  if (!key) fail('set MANDATE_ADMIN_KEY to the instance admin key');
  const res = await fetch(`${url.replace(/\/$/, '')}/v1/admin/replay`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  const body = await res.json();
  if (res.status !== 200) fail(`replay failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Exit 0 when every link holds; redacted events are counted, never passed over in silence. */
function verifyExportFile(file) {
  const dist = path.join(__dirname, '..', 'dist');
  if (!fs.existsSync(path.join(dist, 'libs'))) fail('dist/ is missing: run "npm run build" first');
  const { verifyExport } = require(path.join(dist, 'libs', 'audit', 'src'));
  const text = fs.readFileSync(!file || file === '-' ? 0 : file, 'utf8');
  const verdict = verifyExport(text.split('\n'));
  console.log(JSON.stringify(verdict, null, 2));
  const redacted = `${verdict.taken_on_stored_link} redacted events taken on their stored link`;
  console.error(
    verdict.ok
      ? `chain holds: ${verdict.recomputed} events recomputed, ${redacted}`
      : `BROKEN at line ${verdict.first_break.line} (position ${verdict.first_break.position}): ${verdict.first_break.reason}; ${verdict.recomputed} events recomputed before it, ${redacted}`,
  );
  process.exit(verdict.ok ? 0 : 1);
}

/** Beside running processes, safely: they share the directory and learn of the key from it, as from a server's rotation. */
async function rotateInKeysDir(keysDir) {
  const dist = path.join(__dirname, '..', 'dist');
  if (!fs.existsSync(path.join(dist, 'libs'))) fail('dist/ is missing: run "npm run build" first');
  const hasKey = fs.existsSync(path.join(keysDir, 'signing-key.pem')) || (fs.existsSync(path.join(keysDir, 'signing-keys')) && fs.readdirSync(path.join(keysDir, 'signing-keys')).length > 0);
  // A mistyped directory would otherwise get a key of its own that no server reads.
  if (!hasKey) fail(`no signing key in ${keysDir}: name the keys directory of an installation that has started once`);
  // The key is written readable by its owner only: the servers, running as the directory's owner, must read it.
  const owner = fs.statSync(keysDir).uid;
  if (typeof process.getuid === 'function' && process.getuid() !== owner) fail(`run this as the owner of ${keysDir} (uid ${owner}): the servers could not read a key written by uid ${process.getuid()}`);
  const { PassportTokens } = require(path.join(dist, 'libs', 'platform', 'src', 'passport-tokens'));
  const { loadSigningKeyRetention } = require(path.join(dist, 'libs', 'platform', 'src', 'config'));
  const tokens = await PassportTokens.open(keysDir, 'mandate-cli', { retentionSeconds: loadSigningKeyRetention(process.env), warn: (line) => console.error(line) });
  try {
    return tokens.rotate();
  } catch (error) {
    fail(`rotation refused: ${error.message}`);
  }
}

async function rotateThroughServer(url) {
  const key = process.env.MANDATE_ADMIN_KEY;
  if (!key) fail('set MANDATE_ADMIN_KEY to the instance admin key');
  const res = await fetch(`${url.replace(/\/$/, '')}/v1/admin/signing-keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  const body = await res.json();
  if (res.status !== 201) fail(`rotation failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function rotateSigningKey(option) {
  const url = option('--url');
  const rotation = url
    ? await rotateThroughServer(url)
    : await rotateInKeysDir(path.resolve(option('--keys-dir') || process.env.MANDATE_KEYS_DIR || process.env.MANDATE_DATA_DIR || './data'));
  console.log(JSON.stringify(rotation, null, 2));
  const retired = rotation.keys.find((key) => key.kid === rotation.retired);
  console.error(`${rotation.kid} signs from now; ${rotation.retired} verifies until ${retired ? retired.verifies_until : 'now'}; the JWKS holds ${rotation.keys.length} keys`);
  process.exit(0);
}

async function main(argv) {
  const [command, ...rest] = argv;
  const option = (name) => {
    const i = rest.indexOf(name);
    return i === -1 ? undefined : rest[i + 1];
  };
  if (command === 'verify-export') return verifyExportFile(rest[0]);
  if (command === 'rotate-signing-key') return rotateSigningKey(option);
  if (command !== 'replay') fail(USAGE);
  const url = option('--url');
  const report = url ? await replayOnline(url) : await replayOffline(path.resolve(option('--data-dir') || process.env.MANDATE_DATA_DIR || './data'));
  console.log(JSON.stringify(report, null, 2));
  console.error(
    report.identical
      ? `identical: ${report.events} events, ${report.findings.live} findings, ${report.revocations.live} revocation commands (${report.events_per_second} events/s)`
      : `DIFFERENT: ${report.differences.length} finding differences, ${report.revocation_differences.length} revocation differences, ${report.read_models.differences.length} read-model tables`,
  );
  process.exit(report.identical ? 0 : 1);
}

main(process.argv.slice(2)).catch((error) => fail(String((error && error.stack) || error)));
