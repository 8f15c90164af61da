// Loads the TypeScript worker in a worker thread. Node 20 does not apply --import loader hooks (tsx)
// to worker threads, but tsx's CommonJS hook registers per thread, so the worker registers it itself.
require('tsx/cjs/api').register();
require('./worker.ts');
