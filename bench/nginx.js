'use strict';
// nginx as a plain reverse proxy in front of the proxy scenario's upstream: Debian's nginx, started and stopped with
// deploy/local/nginx.sh from a config written here. HTTP from the agents on loopback, HTTPS to the upstream with the
// certificate verified against the bench CA (as Mandate does), kept-alive connections both ways, and the service's
// credential set as a fixed header (what Mandate injects), so that a 2xx proves it arrived.

const fs = require('fs');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');
const { ROOT, freePort } = require('./harness');

const SCRIPT = path.join(ROOT, 'deploy', 'local', 'nginx.sh');
const HOME = process.env.MANDATE_NGINX_HOME || path.join(ROOT, '.cache', 'nginx');
const CONFIG = path.join(HOME, 'bench.conf');

function configOf({ port, upstreamPort, caFile, secret, workerProcesses }) {
  return `# Written by bench/nginx.js for one bench run; deploy/local/nginx.sh sets the pid file, daemon and error log.
worker_processes ${workerProcesses};
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path tmp/body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;
  upstream bench_upstream {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
  }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    location / {
      proxy_pass https://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host localhost:${upstreamPort};
      proxy_set_header Authorization "Bearer ${secret}";
      proxy_ssl_server_name on;
      proxy_ssl_name localhost;
      proxy_ssl_verify on;
      proxy_ssl_verify_depth 2;
      proxy_ssl_trusted_certificate ${caFile};
      proxy_ssl_session_reuse on;
    }
  }
}
`;
}

const run = (...args) => execFileSync(SCRIPT, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** nginx up in front of the upstream until `stop()` (also called when the bench exits, however it exits). */
async function startNginx({ upstreamPort, caFile, secret, workerProcesses }) {
  const port = await freePort();
  fs.mkdirSync(HOME, { recursive: true });
  fs.writeFileSync(CONFIG, configOf({ port, upstreamPort, caFile, secret, workerProcesses }), { mode: 0o600 });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      run('stop');
    } catch (error) {
      console.error(`bench: stopping nginx: ${error.stderr || error.message}`);
    }
    fs.rmSync(CONFIG, { force: true });
  };
  process.on('exit', stop);
  try {
    run('start', CONFIG);
  } catch (error) {
    stop();
    throw new Error(`nginx did not start: ${(error.stderr || error.stdout || error.message).trim()}`);
  }
  const master = Number(fs.readFileSync(path.join(HOME, 'nginx.pid'), 'utf8'));
  const v = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  const version = `${v.stderr || ''}${v.stdout || ''}`.replace(/^nginx version:\s*/, '');
  return {
    port,
    master,
    version: version.trim() || null,
    /** The master and its workers (whose CPU time is the proxy's). */
    pids: () => [master, ...fs.readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)],
    stop,
  };
}

module.exports = { startNginx };
