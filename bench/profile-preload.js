'use strict';
// Loaded into the server process with `node -r bench/profile-preload.js` when run.js is given --profile; the server
// code is not touched. Controlled over the IPC channel run.js opens for it (signals are taken: Nest's shutdown hooks
// listen to SIGUSR2 and friends): {bench_profile:'start'} starts the V8 sampling profiler in the main thread and in
// every worker thread (the embedded storage worker does the appends and the read models), {bench_profile:'stop'}
// stops them, writes $MANDATE_BENCH_PROFILE_DIR/<n>.cpuprofile (main thread) and <n>-worker-<i>.cpuprofile, and
// answers {bench_profile:'written', file, workerFiles}.

const fs = require('fs');
const path = require('path');
const inspector = require('inspector');

if (process.send && process.env.MANDATE_BENCH_PROFILE_DIR) {
  const dir = process.env.MANDATE_BENCH_PROFILE_DIR;
  const session = new inspector.Session();
  session.connect();
  let count = 0;
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params || {}, (error, result) => (error ? reject(error) : resolve(result))));

  // Worker threads are reached through the NodeWorker domain: each has a session id, and messages in the protocol's text form.
  const workers = new Map();
  const replies = new Map();
  let nextId = 1;
  session.on('NodeWorker.attachedToWorker', ({ params }) => workers.set(params.sessionId, params.workerInfo));
  session.on('NodeWorker.detachedFromWorker', ({ params }) => workers.delete(params.sessionId));
  session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
    const message = JSON.parse(params.message);
    const waiting = message.id !== undefined && replies.get(message.id);
    if (!waiting) return;
    replies.delete(message.id);
    if (message.error) waiting.reject(new Error(message.error.message));
    else waiting.resolve(message.result);
  });
  const postToWorker = (sessionId, method, params) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      replies.set(id, { resolve, reject });
      session.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method, params: params || {} }) }, (error) => {
        if (error) {
          replies.delete(id);
          reject(error);
        }
      });
    });
  const everyWorker = (method, params) => Promise.all([...workers.keys()].map((id) => postToWorker(id, method, params)));

  process.on('message', async (message) => {
    if (!message || typeof message.bench_profile !== 'string') return;
    try {
      if (message.bench_profile === 'start') {
        await post('NodeWorker.enable', { waitForDebuggerOnStart: false });
        for (const target of [post, everyWorker]) {
          await target('Profiler.enable');
          await target('Profiler.setSamplingInterval', { interval: 250 });
          await target('Profiler.start');
        }
        process.send({ bench_profile: 'started' });
      } else if (message.bench_profile === 'stop') {
        const { profile } = await post('Profiler.stop');
        const n = ++count;
        const file = path.join(dir, `${n}.cpuprofile`);
        fs.writeFileSync(file, JSON.stringify(profile));
        const workerFiles = [];
        for (const [i, result] of (await everyWorker('Profiler.stop')).entries()) {
          const workerFile = path.join(dir, `${n}-worker-${i + 1}.cpuprofile`);
          fs.writeFileSync(workerFile, JSON.stringify(result.profile));
          workerFiles.push(workerFile);
        }
        process.send({ bench_profile: 'written', file, workerFiles });
      }
    } catch (error) {
      process.send({ bench_profile: 'error', error: String(error) });
    }
  });
  // The channel must not keep the server alive on its own.
  process.channel.unref();
}
