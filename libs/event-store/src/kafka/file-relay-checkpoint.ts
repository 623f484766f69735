import * as fs from 'fs';
import { RelayCheckpoint, RelayLease } from './relay';

/**
 * The relay's position in a file, for a store only one process writes (embedded): that process is the only relay, so
 * the lease is always granted and never lost.
 */
export class FileRelayCheckpoint implements RelayCheckpoint {
  constructor(private readonly file: string) {}

  async lease(): Promise<RelayLease> {
    const file = this.file;
    let position = fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) || 0 : 0;
    return {
      get position() {
        return position;
      },
      async save(next: number) {
        fs.writeFileSync(`${file}.tmp`, String(next));
        fs.renameSync(`${file}.tmp`, file);
        position = next;
      },
      lost: new Promise<void>(() => undefined),
      async release() {},
    };
  }
}
