"""The audio budget's Lua script: ``synaptic_core.audio.AudioBudget``'s arithmetic, one
atomic call per operation, on the Redis server's clock (``TIME``).

Buckets are named ``<kind>:<period>``: ``r`` requests (one per request), ``s`` audio
seconds (the upload's, at least 10: Groq bills 10 s at least); ``ARGV[2]`` names their
capacities as JSON (``{"r:60": 20, "s:3600": 7200, ...}``). Each starts full at its
first use (as the server's do), refills continuously and goes into debt, so waits are
handed out first come, first served. ``KEYS[1]`` the budget (a hash: ``<name>:l``
level, ``<name>:s`` stamp), ``KEYS[2]`` its workers (a sorted set, worker -> last
reserve), so each process knows its share for when Redis is away.

Operations: ``reserve seconds max_wait worker window`` -> ``ok wait workers`` / ``late
wait workers`` (nothing taken) / ``never capacity period`` (longer than a bucket
holds); ``give seconds`` (a claim back); ``refused seconds pause kind room`` (a 429:
the claim back, and the kind it named, ``r`` or ``s``, paused); ``snapshot``.
"""

from __future__ import annotations

import hashlib

AUDIO_SCRIPT = """
local key = KEYS[1]
local workers = KEYS[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local op = ARGV[1]
local conf = cjson.decode(ARGV[2])

local function fmt(x) return string.format('%.17g', x) end

local function level(name, c, p)
  local l = tonumber(redis.call('HGET', key, name .. ':l'))
  local s = tonumber(redis.call('HGET', key, name .. ':s'))
  if l == nil then return c end
  if now > s then l = math.min(c, l + (now - s) * c / p) end
  return l
end

local function each(amount_of)
  local out = {}
  for name, c in pairs(conf) do
    local kind, p = string.match(name, '^(%a+):(%d+)$')
    table.insert(out, {name, tonumber(c), tonumber(p), amount_of(kind)})
  end
  return out
end

if op == 'reserve' then
  local seconds = tonumber(ARGV[3])
  local max_wait = tonumber(ARGV[4])
  redis.call('ZADD', workers, now, ARGV[5])
  redis.call('ZREMRANGEBYSCORE', workers, '-inf', now - tonumber(ARGV[6]))
  redis.call('EXPIRE', workers, 2 * tonumber(ARGV[6]))
  local n = redis.call('ZCARD', workers)
  local buckets = each(function(kind) if kind == 'r' then return 1 end return seconds end)
  local wait = 0
  for _, b in ipairs(buckets) do
    if b[4] > b[2] then return {'never', fmt(b[2]), tostring(b[3])} end
    b[5] = level(b[1], b[2], b[3]) - b[4]
    if b[5] < 0 then wait = math.max(wait, -b[5] * b[3] / b[2]) end
  end
  if max_wait >= 0 and wait > max_wait then return {'late', fmt(wait), tostring(n)} end
  for _, b in ipairs(buckets) do
    redis.call('HSET', key, b[1] .. ':l', fmt(b[5]), b[1] .. ':s', fmt(now))
  end
  redis.call('EXPIRE', key, 172800)
  return {'ok', fmt(wait), tostring(n)}
elseif op == 'give' then
  local seconds = tonumber(ARGV[3])
  for _, b in ipairs(each(function(kind) if kind == 'r' then return 1 end return seconds end)) do
    local l = math.min(b[2], level(b[1], b[2], b[3]) + b[4])
    redis.call('HSET', key, b[1] .. ':l', fmt(l), b[1] .. ':s', fmt(now))
  end
  return {'ok'}
elseif op == 'refused' then
  -- A 429: the claim back, then the named kind's short buckets empty until the pause
  -- ends, with `room` at its end (one request, or the refused audio's seconds).
  local seconds = tonumber(ARGV[3])
  local pause = tonumber(ARGV[4])
  local named = ARGV[5]
  local room = tonumber(ARGV[6])
  for _, b in ipairs(each(function(kind) if kind == 'r' then return 1 end return seconds end)) do
    local kind = string.sub(b[1], 1, 1)
    local l = math.min(b[2], level(b[1], b[2], b[3]) + b[4])
    if pause > 0 and kind == named and b[3] <= 3600 then
      -- lowered, never raised: claims already queued keep their places
      l = math.min(l, math.min(b[2], room) - pause * b[2] / b[3])
    end
    redis.call('HSET', key, b[1] .. ':l', fmt(l), b[1] .. ':s', fmt(now))
  end
  redis.call('EXPIRE', key, 172800)
  return {'ok'}
elseif op == 'snapshot' then
  local out = {}
  for _, b in ipairs(each(function() return 0 end)) do
    table.insert(out, b[1])
    table.insert(out, fmt(level(b[1], b[2], b[3])))
  end
  return out
end
return redis.error_reply('ERR synaptic audio budget script: unknown operation ' .. tostring(op))
"""

AUDIO_SHA = hashlib.sha1(AUDIO_SCRIPT.encode(), usedforsecurity=False).hexdigest()
