import { Client, ClientConfig } from 'pg';
import { RelayCheckpoint, RelayLease } from '../kafka/relay';

/** Every relay of one database competes for this advisory lock; the holder alone publishes. */
const RELAY_LOCK = 0x72656c6179; // "relay" in ASCII
const RETRY_MS = 1000;

/**
 * The relay's lease in PostgreSQL: a session advisory lock held on a connection of its own, so it is released the
 * moment the holding process dies or its connection drops, and another process takes over from the saved position.
 * Every Mandate process on the database may run a relay; exactly one publishes at a time.
 */
export class PostgresRelayCheckpoint implements RelayCheckpoint {
  constructor(private readonly config: ClientConfig, private readonly name: string) {}

  async lease(): Promise<RelayLease> {
    for (;;) {
      const client = new Client(this.config);
      let ended!: () => void;
      const lost = new Promise<void>((resolve) => (ended = resolve));
      client.on('error', () => ended());
      client.on('end', () => ended());
      try {
        await client.connect();
        const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1) AS held', [RELAY_LOCK]);
        if (rows[0].held) {
          const saved = await client.query<{ position: string }>('SELECT position FROM relay_checkpoint WHERE name = $1', [this.name]);
          return this.leaseOn(client, Number(saved.rows[0]?.position ?? 0), lost);
        }
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  private leaseOn(client: Client, start: number, lost: Promise<void>): RelayLease {
    let position = start;
    const name = this.name;
    return {
      get position() {
        return position;
      },
      async save(next: number) {
        await client.query(
          'INSERT INTO relay_checkpoint (name, position) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
          [name, next],
        );
        position = next;
      },
      lost,
      async release() {
        await client.end().catch(() => undefined);
      },
    };
  }
}
