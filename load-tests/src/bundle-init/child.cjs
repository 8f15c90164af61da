// One cold start of one bundle: a fresh Node process that loads the handler file and invokes it once, then exits.
// Plain CommonJS with no loader (no tsx), so nothing but Node itself runs before the bundle. The Lambda Node.js
// runtime require()s a .js handler when no package.json says "type": "module" (its UserFunction.js), as here.
// The parent sends { file, exportName, event, context } over IPC and gets the timings back the same way.
const { performance } = require('node:perf_hooks');

process.once('message', (job) => {
  run(job).then(
    (outcome) => process.send(outcome, () => process.exit(0)),
    (error) => process.send({ ok: false, error: String(error?.stack ?? error) }, () => process.exit(1)),
  );
});

async function run({ file, exportName, event, context }) {
  // Time since this process started (performance's origin), before the bundle is touched.
  const bootMs = performance.now();
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  const handler = require(file)[exportName];
  const imported = performance.now();
  const cpuAtImport = process.cpuUsage();
  if (typeof handler !== 'function') throw new Error(`${file} does not export a function named "${exportName}"`);
  const deadline = Date.now() + context.timeoutMs;
  const result = await handler(event, {
    ...context,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  });
  const answered = performance.now();
  const cpuMs = (from, to) => (to.user - from.user + to.system - from.system) / 1000;
  return {
    ok: true,
    bootMs,
    importMs: imported - started,
    invokeMs: answered - imported,
    importCpuMs: cpuMs(cpuAtStart, cpuAtImport),
    invokeCpuMs: cpuMs(cpuAtImport, process.cpuUsage()),
    result,
  };
}
