// One signalling server process of `pnpm bench signalling --processes N`, its swarms in Redis.
import v8 from 'node:v8';
import vm from 'node:vm';
import { connectRedisState, createSignallingServer, type ClientAddress, type SignallingServer } from '@swarmlab/server';
import { BENCH_SERVER_LIMITS, serveCommands } from './signalling-load';

export type ServerCommand =
  | { readonly type: 'start'; readonly redisUrl: string; readonly keyPrefix: string }
  | { readonly type: 'measure' }
  | { readonly type: 'stop' };

export type ServerReply =
  | { readonly type: 'started'; readonly url: string }
  | {
      readonly type: 'measured';
      readonly connections: number;
      /** Heap after a full collection. */
      readonly heapBytes: number;
      /** CPU time since the previous measure, in ms. */
      readonly cpuMs: number;
    }
  | { readonly type: 'stopped' };

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Each client claims its address in its `auth`: the benchmark simulates many machines on 127.0.0.1. */
const claimedAddress: ClientAddress = (handshake) => {
  const { address }: { address?: unknown } = handshake.auth;
  return typeof address === 'string' ? address : handshake.address;
};

let server: SignallingServer | undefined;
let cpuBefore = process.cpuUsage();

serveCommands<ServerCommand, ServerReply>(async (command) => {
  switch (command.type) {
    case 'start': {
      const redisState = await connectRedisState({ url: command.redisUrl, keyPrefix: command.keyPrefix });
      server = createSignallingServer({
        clientAddress: claimedAddress,
        log: () => undefined,
        limits: BENCH_SERVER_LIMITS,
        ...redisState,
      });
      const { port } = await server.listen(0, '127.0.0.1');
      cpuBefore = process.cpuUsage();
      return { type: 'started', url: `http://127.0.0.1:${port}` };
    }
    case 'measure': {
      // The CPU since the last measure first: the full collection below is the benchmark's, not the load's.
      const cpu = process.cpuUsage(cpuBefore);
      gc();
      cpuBefore = process.cpuUsage();
      return {
        type: 'measured',
        connections: server?.stats().connections ?? 0,
        heapBytes: v8.getHeapStatistics().used_heap_size,
        cpuMs: (cpu.user + cpu.system) / 1000,
      };
    }
    case 'stop':
      await server?.close();
      return { type: 'stopped' };
  }
});
