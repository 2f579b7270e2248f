import { createClient } from 'redis';

/** A node-redis client as this server makes it (its type follows from the options given). */
export function createRedisClient(url: string) {
  return createClient({ url });
}

export type RedisClient = ReturnType<typeof createRedisClient>;
