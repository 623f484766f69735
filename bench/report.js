'use strict';
// The embedded run's report: machine facts, the targets table, and the summary printed at the end.

const os = require('os');
const { execFileSync } = require('child_process');
const { PARAMS, TARGETS } = require('./params');

const ROOT = require('path').resolve(__dirname, '..');

function ratio(a, b) {
  return a && b ? Math.round((a / b) * 1000) / 1000 : null;
}

function fmt(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  return Number(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function machineFacts() {
  const cpus = os.cpus();
  let git = null;
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
    git = { commit, dirty };
  } catch {
    /* not a git checkout */
  }
  let autocannonVersion = null;
  try {
    autocannonVersion = require('autocannon/package.json').version;
  } catch {
    /* ignore */
  }
  return {
    hostname: os.hostname(),
    cpus: cpus.length,
    available_parallelism: os.availableParallelism ? os.availableParallelism() : cpus.length,
    cpu_model: cpus[0] ? cpus[0].model : null,
    total_memory_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    node: process.version,
    autocannon: autocannonVersion,
    tmpdir: os.tmpdir(),
    git,
  };
}

function targetRows(s) {
  const rows = [];
  // comparator null: a figure with no target of its own (target and met are null, informational).
  const add = (id, description, measured, comparator, target, unit, informational = false) =>
    rows.push({
      id,
      description,
      measured,
      target: comparator ? `${comparator} ${target}` : null,
      unit,
      met: !comparator
        ? null
        : measured === null || measured === undefined
          ? false
          : comparator === '>='
            ? measured >= target
            : comparator === '<'
              ? measured < target
              : measured <= target,
      ...(informational || !comparator ? { informational: true } : {}),
    });
  if (s.tool_call_logging && !s.tool_call_logging.error) {
    add('logging_throughput', 'tool-call logging, 1 call/request, 32 agents', s.tool_call_logging.requests_per_s, '>=', TARGETS.logging_rps, 'req/s');
    add('logging_p99', 'tool-call logging p99 latency', s.tool_call_logging.p99_ms, '<=', TARGETS.logging_p99_ms, 'ms');
    const t = s.tool_call_logging;
    add('validated_noop_ratio', 'validated no-op POST / bare Fastify, same schema', t.ratio_validated_noop_to_bare_fastify, '>=', TARGETS.validated_noop_to_bare_fastify, 'ratio');
    add('logging_noop_ratio', 'single-call logging / validated no-op POST', t.ratio_to_bare_post, '>=', TARGETS.logging_to_validated_noop, 'ratio');
  }
  if (s.batched_logging && !s.batched_logging.error) {
    add('batch_throughput', `batched logging, ${PARAMS.batch_size} calls/request`, s.batched_logging.calls_per_s, '>=', TARGETS.batch_calls_per_s, 'calls/s');
    add('batch_raw_ratio', 'batched logging / raw store appends, same stored shape', s.batched_logging.ratio_to_raw_store, '>=', TARGETS.batch_to_raw_store, 'ratio');
  }
  if (s.revocation && !s.revocation.error) {
    add('revocation_sse_p99', 'revoke -> SSE frame p99', s.revocation.sse_ms.p99, '<=', TARGETS.revocation_p99_ms, 'ms');
    add('revocation_verify_p99', 'revoke -> verify inactive p99', s.revocation.verify_ms.p99, '<=', TARGETS.revocation_p99_ms, 'ms');
  }
  if (s.revocation_under_load && !s.revocation_under_load.error && s.revocation_under_load.iterations > 0) {
    add('revocation_sse_p99_under_load', 'revoke -> SSE frame p99, under logging load', s.revocation_under_load.sse_ms.p99, '<=', TARGETS.revocation_p99_ms, 'ms', true);
    add('revocation_verify_p99_under_load', 'revoke -> verify inactive p99, under logging load', s.revocation_under_load.verify_ms.p99, '<=', TARGETS.revocation_p99_ms, 'ms', true);
  }
  if (s.intents_auto_approve && !s.intents_auto_approve.error) {
    add('intents_auto_approve_throughput', 'intents submitted and auto-approved, 32 agents', s.intents_auto_approve.intents_per_s, null, null, 'req/s');
  }
  if (s.intent_decision && !s.intent_decision.error) {
    const d = s.intent_decision;
    add('intent_decision_long_poll_p99', 'approve -> waiting long-poll returns, p99', d.long_poll_ms.p99, '<=', TARGETS.intent_decision_p99_ms, 'ms');
    // A missed wake-up has no latency to put in the percentiles: it fails the target outright.
    const lost = d.long_poll_missed + d.warmup_missed;
    if (lost > 0) Object.assign(rows[rows.length - 1], { met: false, missed: lost });
  }
  if (s.detector_throughput && !s.detector_throughput.error) {
    add('detector_throughput', 'detector throughput, all detectors (no server)', s.detector_throughput.events_per_s, null, null, 'events/s');
  }
  if (s.detector_replay && !s.detector_replay.error) {
    const r = s.detector_replay;
    add('replay_speed', 'replay from SQLite (replayReport, no server)', r.events_per_s, '>=', TARGETS.replay_events_per_s, 'events/s');
    // A replay that does not come out identical is not the replay the target is about.
    if (!r.all_identical || !r.events_read_match) Object.assign(rows[rows.length - 1], { met: false, identical: r.all_identical });
  }
  if (s.admin_replay && !s.admin_replay.error) {
    const r = s.admin_replay;
    add('admin_replay_speed', 'POST /v1/admin/replay on the bench server', r.events_per_second, '>=', TARGETS.replay_events_per_s, 'events/s', true);
    Object.assign(rows[rows.length - 1], { identical: r.identical, events: r.events, note: 'events/s of the detector replay alone (the read-model rebuild is in response_ms); this history includes scenario 2\'s 100-call batch events' });
  }
  if (s.detector_revocation && !s.detector_revocation.error) {
    const d = s.detector_revocation;
    add('detector_revocation_sse_p99', 'offending call -> SSE revocation frame p99', d.sse_ms.p99, '<=', TARGETS.detector_revocation_p99_ms, 'ms');
    // A revocation that never came (or came for another reason) has no latency: it fails the target outright.
    const lost = d.sse_missed + d.sse_reason_not_scope_drift;
    if (lost > 0) Object.assign(rows[rows.length - 1], { met: false, missed: lost });
    add('detector_revocation_verify_p99', 'offending call -> verify inactive p99', d.verify_ms.p99, '<=', TARGETS.detector_revocation_p99_ms, 'ms');
    if (d.verify_never_inactive > 0) Object.assign(rows[rows.length - 1], { met: false, missed: d.verify_never_inactive });
  }
  if (s.verify_flood && !s.verify_flood.error) {
    add('verify_flood_ratio', 'tool-call logging during an unauthenticated verify flood, / alone', s.verify_flood.ratio, '>=', TARGETS.verify_flood_ratio, 'ratio');
  }
  if (s.proxy && !s.proxy.error) {
    add('proxy_to_logging_ratio', 'proxied calls (POST /v1/proxy) / single-call logging', s.proxy.ratio_to_logging, '>=', TARGETS.proxy_to_logging, 'ratio');
  }
  if (s.dpop_logging && !s.dpop_logging.error) {
    add('dpop_to_bearer_ratio', 'single-call logging, DPoP-bound / bearer passports', s.dpop_logging.ratio_to_bearer, '>=', TARGETS.dpop_to_bearer, 'ratio');
  }
  if (s.sdk_overhead && !s.sdk_overhead.error) {
    const halves = [
      ['sdk_python_added_ratio', 'Python SDK on a LangChain tool call: added p50 / one round trip', s.sdk_overhead.python],
      ['sdk_typescript_added_ratio', 'TypeScript SDK on a LangChain.js tool call: added p50 / one round trip', s.sdk_overhead.typescript],
    ];
    for (const [id, description, sdk] of halves) {
      if (!sdk || sdk.error) continue;
      add(id, description, sdk.ratio_added_to_round_trip, '<', TARGETS.sdk_added_to_round_trip, 'ratio');
      // A call the integration did not record would make it look cheaper than it is.
      if (sdk.calls_recorded !== sdk.calls_expected) Object.assign(rows[rows.length - 1], { met: false, missed: sdk.calls_expected - sdk.calls_recorded });
    }
    const ts = s.sdk_overhead.typescript;
    if (ts && !ts.error && ts.ratio_added_by_mandate_to_round_trip !== undefined) {
      // Informational: the part of the TypeScript figure beyond what LangChain.js charges for any callback handler.
      add('sdk_typescript_mandate_share_ratio', "TypeScript SDK: added beyond an empty handler's / one round trip", ts.ratio_added_by_mandate_to_round_trip, null, null, 'ratio');
    }
  }
  if (s.console && !s.console.error) {
    add('console_intent_to_plain_sse_ratio', 'console: intent -> queue card p50 / plain SSE reader p50', s.console.intent_to_queue.ratio_p50, '<=', TARGETS.console_to_plain_sse, 'ratio');
    add('console_revocation_to_plain_sse_ratio', 'console: detector revocation -> feed p50 / plain SSE p50', s.console.revocation_to_feed.ratio_p50, '<=', TARGETS.console_to_plain_sse, 'ratio');
  }
  if (s.detector_memory && !s.detector_memory.error) {
    const m = s.detector_memory;
    add('memory_100k_missions_rss', `resident memory, ${fmt(m.missions, 0)} active missions`, m.rss_mb, '<=', TARGETS.memory_100k_missions_rss_mb, 'MB');
  }
  return rows;
}

function printDetectorSummary(report, line) {
  const s = report.scenarios;
  if (s.detector_throughput) {
    const t = s.detector_throughput;
    console.log('\n 6. Detector throughput (all detectors, generated history, no server)');
    if (t.error) line('ERROR', t.error);
    else {
      const h = t.history;
      line('history', `${fmt(t.events, 0)} events (${fmt(t.tool_calls, 0)} tool calls), ${fmt(h.missions, 0)} missions, ${h.tenants} tenants, ${h.agents} agents`);
      line('detect() over all of it', `${fmt(t.events_per_s, 0)} events/s (${fmt(t.us_per_event, 3)} us/event; ${fmt(t.calls_per_s, 0)} tool calls/s)`);
      line('  passes (ms)', `warm-up ${fmt(t.warmup_ms, 1)}; measured ${t.passes_ms.map((v) => fmt(v, 1)).join(' / ')}`);
      line('findings raised (revoking)', `${t.findings} (${t.revoking_findings}): ${Object.entries(t.findings_by_signal).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      line('same findings as the live run of the history', t.findings_match_history ? 'yes' : 'NO');
    }
  }
  if (s.detector_replay || s.admin_replay) console.log('\n 7. Replay speed');
  if (s.detector_replay) {
    const r = s.detector_replay;
    if (r.error) line('ERROR', r.error);
    else {
      line('store', `${fmt(r.events, 0)} events appended in ${fmt(r.write_ms / 1000, 1)} s (${fmt(r.write_events_per_s, 0)} events/s), file ${fmt(r.store_file_mb, 1)} MB`);
      line('replayReport over SqliteEventStore.readAll', `${fmt(r.events_per_s, 0)} events/s (median of ${r.passes_ms.length}); cold ${fmt(r.cold_events_per_s, 0)} events/s`);
      line('  runs (ms)', `cold ${fmt(r.cold_ms, 1)}; measured ${r.passes_ms.map((v) => fmt(v, 1)).join(' / ')}`);
      line('identical (findings live / replayed)', `${r.report.identical ? 'yes' : 'NO'} (${r.report.findings.live} / ${r.report.findings.replayed}; revocations ${r.report.revocations.live} / ${r.report.revocations.replayed})${r.all_identical ? '' : ', NOT identical in every run'}`);
    }
  }
  if (s.admin_replay) {
    const a = s.admin_replay;
    if (a.error) line('POST /v1/admin/replay: ERROR', a.error);
    else {
      line('POST /v1/admin/replay (bench server)', `${fmt(a.events_per_second, 0)} events/s, ${fmt(a.events, 0)} events in ${fmt(a.duration_ms, 0)} ms (response ${fmt(a.response_ms, 0)} ms)`);
      line('  identical (findings live / replayed)', `${a.identical ? 'yes' : 'NO'} (${a.findings.live} / ${a.findings.replayed}; revocations ${a.revocations.live} / ${a.revocations.replayed})${a.detectors_identical ? '' : `; detector differences ${JSON.stringify(a.difference_kinds)}`}${a.read_model_differences ? `; read-model differences ${a.read_model_differences}` : ''}`);
      line('  GET /healthz meanwhile', `${a.healthz_during_replay_ms.count} answered, p50 ${fmt(a.healthz_during_replay_ms.p50, 2)} ms   max ${fmt(a.healthz_during_replay_ms.max, 2)} ms`);
      if (a.server_memory_after) line('  server RSS before / after / peak', `${fmt(a.server_memory_before?.rss_mb, 1)} / ${fmt(a.server_memory_after.rss_mb, 1)} / ${fmt(a.server_memory_after.peak_rss_mb, 1)} MB`);
    }
  }
  if (s.detector_revocation) {
    const d = s.detector_revocation;
    console.log('\n 8. Offending call -> detector revocation (idle server, sequential, enforced agents)');
    if (d.error) line('ERROR', d.error);
    else {
      line('iterations (agents)', `${d.iterations} (${d.agents})`);
      line('call -> SSE frame (detector scope_drift)', `p50 ${fmt(d.sse_ms.p50, 2)} ms   p99 ${fmt(d.sse_ms.p99, 2)} ms   max ${fmt(d.sse_ms.max, 2)} ms   missed ${d.sse_missed}   other reason ${d.sse_reason_not_scope_drift}`);
      line('call -> verify answers active:false', `p50 ${fmt(d.verify_ms.p50, 2)} ms   p99 ${fmt(d.verify_ms.p99, 2)} ms   max ${fmt(d.verify_ms.max, 2)} ms   never ${d.verify_never_inactive}`);
      line('  verify retries (total / max / rounds)', `${d.verify_retries_total} / ${d.verify_retries_max} / ${d.verify_iterations_needing_retry}`);
      line('offending call / verify response times', `p50 ${fmt(d.action_response_ms.p50, 2)} / ${fmt(d.verify_response_ms.p50, 2)} ms   p99 ${fmt(d.action_response_ms.p99, 2)} / ${fmt(d.verify_response_ms.p99, 2)} ms`);
      line('  the verify that answered active:false', `p50 ${fmt(d.inactive_verify_response_ms.p50, 2)} ms   p99 ${fmt(d.inactive_verify_response_ms.p99, 2)} ms; SSE frame first in ${d.sse_before_verify} of ${d.iterations}`);
      line('finding listed (GET /v1/security-events)', `${d.iterations - d.finding_not_listed} of ${d.iterations}, ${d.finding_listed_not_revoked} listed but not revoked`);
      if (d.server_memory_after) line('server RSS after (peak)', `${fmt(d.server_memory_after.rss_mb, 1)} MB (${fmt(d.server_memory_after.peak_rss_mb, 1)} MB)`);
    }
  }
  if (s.detector_memory) {
    const m = s.detector_memory;
    console.log(`\n 9. Resident memory with ${fmt(report.parameters.detector_memory.missions, 0)} active missions (detector state only, forced GC)`);
    if (m.error) line('ERROR', m.error);
    else {
      line('RSS before / after', `${fmt(m.before.rss_mb, 1)} / ${fmt(m.after.rss_mb, 1)} MB (${fmt(m.after_settled.rss_mb, 1)} MB after ${m.settle_ms} ms and another GC)`);
      line('heap used before / after', `${fmt(m.before.heap_used_mb, 1)} / ${fmt(m.after.heap_used_mb, 1)} MB (heap total ${fmt(m.after.heap_total_mb, 1)} MB), ${fmt(m.heap_bytes_per_mission, 0)} bytes/mission`);
      line('events folded / findings', `${fmt(m.events_folded, 0)} / ${m.findings}; detect() ${fmt(m.detect_events_per_s, 0)} events/s`);
      line('one ClockTicked sweep over all missions', `${fmt(m.tick_sweep_ms, 2)} ms`);
    }
  }
}

function printProxySummary(x, line) {
  console.log(`\n 11. Credential proxy: GET of a small JSON body from a loopback HTTPS upstream, ${PARAMS.proxy.agents} agents / ${PARAMS.connections} connections`);
  if (x.error) return line('ERROR', x.error);
  const figures = (m) => `${fmt(m.ok_requests_per_s, 0).padStart(6)} req/s   p50 ${fmt(m.latency_ms.p50, 2)} ms   p99 ${fmt(m.latency_ms.p99, 2)} ms`;
  const plus = (v) => (v === null || v === undefined ? '-' : `${v >= 0 ? '+' : ''}${fmt(v, 2)}`);
  line('direct (agents -> upstream over HTTPS)', figures(x.direct));
  line(`nginx ${x.nginx_version || ''} (${x.nginx_worker_processes} worker), HTTP -> HTTPS`, `${figures(x.via_nginx)}   added p50 ${plus(x.nginx_added_p50_ms)} ms   p99 ${plus(x.nginx_added_p99_ms)} ms`);
  line('POST /v1/proxy (Mandate) -> HTTPS', `${figures(x.via_mandate)}   added p50 ${plus(x.added_p50_ms)} ms   p99 ${plus(x.added_p99_ms)} ms`);
  line('  errors / non-2xx / upstream not 200', `${x.errors} / ${x.non_2xx} / ${x.upstream_not_200}`);
  line('single-call logging, same run', `${fmt(x.logging.requests_per_s, 0)} req/s   p50 ${fmt(x.logging.p50_ms, 2)} ms   p99 ${fmt(x.logging.p99_ms, 2)} ms (${x.logging.source})`);
  line('ratio proxied / single-call logging', fmt(x.ratio_to_logging, 3));
  line('ratio proxied / nginx; nginx / direct', `${fmt(x.ratio_to_nginx, 3)}; ${fmt(x.nginx_ratio_to_direct, 3)}`);
  line('Mandate CPU per request: proxied / logging', `${fmt(x.server_cpu_us_per_request, 0)} / ${fmt(x.logging.server_cpu_us_per_request, 0)} us (ratio logging/proxied ${fmt(x.cpu_ratio_logging_to_proxy, 3)})`);
  line('  of which its main thread', `${fmt(x.server_main_thread_cpu_us_per_request, 0)} / ${fmt(x.logging.server_main_thread_cpu_us_per_request, 0)} us`);
  line('nginx / upstream CPU per request', `${fmt(x.nginx_cpu_us_per_request, 0)} / ${fmt(x.upstream_cpu_us_per_request, 0)} us`);
  const tls = x.upstream_tls_connections;
  line('upstream TLS connections opened while measuring', `direct ${tls.direct} / nginx ${tls.nginx} / Mandate ${tls.mandate} (for ${fmt(x.upstream_requests.direct, 0)} / ${fmt(x.upstream_requests.nginx, 0)} / ${fmt(x.upstream_requests.mandate, 0)} requests)`);
  line('machine CPU busy: direct / nginx / Mandate', `${fmt(x.direct.machine_cpu_busy_pct, 0)} / ${fmt(x.via_nginx.machine_cpu_busy_pct, 0)} / ${fmt(x.via_mandate.machine_cpu_busy_pct, 0)} %`);
  line('events appended vs 2 x 200 responses', `${x.via_mandate.events_appended} / ${2 * x.via_mandate.responses_2xx} (${x.events_match_responses ? 'consistent' : 'INCONSISTENT'}; in flight at stop: ${x.events_beyond_counted_responses})`);
}

function printDpopSummary(d, line) {
  console.log(`\n 12. Tool-call logging with DPoP-bound passports, 1 call/request, ${PARAMS.dpop.agents} agents / ${PARAMS.connections} connections`);
  if (d.error) return line('ERROR', d.error);
  const figures = (f) => `${fmt(f.requests_per_s, 0).padStart(6)} req/s   p50 ${fmt(f.p50_ms, 2)} ms   p99 ${fmt(f.p99_ms, 2)} ms   server ${fmt(f.server_cpu_us_per_request, 0)} us/request (main thread ${fmt(f.server_main_thread_cpu_us_per_request, 0)})`;
  line('bearer passports', `${figures(d.bearer)}   (${d.bearer.source})`);
  line('DPoP-bound passports, fresh proof per request', figures(d));
  line('  errors / non-2xx', `${d.errors} / ${d.non_2xx}`);
  line('ratio DPoP / bearer (req/s)', fmt(d.ratio_to_bearer, 3));
  line('ratio bearer / DPoP (server CPU per request)', `${fmt(d.cpu_ratio_bearer_to_dpop, 3)} (DPoP adds ${fmt(d.added_server_cpu_us_per_request, 0)} us)`);
  line('load generator CPU per request: bearer / DPoP', `${fmt(d.bearer.load_generator_cpu_us_per_request, 0)} / ${fmt(d.load_generator_cpu_us_per_request, 0)} us (signing a proof ${fmt(d.dpop_signing_us_per_request, 0)} us, same 2 cores)`);
  line('machine CPU busy: bearer / DPoP', `${fmt(d.bearer.machine_cpu_busy_pct, 0)} / ${fmt(d.dpop.machine_cpu_busy_pct, 0)} %`);
  line('events appended vs 201 responses', `${d.dpop.events_appended} / ${d.dpop.responses_2xx} (${d.events_match_responses ? 'consistent' : 'INCONSISTENT'}; in flight at stop: ${d.events_beyond_counted_responses})`);
}

function printSummary(report) {
  const s = report.scenarios;
  const line = (label, value) => console.log(`  ${label.padEnd(44)} ${value}`);
  console.log('\n================================================================================');
  console.log(` Mandate bench (${report.parameters.mode}), ${report.machine.cpus} CPUs (${report.machine.cpu_model}), Node ${report.machine.node}`);
  console.log('================================================================================');
  if (s.tool_call_logging) {
    const t = s.tool_call_logging;
    console.log('\n 1. Tool-call logging, 1 call/request, 32 agents / 32 connections');
    if (t.error) line('ERROR', t.error);
    else {
      line('POST /actions', `${fmt(t.requests_per_s, 0)} req/s   p50 ${fmt(t.p50_ms, 2)} ms   p99 ${fmt(t.p99_ms, 2)} ms`);
      line('  errors / non-2xx', `${t.errors} / ${t.non_2xx}`);
      line('GET /healthz (bare route)', `${fmt(t.bare_requests_per_s, 0)} req/s   p50 ${fmt(t.bare_route.latency_ms.p50, 2)} ms   p99 ${fmt(t.bare_route.latency_ms.p99, 2)} ms`);
      line('ratio logging / bare', fmt(t.ratio_to_bare, 3));
      line('bare Fastify POST, same schema', `${fmt(t.bare_fastify_post_requests_per_s, 0)} req/s   p50 ${fmt(t.bare_fastify_post.latency_ms.p50, 2)} ms   p99 ${fmt(t.bare_fastify_post.latency_ms.p99, 2)} ms`);
      line('POST verify, validated no-op', `${fmt(t.bare_post_requests_per_s, 0)} req/s   p50 ${fmt(t.bare_post.latency_ms.p50, 2)} ms   p99 ${fmt(t.bare_post.latency_ms.p99, 2)} ms`);
      line('ratio validated no-op / bare Fastify', fmt(t.ratio_validated_noop_to_bare_fastify, 3));
      line('ratio logging / validated no-op POST', fmt(t.ratio_to_bare_post, 3));
      line('events appended vs 201 responses', `${t.logging.events_appended} / ${t.logging.responses_2xx} (${t.events_match_responses ? 'consistent' : 'INCONSISTENT'}; in flight at stop: ${t.events_beyond_counted_responses})`);
      line('read-model lag at end of load', `${t.logging.read_model_lag_at_end_events} events, caught up in ${fmt(t.logging.read_model_catch_up_ms, 0)} ms`);
    }
  }
  if (s.batched_logging) {
    const b = s.batched_logging;
    console.log(`\n 2. Batched logging, ${report.parameters.batch_size} calls/request`);
    if (b.error) line('ERROR', b.error);
    else {
      line('POST /actions (batch)', `${fmt(b.calls_per_s, 0)} calls/s (${fmt(b.requests_per_s, 0)} req/s)   p50 ${fmt(b.p50_ms, 2)} ms   p99 ${fmt(b.p99_ms, 2)} ms`);
      line('  errors / non-2xx', `${b.errors} / ${b.non_2xx}`);
      line('raw store, 1 event of 100 calls per append', `${fmt(b.raw_batched_calls_per_s, 0)} calls/s   append p99 ${fmt(b.raw_store_batched.append_latency_ms.p99, 2)} ms`);
      line('ratio HTTP calls/s / raw (same stored shape)', fmt(b.ratio_to_raw_store, 3));
      line('raw store, 100 one-call events per append', `${fmt(b.raw_events_per_s, 0)} events/s   append p99 ${fmt(b.raw_store.append_latency_ms.p99, 2)} ms`);
      line('ratio HTTP calls/s / raw one-call events/s', fmt(b.ratio_to_raw_per_call_events, 3));
      line('events appended vs 201 responses (1 per batch)', `${b.http.events_appended} / ${b.http.responses_2xx} (${b.events_match_responses ? 'consistent' : 'INCONSISTENT'})`);
      line('read-model lag at end of load', `${b.http.read_model_lag_at_end_events} events, caught up in ${fmt(b.http.read_model_catch_up_ms, 0)} ms`);
    }
  }
  for (const [key, title] of [
    ['revocation', ' 3. Revocation latency (idle server)'],
    ['revocation_under_load', ' 3b. Revocation latency under logging load (informational)'],
  ]) {
    const r = s[key];
    if (!r) continue;
    console.log(`\n${title}`);
    if (r.error) {
      line('ERROR', r.error);
      continue;
    }
    line('iterations', String(r.iterations));
    line('revoke -> SSE frame', `p50 ${fmt(r.sse_ms.p50, 2)} ms   p99 ${fmt(r.sse_ms.p99, 2)} ms   max ${fmt(r.sse_ms.max, 2)} ms   missed ${r.sse_missed}`);
    line('revoke -> verify answers active:false', `p50 ${fmt(r.verify_ms.p50, 2)} ms   p99 ${fmt(r.verify_ms.p99, 2)} ms   max ${fmt(r.verify_ms.max, 2)} ms`);
    line('  verify retries (total / max / rounds)', `${r.verify_retries_total} / ${r.verify_retries_max} / ${r.verify_iterations_needing_retry}`);
    line('revoke / verify response times', `p50 ${fmt(r.revoke_response_ms.p50, 2)} / ${fmt(r.verify_response_ms.p50, 2)} ms   p99 ${fmt(r.revoke_response_ms.p99, 2)} / ${fmt(r.verify_response_ms.p99, 2)} ms`);
    if (r.load) line('logging load meanwhile', `${fmt(r.load.ok_requests_per_s, 0)} req/s   p99 ${fmt(r.load.latency_ms.p99, 2)} ms`);
  }
  if (s.intents_auto_approve) {
    const t = s.intents_auto_approve;
    console.log(`\n 4. Intents submitted and auto-approved, ${report.parameters.intents.agents} agents / ${report.parameters.connections} connections`);
    if (t.error) line('ERROR', t.error);
    else {
      line('POST /v1/intents (auto-approved)', `${fmt(t.intents_per_s, 0)} req/s   p50 ${fmt(t.p50_ms, 2)} ms   p99 ${fmt(t.p99_ms, 2)} ms`);
      line('  errors / non-2xx / 201 not approved', `${t.errors} / ${t.non_2xx} / ${t.not_approved}`);
      line('ratio to single-call logging (scenario 1)', t.ratio_to_logging === null ? '- (scenario 1 did not run)' : `${fmt(t.ratio_to_logging, 3)} (logging ${fmt(t.logging_requests_per_s, 0)} req/s)`);
      line('events appended vs 2 x 201 responses', `${t.http.events_appended} / ${2 * t.http.responses_2xx} (${t.events_match_responses ? 'consistent' : 'INCONSISTENT'}; in flight at stop: ${t.events_beyond_counted_responses})`);
      line('read-model lag at end of load', `${t.http.read_model_lag_at_end_events} events, caught up in ${fmt(t.http.read_model_catch_up_ms, 0)} ms`);
    }
  }
  if (s.intent_decision) {
    const d = s.intent_decision;
    console.log('\n 5. Decision -> long-poll latency (idle server, sequential)');
    if (d.error) line('ERROR', d.error);
    else {
      line('iterations (long-poll head start)', `${d.iterations} (${d.head_start_ms} ms)${d.stopped_early ? ', STOPPED EARLY after missed wake-ups' : ''}`);
      line('approve -> long-poll returns approved', `p50 ${fmt(d.long_poll_ms.p50, 2)} ms   p99 ${fmt(d.long_poll_ms.p99, 2)} ms   max ${fmt(d.long_poll_ms.max, 2)} ms   missed ${d.long_poll_missed}${d.warmup_missed ? ` (+${d.warmup_missed} in warm-up)` : ''}`);
      line('approve response time', `p50 ${fmt(d.approve_response_ms.p50, 2)} ms   p99 ${fmt(d.approve_response_ms.p99, 2)} ms   max ${fmt(d.approve_response_ms.max, 2)} ms`);
      line('long-poll answered before approve response', `${d.long_poll_before_approve_response} of ${d.long_poll_ms.count}`);
    }
  }
  printDetectorSummary(report, line);
  if (s.proxy) printProxySummary(s.proxy, line);
  if (s.dpop_logging) printDpopSummary(s.dpop_logging, line);
  if (s.console) {
    const c = s.console;
    console.log('\n 14. The console in Chromium beside a plain SSE reader in the same page (idle server, sequential)');
    if (c.error) line('ERROR', c.error);
    else
      for (const [label, m] of [['intent submitted -> card in the queue', c.intent_to_queue], ['offending call -> revocation in the feed', c.revocation_to_feed]]) {
        line(label, `console p50 ${fmt(m.console_ms.p50, 2)} ms   p99 ${fmt(m.console_ms.p99, 2)} ms   (${m.iterations} rounds)`);
        line('  same event, plain SSE reader', `p50 ${fmt(m.plain_sse_ms.p50, 2)} ms   p99 ${fmt(m.plain_sse_ms.p99, 2)} ms   ratio p50 ${fmt(m.ratio_p50, 2)}, p99 ${fmt(m.ratio_p99, 2)}`);
      }
  }
  console.log('\n Targets');
  for (const t of report.targets) {
    const verdict = t.met === null ? 'informational' : t.met ? 'met' : t.informational ? 'missed (informational)' : 'MISSED';
    const extra = [t.missed ? `${t.missed} missed` : null, t.identical === false ? 'NOT identical' : null].filter(Boolean).join(', ');
    console.log(`  ${t.description.padEnd(50)} ${fmt(t.measured, t.unit === 'ms' ? 2 : t.unit === 'MB' ? 1 : t.unit === 'ratio' ? 3 : 0).padStart(10)} ${t.unit.padEnd(8)} target ${(t.target ?? 'none').padEnd(9)} ${verdict}${extra ? ` (${extra})` : ''}`);
  }
  if (report.errors.length) {
    console.log('\n Errors');
    for (const e of report.errors) console.log(`  ${e}`);
  }
  if (report.profile) console.log(`\n (server was CPU-profiled during the "${report.profile.scenario}" measurement: its figures are lower than unprofiled)`);
  console.log('');
}

module.exports = { ratio, fmt, machineFacts, targetRows, printSummary };
