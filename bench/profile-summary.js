'use strict';
// Summarizes a V8 .cpuprofile (from `node --cpu-prof` or run.js --profile): self time by area (package / library)
// and the top functions by self time, plus inclusive time of a few areas.
// Usage: node bench/profile-summary.js <file.cpuprofile> [topN]

const fs = require('fs');

function areaOf(url, functionName) {
  if (!url) {
    if (functionName.startsWith('(')) return functionName; // (garbage collector), (idle), (program)
    return '(native)';
  }
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    if (rest[0] === '@mandate') return `@mandate/${rest[1]}`;
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const lib = /\/dist\/libs\/([^/]+)\//.exec(url);
  if (lib) return `@mandate/${lib[1]}`;
  const app = /\/dist\/apps\/([^/]+)\//.exec(url);
  if (app) return `app:${app[1]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] === 'internal' ? url.slice(5).split('/').slice(0, 2).join('/') : url.slice(5)}`;
  return url;
}

function summarizeProfile(profile, topN = 25) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i + 1] is the time spent in sample i (until the next sample was taken).
    const dt = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : 0;
    self.set(samples[i], (self.get(samples[i]) || 0) + Math.max(0, dt));
  }
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);

  let total = 0;
  const byArea = new Map();
  const byFunction = new Map();
  const inclusiveArea = new Map();
  for (const [id, us] of self) {
    total += us;
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const name = functionName || '(anonymous)';
    const area = areaOf(url, name);
    byArea.set(area, (byArea.get(area) || 0) + us);
    const where = (u, line) => `${u.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${line + 1}`;
    let key = `${name}  ${url ? where(url, lineNumber) : ''}`;
    if (!url && !name.startsWith('(')) {
      // A native function (e.g. better-sqlite3's Statement.run): name the JS function that called it.
      const caller = parent.has(id) ? nodes.get(parent.get(id)).callFrame : null;
      if (caller && caller.url) key = `${name} [native] <- ${caller.functionName || '(anonymous)'}  ${where(caller.url, caller.lineNumber)}`;
    }
    byFunction.set(key, (byFunction.get(key) || 0) + us);
    // Inclusive per area: count this sample once for every distinct area on its stack.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const frame = nodes.get(at).callFrame;
      const a = areaOf(frame.url, frame.functionName || '(anonymous)');
      if (!seen.has(a)) {
        seen.add(a);
        inclusiveArea.set(a, (inclusiveArea.get(a) || 0) + us);
      }
    }
  }
  const idle = byArea.get('(idle)') || 0;
  const busy = total - idle;
  // Idle is the header's idle_pct, not a row: as a percentage of busy time it reads above 100 % for a mostly idle thread.
  const rows = (map, n) =>
    [...map.entries()]
      .filter(([name]) => !name.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct_of_busy: Math.round((1000 * us) / Math.max(1, busy)) / 10 }));
  return {
    total_ms: Math.round(total / 1000),
    busy_ms: Math.round(busy / 1000),
    idle_pct: Math.round((1000 * idle) / Math.max(1, total)) / 10,
    self_by_area: rows(byArea, 20),
    inclusive_by_area: rows(new Map([...inclusiveArea].filter(([a]) => a !== '(root)' && a !== '(idle)')), 20),
    top_functions_self: rows(byFunction, topN),
  };
}

function printSummary(summary, out = console.log) {
  out(`  profile: ${summary.total_ms} ms sampled, ${summary.idle_pct}% idle; percentages are of non-idle time`);
  const table = (title, rows) => {
    out(`  ${title}`);
    for (const r of rows) out(`    ${String(r.pct_of_busy.toFixed(1)).padStart(5)}%  ${String(r.ms).padStart(6)} ms  ${r.name}`);
  };
  table('self time by area:', summary.self_by_area.slice(0, 15));
  table('inclusive time by area (time with that area anywhere on the stack):', summary.inclusive_by_area.slice(0, 15));
  table('top functions by self time:', summary.top_functions_self);
}

module.exports = { summarizeProfile, printSummary };

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/profile-summary.js <file.cpuprofile> [topN]');
    process.exit(2);
  }
  const summary = summarizeProfile(JSON.parse(fs.readFileSync(file, 'utf8')), Number(process.argv[3]) || 25);
  printSummary(summary);
}
