"""The budget's Lua script: every operation on a budget is one call, atomic in Redis.

The arithmetic is ``synaptic_core.pacing._buckets`` and ``LocalRateLimiter``'s, step
for step, on the Redis server's clock (``TIME``): buckets refilled continuously that go
into debt (``wait = -level / rate``, FIFO without a queue), a "not before" time and a
reset count ``rs`` set by a 429's pause (which empties the per-minute buckets, the
per-day ones too for a pause over a minute, to one request's room at its end), claims
tagged with the reset count they were granted under (a stale one refunds nothing and
``recheck`` queues it again), and in-flight counts so headers are read net of requests
still under way.

Keys: ``KEYS[1]`` the budget (a hash: ``<kind>:<period>:l`` level, ``:s`` stamp, ``:c``
a learned capacity; ``nb``, ``rs``, ``ifr``, ``ift``), ``KEYS[2]`` its workers (a sorted
set: worker id -> last reserve, server time), so each process knows its share of the
budget for when Redis is away. ``ARGV[1]`` the operation, ``ARGV[2]`` the configured
capacities (JSON), then the operation's own arguments (see ``RedisRateLimiter``).
Numbers go back as strings (Redis would truncate a Lua number to an integer).
"""

from __future__ import annotations

import hashlib

#: Seconds a worker counts as sharing the budget after its last reservation.
WORKER_WINDOW = 60

SCRIPT = """
local key = KEYS[1]
local workers = KEYS[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local op = ARGV[1]
local conf = cjson.decode(ARGV[2])
local periods = {60, 86400}
local kinds = {'r', 't'}

local function fmt(x) return string.format('%.17g', x) end

local function num(field)
  return tonumber(redis.call('HGET', key, field) or '0') or 0
end

local function cap(kind, period)
  local learned = redis.call('HGET', key, kind .. ':' .. period .. ':c')
  if learned then return tonumber(learned) end
  local c = conf[kind .. ':' .. period]
  if c then return tonumber(c) end
  return nil
end

local function level(kind, period, capacity)
  local l = tonumber(redis.call('HGET', key, kind .. ':' .. period .. ':l'))
  local s = tonumber(redis.call('HGET', key, kind .. ':' .. period .. ':s'))
  if l == nil then return capacity end
  if now > s then l = math.min(capacity, l + (now - s) * capacity / period) end
  return l
end

local function put(kind, period, l)
  local name = kind .. ':' .. period
  redis.call('HSET', key, name .. ':l', fmt(l), name .. ':s', fmt(now))
end

-- One request and `tokens`, into debt if need be; nothing taken past max_wait (< 0: none).
local function claim(tokens, max_wait)
  local wait = math.max(0, num('nb') - now)
  local new = {}
  for _, kind in ipairs(kinds) do
    local amount = 1
    if kind == 't' then amount = tokens end
    for _, p in ipairs(periods) do
      local c = cap(kind, p)
      if c then
        local l = level(kind, p, c) - amount
        if l < 0 then wait = math.max(wait, -l * p / c) end
        table.insert(new, {kind, p, l})
      end
    end
  end
  if max_wait >= 0 and wait > max_wait then return false, wait end
  for _, b in ipairs(new) do put(b[1], b[2], b[3]) end
  redis.call('HINCRBYFLOAT', key, 'ifr', 1)
  redis.call('HINCRBYFLOAT', key, 'ift', tokens)
  redis.call('EXPIRE', key, 172800)
  return true, wait
end

-- The server's x-ratelimit-* headers: learn an unset limit, lower the level to what is
-- left net of what is in flight here.
local function observe(kind, p, limit, remaining)
  p = tonumber(p)
  limit = tonumber(limit)
  remaining = tonumber(remaining)
  local c = cap(kind, p)
  if c == nil and limit and limit > 0 then
    c = limit
    redis.call('HSET', key, kind .. ':' .. p .. ':c', fmt(limit))
  end
  if c and remaining then
    local field = 'ifr'
    if kind == 't' then field = 'ift' end
    local seen = remaining - num(field)
    local l = level(kind, p, c)
    if seen < l then l = seen end
    put(kind, p, l)
  end
end

local function observe_from(first)
  local i = first
  while ARGV[i + 3] ~= nil do
    observe(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
    i = i + 4
  end
end

if op == 'reserve' then
  local tokens = tonumber(ARGV[3])
  local max_wait = tonumber(ARGV[4])
  redis.call('ZADD', workers, now, ARGV[5])
  redis.call('ZREMRANGEBYSCORE', workers, '-inf', now - tonumber(ARGV[6]))
  redis.call('EXPIRE', workers, 2 * tonumber(ARGV[6]))
  local n = redis.call('ZCARD', workers)
  for _, p in ipairs(periods) do
    local c = cap('t', p)
    if c and tokens > c then return {'never', fmt(c), tostring(p)} end
  end
  local ok, wait = claim(tokens, max_wait)
  if not ok then return {'late', fmt(wait), tostring(n)} end
  return {'ok', fmt(wait), tostring(num('rs')), tostring(n)}
elseif op == 'recheck' then
  local epoch = tonumber(ARGV[3])
  local tokens = tonumber(ARGV[4])
  local rs = num('rs')
  if epoch == rs then return {'ok', '0', tostring(rs)} end
  -- The old claim went with the reset, unrefunded; queue again behind the pause.
  redis.call('HINCRBYFLOAT', key, 'ifr', -1)
  redis.call('HINCRBYFLOAT', key, 'ift', -tokens)
  local ok, wait = claim(tokens, tonumber(ARGV[5]))
  if not ok then return {'late', fmt(wait)} end
  return {'ok', fmt(wait), tostring(rs)}
elseif op == 'give' then
  local requests = tonumber(ARGV[3])
  local tokens = tonumber(ARGV[4])
  local reserved = tonumber(ARGV[5])
  if ARGV[6] == '' or tonumber(ARGV[6]) == num('rs') then
    for _, kind in ipairs(kinds) do
      local amount = requests
      if kind == 't' then amount = tokens end
      if amount ~= 0 then
        for _, p in ipairs(periods) do
          local c = cap(kind, p)
          if c then put(kind, p, math.min(c, level(kind, p, c) + amount)) end
        end
      end
    end
  end
  redis.call('HINCRBYFLOAT', key, 'ifr', -1)
  redis.call('HINCRBYFLOAT', key, 'ift', -reserved)
  observe_from(7)
  return {'ok'}
elseif op == 'observe' then
  observe_from(3)
  redis.call('EXPIRE', key, 172800)
  return {'ok'}
elseif op == 'pause' then
  local nb = math.max(num('nb'), now + tonumber(ARGV[3]))
  redis.call('HSET', key, 'nb', fmt(nb))
  local rs = redis.call('HINCRBY', key, 'rs', 1)
  local pause = nb - now
  for _, kind in ipairs(kinds) do
    -- A retry-after is when one request fits again: that one, then the rate.
    local first = 0
    if kind == 'r' then first = 1 end
    for _, p in ipairs(periods) do
      local c = cap(kind, p)
      if c and (p <= 60 or pause > 60) then
        put(kind, p, math.min(c, first) - pause * c / p)
      end
    end
  end
  redis.call('EXPIRE', key, 172800)
  return {'ok', tostring(rs)}
elseif op == 'snapshot' then
  local out = {}
  for _, kind in ipairs(kinds) do
    for _, p in ipairs(periods) do
      local c = cap(kind, p)
      if c then
        table.insert(out, kind .. ':' .. p)
        table.insert(out, fmt(level(kind, p, c)))
      end
    end
  end
  return out
end
return redis.error_reply('ERR synaptic budget script: unknown operation ' .. tostring(op))
"""

#: Redis names a cached script by its SHA-1 (``EVALSHA``).
SHA = hashlib.sha1(SCRIPT.encode(), usedforsecurity=False).hexdigest()
