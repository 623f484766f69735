'use strict';
// Loaded into the server process with `node -r bench/profile-preload.js` when run.js is given --profile; the server
// code is not touched. Controlled over the IPC channel run.js opens for it (signals are taken: Nest's shutdown hooks
// listen to SIGUSR2 and friends): {bench_profile:'start'} starts the V8 sampling profiler, {bench_profile:'stop'}
// stops it, writes $MANDATE_BENCH_PROFILE_DIR/<n>.cpuprofile and answers {bench_profile:'written', file}.

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

  process.on('message', async (message) => {
    if (!message || typeof message.bench_profile !== 'string') return;
    try {
      if (message.bench_profile === 'start') {
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: 250 });
        await post('Profiler.start');
        process.send({ bench_profile: 'started' });
      } else if (message.bench_profile === 'stop') {
        const { profile } = await post('Profiler.stop');
        const file = path.join(dir, `${++count}.cpuprofile`);
        fs.writeFileSync(file, JSON.stringify(profile));
        process.send({ bench_profile: 'written', file });
      }
    } catch (error) {
      process.send({ bench_profile: 'error', error: String(error) });
    }
  });
  // The channel must not keep the server alive on its own.
  process.channel.unref();
}
