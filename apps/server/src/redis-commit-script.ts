/**
 * The one write of a swarm to Redis, as a Lua script (Redis runs a script alone: nothing else runs between
 * its reads and writes). A compare-and-set on the swarm's version number: if another process wrote the
 * swarm since this one read it, nothing is written and the caller reads and applies its change again. A
 * swarm's first write also checks the caps that span every swarm (`maxSwarms`, `maxSwarmsPerAddress`) and
 * claims its join code; its deletion gives them back. Its members' sockets are kept beside it, for the
 * signals relayed without loading the swarm.
 *
 * KEYS: 1 the swarm (hash: version, doc), 2 its manifest, 3 its sockets (hash: peer id → socket id), 4 the
 * set of live swarms, 5 swarms alive per creator address (hash), 6 join codes (hash: code → coded swarm), 7 the
 * version counter.
 *
 * A write's version is the counter's next value, not the swarm's last plus one alone: a swarm that ended and was
 * registered again under its id (`swarm:restore`) started again at 1, so a process holding a read of the ended
 * swarm at version 1 wrote it over the new one, its compare-and-set passing (found by review). Where the swarm's last
 * plus one is higher (a swarm written before there was a counter, or by a process of the version before), that is the
 * version and the counter is raised to it: a swarm's versions only grow.
 * ARGV: 1 version read (0: none), 2 the new doc ('' deletes the swarm), 3 swarm id, 4 creator address,
 * 5 maxSwarms, 6 maxSwarmsPerAddress ('' for none), 7 join code, 8 the coded swarm (JSON), 9 the manifest
 * (JSON, read on creation only), 10… its members' peer ids and socket ids, in pairs.
 * Answers 'ok', 'conflict', 'too-many-swarms', 'too-many-swarms-from-address' or 'code-taken'.
 */
export const COMMIT_SWARM_SCRIPT = `
local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if version ~= tonumber(ARGV[1]) then return 'conflict' end
if ARGV[2] == '' then
  if version == 0 then return 'ok' end
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  redis.call('SREM', KEYS[4], ARGV[3])
  if redis.call('HINCRBY', KEYS[5], ARGV[4], -1) <= 0 then redis.call('HDEL', KEYS[5], ARGV[4]) end
  if redis.call('HGET', KEYS[6], ARGV[7]) == ARGV[8] then redis.call('HDEL', KEYS[6], ARGV[7]) end
  return 'ok'
end
if version == 0 then
  if redis.call('SCARD', KEYS[4]) >= tonumber(ARGV[5]) then return 'too-many-swarms' end
  if ARGV[6] ~= '' and tonumber(redis.call('HGET', KEYS[5], ARGV[4]) or '0') >= tonumber(ARGV[6]) then
    return 'too-many-swarms-from-address'
  end
  if redis.call('HSETNX', KEYS[6], ARGV[7], ARGV[8]) == 0 then return 'code-taken' end
  redis.call('SADD', KEYS[4], ARGV[3])
  redis.call('HINCRBY', KEYS[5], ARGV[4], 1)
  redis.call('SET', KEYS[2], ARGV[9])
end
local next = redis.call('INCR', KEYS[7])
if next <= version then
  next = version + 1
  redis.call('SET', KEYS[7], next)
end
redis.call('HSET', KEYS[1], 'version', next, 'doc', ARGV[2])
redis.call('DEL', KEYS[3])
if #ARGV > 9 then redis.call('HSET', KEYS[3], unpack(ARGV, 10)) end
return 'ok'
`;

export type CommitAnswer = 'ok' | 'conflict' | 'too-many-swarms' | 'too-many-swarms-from-address' | 'code-taken';
