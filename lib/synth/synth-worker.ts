/**
 * Worker thread of `synthesizeTopologyInterruptibly`: renders a topology into the staging folder it
 * is given and posts back the result, or the validation problems, as plain data.
 */
import { parentPort, workerData } from 'worker_threads';
import { IdhaValidationError } from '../core/errors';
import { renderTopology, WorkerReply } from './synthesize';

const { topology, platforms, stagingDir, outDir } = workerData;
let reply: WorkerReply;
try {
  reply = { ok: renderTopology(topology, { platforms, stagingDir, outDir }) };
} catch (e) {
  reply = e instanceof IdhaValidationError ? { problems: [...e.problems], context: e.context } : { error: (e as Error).stack ?? String(e) };
}
parentPort!.postMessage(reply);
