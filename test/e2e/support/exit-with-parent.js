'use strict';
// Preloaded (node -r) into every process the harness starts: when whatever started it is gone, however it went (a Jest
// worker killed at the end of a run, a bench stopped with SIGKILL), its stdin pipe closes and this process goes too.
// Worker threads inherit the -r flag; the process they belong to does the watching.
const stdin = require('worker_threads').isMainThread && require('fs').fstatSync(0);
if (stdin && (stdin.isFIFO() || stdin.isSocket())) {
  process.stdin.on('end', () => process.exit(1));
  process.stdin.on('error', () => process.exit(1));
  process.stdin.resume();
  // Waiting for that must not keep an otherwise finished process alive.
  process.stdin.unref();
}
