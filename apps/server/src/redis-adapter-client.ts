import type { RedisClient } from './redis-client';

/**
 * The client given to socket.io's Redis streams adapter, whose copies' subscriptions are always heard.
 *
 * The adapter (`@socket.io/redis-streams-adapter` 0.3.1) subscribes on a copy of its client (`duplicate()`) as the
 * server starts, and drops the promise: a server closed before that subscription was done disconnected the copy under
 * it, and the rejection (`DisconnectsClientError`) reached nobody. Node counts that an unhandled rejection (a
 * process stopped right after it started could end on it; in the tests, every server closed at once left one).
 * Here each copy's `subscribe` and `sSubscribe` hand back the same promise, with a handler on it that passes the
 * rejection to `onError`; the adapter's own use is unchanged.
 */
export function withHeardSubscriptions(client: RedisClient, onError: (error: unknown) => void): RedisClient {
  const duplicate = client.duplicate.bind(client);
  client.duplicate = ((...args: Parameters<typeof duplicate>) => {
    const copy = duplicate(...args);
    for (const name of ['subscribe', 'sSubscribe'] as const) {
      const subscribe = copy[name].bind(copy) as (...subscribeArgs: unknown[]) => Promise<unknown>;
      copy[name] = ((...subscribeArgs: unknown[]) => {
        const subscribed = subscribe(...subscribeArgs);
        subscribed.catch(onError);
        return subscribed;
      }) as (typeof copy)[typeof name];
    }
    return copy;
  }) as typeof client.duplicate;
  return client;
}
