/**
 * The analyze function's work in a process of its own, so that its peak RSS is the function's:
 * the production wiring (shared/composition.ts: Firestore and Pub/Sub clients, the
 * model-backed analyzer) handles the tests-finished message given in TDL_BENCH_MESSAGE. Prints
 * the step's outcome and seconds as one JSON line; bench/peak-rss.js adds the peak RSS to stderr.
 */
import { createServices } from '../shared/composition.js';
import { loadRuntimeEnv } from '../shared/config/env.js';
import { TestsFinished } from '../shared/chain/messages.js';

const message = TestsFinished.parse(JSON.parse(process.env.TDL_BENCH_MESSAGE ?? 'null'));
const services = createServices(loadRuntimeEnv(), 'bench-analyze');
const started = performance.now();
const outcome = await services.analyze(message, `bench-${message.loopId}`);
const seconds = (performance.now() - started) / 1000;
await services.close();
process.stdout.write(`${JSON.stringify({ outcome, seconds })}\n`);
