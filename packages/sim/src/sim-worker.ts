// Worker thread entry: runs part 1 of a two-thread simulation (see `simulateOnTwoThreads`).
import { workerData } from 'node:worker_threads';
import { simulatePart } from './simulate';
import { PartChannel, type WorkerData } from './two-threads';

const { scenario, flags, port } = workerData as WorkerData;
const channel = new PartChannel(1, port, flags);
try {
  const result = simulatePart(scenario, channel);
  channel.exchange(result);
} catch (error) {
  channel.fail();
  throw error;
} finally {
  port.close();
}
