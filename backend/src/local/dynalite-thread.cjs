'use strict';
/**
 * dynalite on a thread of its own (plain CommonJS: Node 20 applies no tsx loader to worker threads), so the store's
 * CPU runs beside the gateway and the route handlers instead of on their event loop. embedded-dynamo.ts starts it.
 */
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require('dynalite');

const server = dynalite({ path: workerData.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.once('error', (error) => {
  parentPort.postMessage({ type: 'error', message: error.message, code: error.code, port: error.port });
});
server.listen(workerData.port, workerData.host, () => {
  parentPort.postMessage({ type: 'listening', port: server.address().port });
});
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  server.closeAllConnections();
  server.close(() => parentPort.postMessage({ type: 'closed' }));
});
