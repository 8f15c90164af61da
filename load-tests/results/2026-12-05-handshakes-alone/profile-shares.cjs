// Busy CPU of one thread's V8 profile (node --cpu-prof), by where the code lives: the AWS SDK, Node's own modules
// (http, net, streams, socket writes, native bindings), garbage collection, the project's code, the rest.
//   node load-tests/results/2026-12-05-handshakes-alone/profile-shares.cjs <file.cpuprofile>...
const { readFileSync } = require('node:fs');

for (const file of process.argv.slice(2)) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const shares = { sdk: 0, node: 0, gc: 0, project: 0, other: 0 };
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const { url, functionName } = nodes.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (functionName === '(idle)') return;
    busy += us;
    if (/node_modules\/@(smithy|aws-sdk)\//.test(url)) shares.sdk += us;
    // Native frames (url '') such as writev and runMicrotasks are Node's bindings; V8's own are in parentheses.
    else if (url.startsWith('node:') || (url === '' && !functionName.startsWith('('))) shares.node += us;
    else if (functionName === '(garbage collector)') shares.gc += us;
    else if (/\/backend\/src\//.test(url)) shares.project += us;
    else shares.other += us;
  });
  const s = (us) => `${(us / 1e6).toFixed(1)} s`;
  console.log(`${file}: busy ${s(busy)}; ${Object.entries(shares).map(([k, v]) => `${k} ${s(v)}`).join(', ')}`);
}
