/** The throwaway CA of scripts/test-ca.js (shared with the bench), typed for the TypeScript tests. */
export interface TestCertificates {
  dir: string;
  /** The throwaway CA the proxy is told to trust (what `MANDATE_PROXY_CA_FILE` would point at), and its file. */
  caPem: string;
  caFile: string;
  /** A server certificate signed by it for `localhost`, `api.test`, 127.0.0.1 and ::1. */
  certPem: string;
  keyPem: string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const maker = require('../../../scripts/test-ca.js') as { makeTestCertificates(): TestCertificates };

/** A CA and a server certificate made with the openssl CLI in a temp dir, so that no private key is ever committed. */
export const makeTestCertificates = (): TestCertificates => maker.makeTestCertificates();
