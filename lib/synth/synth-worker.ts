/**
 * Worker thread of `RenderWorker`: loads the renderer (cdktf, providers) as soon as it starts, then
 * renders the one job it is sent into its staging folder and posts back the result, or the
 * validation problems, as plain data.
 */
import { parentPort } from 'worker_threads';
import { IdhaValidationError } from '../core/errors';
import type { RenderJob, WorkerReply } from './synth-client';
import { renderTopology } from './synthesize';

parentPort!.once('message', (job: RenderJob) => {
  let reply: WorkerReply;
  try {
    reply = { ok: renderTopology(job.topology, { platforms: job.platforms, stagingDir: job.stagingDir, outDir: job.outDir }) };
  } catch (e) {
    reply = e instanceof IdhaValidationError ? { problems: [...e.problems], context: e.context } : { error: (e as Error).stack ?? String(e) };
  }
  parentPort!.postMessage(reply);
});
