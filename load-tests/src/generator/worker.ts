/**
 * Worker thread entry: plays one share of the scenario and answers the main thread's phase messages.
 * Kept thin so that the logic (LoadWorker) reads like ordinary code.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LoadWorker } from './load-worker.js';
import type { FromWorker, ToWorker, WorkerInit } from './messages.js';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const init = workerData as WorkerInit;
const post = (message: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(message, transfer);
const worker = new LoadWorker(init);

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'connect':
      void worker.connectAll(message.startAtMs).then(() => post({ type: 'connected', workerIndex: init.workerIndex }));
      return;
    case 'warmup':
      void worker.warmUp(message.startAtMs).then(() => post({ type: 'warmed', workerIndex: init.workerIndex }));
      return;
    case 'send':
      void worker.sendAll(message.startAtMs).then(() => post({ type: 'sent', workerIndex: init.workerIndex }));
      return;
    case 'finish':
      void worker.finish().then((result) => {
        post(result, [result.lastReceiptMs.buffer as ArrayBuffer]);
        port.close();
      });
      return;
  }
});
post({ type: 'ready', workerIndex: init.workerIndex });
