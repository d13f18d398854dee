// Entry of the inference worker thread. `execArgv: ['--import', 'tsx']` does not reach a worker's
// own entry module on Node 20 ("Unknown file extension .ts"), so the thread registers tsx's
// loader itself, then loads the TypeScript worker named in workerData.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
