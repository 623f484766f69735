'use strict';
// A throwaway CA and a server certificate for `localhost`, `api.test`, 127.0.0.1 and ::1, made with the openssl CLI in a
// temp dir (deleted when the process exits), so that no private key is ever committed. The tests' loopback upstreams
// and the bench's serve it; Mandate (MANDATE_PROXY_CA_FILE), nginx (proxy_ssl_trusted_certificate) and the load
// generator verify against the CA. Plain JavaScript, so the bench and the TypeScript tests share this one maker.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

function makeTestCertificates() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-test-ca-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name) => path.join(dir, name);
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=Mandate test CA');
  openssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost');
  fs.writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,DNS:api.test,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-out', file('server.pem'), '-days', '1', '-extfile', file('server.ext'));
  return {
    dir,
    caFile: file('ca.pem'),
    caPem: fs.readFileSync(file('ca.pem'), 'utf8'),
    certPem: fs.readFileSync(file('server.pem'), 'utf8'),
    keyPem: fs.readFileSync(file('server.key'), 'utf8'),
  };
}

let shared = null;
/** One CA for the whole run: the bench's servers are started trusting it, and the proxy scenario's upstream uses it. */
function benchCertificates() {
  return (shared ??= makeTestCertificates());
}

module.exports = { makeTestCertificates, benchCertificates };
