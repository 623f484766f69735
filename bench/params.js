'use strict';
// The bench's command line and the sizes and targets of every scenario (--quick shrinks the sizes, not the targets).

function parseArgs(argv) {
  const opts = { quick: false, profile: null, revocationUnderLoad: true, topology: 'embedded', only: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') opts.quick = true;
    else if (arg === '--topology') opts.topology = argv[++i];
    else if (arg.startsWith('--topology=')) opts.topology = arg.slice('--topology='.length);
    else if (arg === '--profile') opts.profile = 'logging';
    else if (arg.startsWith('--profile=')) opts.profile = arg.slice('--profile='.length);
    else if (arg === '--no-revocation-under-load') opts.revocationUnderLoad = false;
    // While working on one figure: run only the named scenarios (the JSON report then has only those).
    else if (arg.startsWith('--only=')) opts.only = arg.slice('--only='.length).split(',');
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node bench/run.js [--quick] [--topology embedded|distributed] [--profile[=logging|batch|bare|bare-post|intents|proxy|dpop]] [--no-revocation-under-load] [--only=scenario,…]');
      process.exit(0);
    } else {
      console.error(`unknown argument ${arg} (try --help)`);
      process.exit(2);
    }
  }
  if (!['embedded', 'distributed'].includes(opts.topology)) {
    console.error('--topology takes embedded or distributed');
    process.exit(2);
  }
  if (opts.profile && !['logging', 'batch', 'bare', 'bare-post', 'intents', 'proxy', 'dpop'].includes(opts.profile)) {
    console.error('--profile takes logging, batch, bare, bare-post, intents, proxy or dpop');
    process.exit(2);
  }
  return opts;
}

const OPTS = parseArgs(process.argv.slice(2));

const PARAMS = OPTS.quick
  ? {
      mode: 'quick',
      connections: 32,
      agents: 32,
      warmup_s: 1,
      duration_s: 3,
      batch_size: 100,
      raw_store: { writers: 32, batch_size: 100, warmup_ms: 500, duration_ms: 2000 },
      raw_store_batched: { writers: 32, batch_size: 1, calls_per_event: 100, warmup_ms: 500, duration_ms: 2000 },
      revocation: { warmup_iterations: 5, iterations: 30, wait_timeout_ms: 5000 },
      revocation_under_load: { load_duration_s: 5, iterations: 20 },
      intents: { agents: 32, named_intent: 'stripe:refunds:create' },
      intent_decision: { warmup_iterations: 5, iterations: 30, head_start_ms: 20, wait_seconds: 30, wait_timeout_ms: 5000, max_missed: 5, named_intent: 'stripe:refunds:manual' },
      detector_throughput: { history: { missions: 1000 }, passes: 3 },
      detector_replay: { history: { missions: 1000 }, passes: 2 },
      detector_revocation: { warmup_iterations: 5, iterations: 30, agents: 4, wait_timeout_ms: 5000 },
      detector_memory: { missions: 100_000, tenants: 4, agents_per_tenant: 8, calls_per_mission: 2, settle_ms: 2000 },
      admin_replay: { timeout_ms: 180_000 },
      verify_flood: { connections: 32, nice: 10 },
      proxy: { agents: 32, service: 'bench-upstream', nginx_worker_processes: 1 },
      dpop: { agents: 32, ceiling: { allowed_services: ['slack'], max_ttl_seconds: 3600, max_concurrent_missions: 2 } },
      sdk: { iterations: 200, warmup: 30 },
      console: { iterations: 30, warmup: 5 },
      settle_timeout_ms: 60_000,
    }
  : {
      mode: 'full',
      connections: 32,
      agents: 32,
      warmup_s: 3,
      duration_s: 10,
      batch_size: 100,
      raw_store: { writers: 32, batch_size: 100, warmup_ms: 1000, duration_ms: 5000 },
      raw_store_batched: { writers: 32, batch_size: 1, calls_per_event: 100, warmup_ms: 1000, duration_ms: 5000 },
      revocation: { warmup_iterations: 10, iterations: 200, wait_timeout_ms: 5000 },
      revocation_under_load: { load_duration_s: 12, iterations: 100 },
      intents: { agents: 32, named_intent: 'stripe:refunds:create' },
      intent_decision: { warmup_iterations: 10, iterations: 200, head_start_ms: 20, wait_seconds: 30, wait_timeout_ms: 5000, max_missed: 5, named_intent: 'stripe:refunds:manual' },
      detector_throughput: { history: { missions: 2000 }, passes: 5 },
      detector_replay: { history: { missions: 2000 }, passes: 3 },
      detector_revocation: { warmup_iterations: 10, iterations: 200, agents: 4, wait_timeout_ms: 5000 },
      detector_memory: { missions: 100_000, tenants: 4, agents_per_tenant: 8, calls_per_mission: 2, settle_ms: 2000 },
      admin_replay: { timeout_ms: 300_000 },
      verify_flood: { connections: 32, nice: 10 },
      proxy: { agents: 32, service: 'bench-upstream', nginx_worker_processes: 1 },
      dpop: { agents: 32, ceiling: { allowed_services: ['slack'], max_ttl_seconds: 3600, max_concurrent_missions: 2 } },
      sdk: { iterations: 1000, warmup: 100 },
      console: { iterations: 200, warmup: 20 },
      settle_timeout_ms: 90_000,
    };
PARAMS.revocation_under_load.enabled = OPTS.revocationUnderLoad;

const TARGETS = {
  logging_rps: 5000,
  logging_p99_ms: 20,
  batch_calls_per_s: 50_000,
  // Issue 10's ratios, each against a baseline measured in the same run.
  validated_noop_to_bare_fastify: 0.7,
  logging_to_validated_noop: 0.8,
  batch_to_raw_store: 0.3,
  revocation_p99_ms: 50,
  intent_decision_p99_ms: 50,
  detector_revocation_p99_ms: 50,
  replay_events_per_s: 100_000,
  memory_100k_missions_rss_mb: 300,
  verify_flood_ratio: 0.7,
  // Issue 13: an ungated tool call with the SDK's LangChain integration adds under a fifth of one round trip to Mandate.
  sdk_added_to_round_trip: 0.2,
  // Issue 11: forwarding should cost little beside recording.
  proxy_to_logging: 0.8,
  // Issue 12: a bound passport's proof is one Ed25519 verify and a replay-cache lookup per request.
  dpop_to_bearer: 0.8,
  // Issue 15: an open console shows an intent or a revocation within 1.5x of a plain SSE client's time.
  console_to_plain_sse: 1.5,
};

/** The call scenario 8's enforced agents make with a passport whose mission names only slack. */
const OFFENDING_CALL = { service: 'github', action: 'repos.delete', target: 'acme/bench', outcome: 'success' };

/** The intents policy of the bench's intents tenant: one named intent is auto-approved, everything else waits for a person. */
const INTENT_POLICY = {
  default: 'require_approval',
  default_approvals: 1,
  rules: [{ name: 'bench auto', match: { named_intent: PARAMS.intents.named_intent }, decision: 'auto_approve' }],
};

/** The distributed run (scenarios/distributed.js): ingest as scenario 1, relay lag, end-to-end revocation. */
const DISTRIBUTED_PARAMS = OPTS.quick
  ? { agents: 32, connections: 32, warmup_s: 1, duration_s: 3, relay_probe: 100, revocations: { warmup: 3, iterations: 20 }, timeout_ms: 10_000 }
  : { agents: 32, connections: 32, warmup_s: 3, duration_s: 10, relay_probe: 400, revocations: { warmup: 5, iterations: 60 }, timeout_ms: 10_000 };

module.exports = { OPTS, PARAMS, DISTRIBUTED_PARAMS, TARGETS, OFFENDING_CALL, INTENT_POLICY };
