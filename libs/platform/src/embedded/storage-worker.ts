import * as path from 'path';
import { parentPort, workerData } from 'worker_threads';
import { SqliteEventStore, SqliteKeyVerifiers, SqliteSecretStore } from '@mandate/event-store';
import { compareReadModelsWithRebuild, liveFeedsOf, SqliteReadModels } from '@mandate/read-models';
import { AppendItem, AppendOutcome, Message, Request, toWire } from './protocol';

/**
 * The storage thread: it alone touches SQLite, so fsyncs and WAL checkpoints never stall the HTTP event loop.
 * Read models are projected inside each append transaction.
 */
const port = parentPort!;
const store = new SqliteEventStore({ file: path.join(workerData.dataDir as string, 'events.db') });
const readModels = new SqliteReadModels(store.db);
// In the events file, written by this thread between group commits: durable (synchronous=FULL) before its reply.
const keyVerifiers = new SqliteKeyVerifiers(store.db);
const secrets = new SqliteSecretStore(store.db);
const caughtUp = readModels.catchUp((after, limit) => store.readAllSync(after, limit));
store.addInlineProjection((events) => readModels.apply(events));
const post = (message: Message) => port.postMessage(message);

store.onCommit((events, head) => {
  // The committed events themselves: the followers in the main thread (the detectors) read them from there.
  post({ kind: 'commit', head, events, ...liveFeedsOf(events) });
});

const queries = {
  readStream: (streamId: string, after: number) => store.readStreamSync(streamId, after),
  readAll: (after: number, limit: number) => store.readAllSync(after, limit),
  readTenantChain: (tenantId: string, after: number, limit: number) => store.readTenantChainSync(tenantId, after, limit),
  revocationsAfter: (tenantId: string, after: number, limit: number) => readModels.revocationsAfter(tenantId, after, limit),
  revocablePassports: (tenantId: string, now: string, agentId?: string) => readModels.revocablePassports(tenantId, now, agentId),
  agents: (tenantId: string, after: string, limit: number) => readModels.agents(tenantId, after, limit),
  audit: (query: Parameters<SqliteReadModels['audit']>[0]) => readModels.audit(query),
  intents: (tenantId: string, status: string, after: string, limit: number) => readModels.intents(tenantId, status, after, limit),
  intentsChangedAfter: (tenantId: string, after: number, limit: number, openOnly?: boolean) => readModels.intentsChangedAfter(tenantId, after, limit, openOnly),
  findingChangesAfter: (tenantId: string, after: number, limit: number, openOnly?: boolean) => readModels.findingChangesAfter(tenantId, after, limit, openOnly),
  missions: (query: Parameters<SqliteReadModels['missions']>[0]) => readModels.missions(query),
  dueIntents: (now: string, limit: number) => readModels.dueIntents(now, limit),
  securityEvents: (query: Parameters<SqliteReadModels['securityEvents']>[0]) => readModels.securityEvents(query),
  securityEvent: (tenantId: string, findingId: string) => readModels.securityEvent(tenantId, findingId),
  keepKeyVerifier: (tenantId: string, keyId: string, verifier: string) => keyVerifiers.keepSync(tenantId, keyId, verifier),
  keyVerifierOf: (tenantId: string, keyId: string) => keyVerifiers.verifierOfSync(tenantId, keyId),
  keyPepperCheck: (check: string) => keyVerifiers.pepperCheckSync(check),
  keepSecret: (tenantId: string, secretId: string, version: number, envelope: string) => secrets.keepSync(tenantId, secretId, version, envelope),
  secretEnvelopeOf: (tenantId: string, secretId: string, version: number) => secrets.envelopeOfSync(tenantId, secretId, version),
  forgetSecret: (tenantId: string, secretId: string, version?: number) => secrets.forgetSync(tenantId, secretId, version),
  secretFingerprintKey: (wrapped: string) => secrets.fingerprintKeySync(wrapped),
  // Runs between appends (this thread does both), so the live tables hold exactly the history it rebuilds from.
  compareReadModels: () =>
    compareReadModelsWithRebuild(store.db, (after, limit) => store.readAllSync(after, limit), path.join(workerData.dataDir as string, `read-models-rebuild-${process.pid}.db`)),
} as const;

port.on('message', async (request: Request) => {
  switch (request.op) {
    case 'append': {
      // Every append of the message joins the store's next group commit: one transaction, one fsync.
      const items = JSON.parse(request.items) as AppendItem[];
      const settled = await Promise.allSettled(items.map((parts) => store.appendMany(parts)));
      const outcomes: AppendOutcome[] = settled.map((s) =>
        s.status === 'fulfilled'
          ? { ok: true, parts: s.value.map(({ streamVersion, position }) => ({ streamVersion, position })) }
          : { ok: false, error: toWire(s.reason) },
      );
      post({ kind: 'reply', id: request.id, ok: true, value: outcomes });
      return;
    }
    case 'query':
      try {
        const value = (queries[request.method] as (...args: unknown[]) => unknown)(...request.args);
        post({ kind: 'reply', id: request.id, ok: true, value });
      } catch (error) {
        post({ kind: 'reply', id: request.id, ok: false, error: toWire(error) });
      }
      return;
    case 'close':
      await store.close();
      post({ kind: 'reply', id: request.id, ok: true, value: null });
      return;
  }
});

post({ kind: 'ready', head: store.headSync, caughtUp });
