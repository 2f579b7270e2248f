import { startRedisServer } from '@swarmlab/test-kit/server';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis the `server-on-redis` project's behaviour suites keep their swarms in (`harness.ts`). */
    readonly swarmlabRedisUrl: string;
  }
}

/**
 * The `server-on-redis` project (vitest.config.ts): one `redis-server` for the whole run, on a free port, whose URL
 * every harness of that project reads; each harness keeps its swarms under a prefix of its own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedisServer();
  project.provide('swarmlabRedisUrl', redis.url);
  return () => redis.stop();
}
