// Entry of an invocation worker thread (see worker-pool.ts). Node 20 does not apply the parent's --import
// loader hooks (tsx) to worker threads, but tsx's CommonJS hook registers per thread: register it here, then
// load the TypeScript entry. Handler files are then loaded with require() too (tsx compiles their ESM to CJS).
require('tsx/cjs/api').register();
require('./invocation-worker.ts');
