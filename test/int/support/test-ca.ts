import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface TestCertificates {
  dir: string;
  /** The throwaway CA the proxy is told to trust (what `MANDATE_PROXY_CA_FILE` would point at). */
  caPem: string;
  /** A server certificate signed by it for `localhost`, `api.test`, 127.0.0.1 and ::1. */
  certPem: string;
  keyPem: string;
}

/** A CA and a server certificate made with the openssl CLI in a temp dir, so that no private key is ever committed. */
export function makeTestCertificates(): TestCertificates {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-proxy-ca-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=Mandate proxy test CA');
  openssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost');
  fs.writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,DNS:api.test,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-out', file('server.pem'), '-days', '1', '-extfile', file('server.ext'));
  return {
    dir,
    caPem: fs.readFileSync(file('ca.pem'), 'utf8'),
    certPem: fs.readFileSync(file('server.pem'), 'utf8'),
    keyPem: fs.readFileSync(file('server.key'), 'utf8'),
  };
}
