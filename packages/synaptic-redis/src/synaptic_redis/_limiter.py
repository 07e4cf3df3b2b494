"""``RedisRateLimiter``: one budget for every process and machine that names the store.

The same arithmetic as the in-process store (``synaptic_core.pacing._buckets``:
continuously refilled buckets that go into debt, so waits are handed out first come,
first served), done by one Lua script per operation, so every update is atomic; time is
the Redis server's (``TIME``), never a machine's own clock, so hosts with skewed clocks
share one view. A budget is one hash, ``synaptic:budget:<provider>:<sha256 of the key,
16 hex>:<model>``: the API key itself never reaches Redis.

An outage never stops requests: the store falls back to a local budget (one warning),
tries Redis again after ``retry_interval`` seconds, and resyncs from the next response's
headers once it is back. ``on_outage="raise"`` raises ``NetworkError`` instead.
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any, Literal

from synaptic_core import NetworkError, RateLimitError, RateLimitInfo, RequestTooLargeError
from synaptic_core.pacing import Limits, LocalRateLimiter, Reservation

_SCRIPT = """
local key = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local op = ARGV[1]
local conf = cjson.decode(ARGV[2])

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
  redis.call('HSET', key, name .. ':l', tostring(l), name .. ':s', tostring(now))
end

local periods = {60, 86400}
local out = {}

if op == 'reserve' then
  local tokens = tonumber(ARGV[3])
  local max_wait = tonumber(ARGV[4])
  for _, p in ipairs(periods) do
    local c = cap('t', p)
    if c and tokens > c then return {'never', tostring(c), tostring(p)} end
  end
  local nb = tonumber(redis.call('HGET', key, 'nb') or '0')
  local wait = math.max(0, nb - now)
  local new = {}
  for _, kind in ipairs({'r', 't'}) do
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
  if max_wait >= 0 and wait > max_wait then return {'late', tostring(wait)} end
  for _, b in ipairs(new) do put(b[1], b[2], b[3]) end
  redis.call('HINCRBYFLOAT', key, 'ifr', 1)
  redis.call('HINCRBYFLOAT', key, 'ift', tokens)
  redis.call('EXPIRE', key, 172800)
  return {'ok', tostring(wait)}
elseif op == 'give' then
  local requests = tonumber(ARGV[3])
  local tokens = tonumber(ARGV[4])
  local reserved = tonumber(ARGV[5])
  for _, kind in ipairs({'r', 't'}) do
    local amount = requests
    if kind == 't' then amount = tokens end
    if amount ~= 0 then
      for _, p in ipairs(periods) do
        local c = cap(kind, p)
        if c then put(kind, p, math.min(c, level(kind, p, c) + amount)) end
      end
    end
  end
  redis.call('HINCRBYFLOAT', key, 'ifr', -1)
  redis.call('HINCRBYFLOAT', key, 'ift', -reserved)
  return {'ok'}
elseif op == 'pause' then
  local until_ = now + tonumber(ARGV[3])
  local nb = tonumber(redis.call('HGET', key, 'nb') or '0')
  if until_ > nb then redis.call('HSET', key, 'nb', tostring(until_)) end
  return {'ok'}
elseif op == 'observe' then
  local kind = ARGV[3]
  local p = tonumber(ARGV[4])
  local limit = tonumber(ARGV[5])
  local remaining = tonumber(ARGV[6])
  local c = cap(kind, p)
  if c == nil and limit then
    c = limit
    redis.call('HSET', key, kind .. ':' .. p .. ':c', tostring(limit))
  end
  if c and remaining then
    local field = 'ifr'
    if kind == 't' then field = 'ift' end
    local inflight = tonumber(redis.call('HGET', key, field) or '0')
    local seen = remaining - inflight
    local l = level(kind, p, c)
    if seen < l then l = seen end
    put(kind, p, l)
  end
  return {'ok'}
elseif op == 'snapshot' then
  for _, kind in ipairs({'r', 't'}) do
    for _, p in ipairs(periods) do
      local c = cap(kind, p)
      if c then
        table.insert(out, kind .. ':' .. p)
        table.insert(out, tostring(level(kind, p, c)))
      end
    end
  end
  return out
end
return {'unknown'}
"""

_NAMES = {"r": "requests", "t": "tokens"}


class RedisRateLimiter:
    """A ``RateLimiter`` whose budgets live in Redis (``redis://host:port/db``)."""

    def __init__(
        self,
        limits: Limits,
        *,
        url: str | None = None,
        header_periods: tuple[float, float] = (86_400.0, 60.0),
        on_outage: Literal["local", "raise"] = "local",
        retry_interval: float = 1.0,
        client: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import redis  # noqa: PLC0415 (the extra's dependency, loaded with the store)

        self.limits = limits
        self.url = url or limits.store or "redis://127.0.0.1:6379/0"
        self.header_periods = header_periods
        self.on_outage = on_outage
        self.retry_interval = retry_interval
        self._redis = redis
        self.client = client or redis.Redis.from_url(
            self.url, socket_timeout=2.0, socket_connect_timeout=2.0
        )
        self._script = self.client.register_script(_SCRIPT)
        self._conf = json.dumps(
            {
                k: v
                for k, v in {
                    "r:60": limits.capacity(limits.requests_per_minute),
                    "r:86400": limits.capacity(limits.requests_per_day),
                    "t:60": limits.capacity(limits.tokens_per_minute),
                    "t:86400": limits.capacity(limits.tokens_per_day),
                }.items()
                if v is not None
            }
        )
        self.local = LocalRateLimiter(limits, clock=clock, header_periods=header_periods)
        self._clock = clock
        self._down_until: float | None = None
        self._warned = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RedisRateLimiter({self._public_url()!r})"

    def _public_url(self) -> str:
        scheme, _, rest = self.url.partition("://")
        return f"{scheme}://{rest.rpartition('@')[2]}"  # never a password

    @staticmethod
    def redis_key(key: str) -> str:
        return f"synaptic:budget:{key}"

    # --- talking to Redis, or falling back ----------------------------------------------

    def _available(self) -> bool:
        with self._lock:
            return self._down_until is None or self._clock() >= self._down_until

    def _call(self, key: str, *args: Any) -> Any:
        """Run the script; None when Redis is down and the local budget takes over."""
        if not self._available():
            return None
        try:
            result = self._script(keys=[self.redis_key(key)], args=[args[0], self._conf, *args[1:]])
        except (self._redis.ConnectionError, self._redis.TimeoutError) as error:
            if self.on_outage == "raise":
                msg = f"the rate-limit store {self._public_url()} is unreachable: {error}"
                raise NetworkError(msg) from None
            with self._lock:
                self._down_until = self._clock() + self.retry_interval
                first = not self._warned
                self._warned = True
            if first:
                warnings.warn(
                    f"the rate-limit store {self._public_url()} is unreachable ({error}); "
                    "pacing with this process's own budget until it is back",
                    RuntimeWarning,
                    stacklevel=4,
                )
            return None
        with self._lock:
            if self._down_until is not None:
                self._down_until = None
                self._warned = False  # warn again at the next outage
        return [item.decode() if isinstance(item, bytes) else str(item) for item in result]

    # --- the RateLimiter protocol -------------------------------------------------------

    def reserve(self, key: str, tokens: int) -> Reservation:
        max_wait = self.limits.max_wait
        result = self._call(key, "reserve", tokens, -1 if max_wait is None else max_wait)
        if result is None:
            return self.local.reserve(key, tokens)
        status = result[0]
        if status == "never":
            per = "minute" if float(result[2]) == 60 else "day"
            msg = (
                f"this request needs about {tokens:,} tokens, more than the limit of "
                f"{int(float(result[1])):,} tokens per {per}: it can never be sent as is; "
                "lower max_tokens or shorten the prompt"
            )
            raise RequestTooLargeError(msg, code="rate_limit_exceeded")
        wait = float(result[1])
        if status == "late":
            msg = (
                f"the rate-limit budget needs a {wait:.1f}s wait, more than max_wait "
                f"({max_wait:g}s); raise max_wait or lower the load"
            )
            raise RateLimitError(msg, retry_after=wait, retryable=False)
        return Reservation(key, tokens, wait, self)

    def settle(self, key: str, reserved: int, used: int) -> None:
        self._call(key, "give", 0, reserved - used, reserved)  # lost in an outage: headers resync

    def refund(self, key: str, tokens: int) -> None:
        self._call(key, "give", 1, tokens, tokens)

    def pause(self, key: str, seconds: float) -> None:
        self.local.pause(key, seconds)  # also locally, so a fallback honours it
        self._call(key, "pause", seconds)

    def observe(self, key: str, info: RateLimitInfo | None) -> None:
        self.local.observe(key, info)
        if info is None:
            return
        requests_period, tokens_period = self.header_periods
        for kind, period, limit, remaining in (
            ("r", requests_period, info.limit_requests, info.remaining_requests),
            ("t", tokens_period, info.limit_tokens, info.remaining_tokens),
        ):
            if limit is not None or remaining is not None:
                self._call(
                    key,
                    "observe",
                    kind,
                    int(period),
                    "" if limit is None else limit,
                    "" if remaining is None else remaining,
                )

    def learn(self, key: str, kind: str, period: float, limit: int) -> None:
        """A limit named by a 429 (Groq's requests per minute), added empty."""
        self.local.learn(key, kind, period, limit)
        self._call(key, "observe", kind[0], int(period), limit, 0)

    def snapshot(self, key: str) -> dict[str, float]:
        """The levels of ``key``'s buckets in Redis now."""
        result = self._call(key, "snapshot") or []
        levels: dict[str, float] = {}
        for name, value in zip(result[::2], result[1::2], strict=False):
            kind, period = name.split(":")
            levels[f"{_NAMES[kind]}_per_{'minute' if period == '60' else 'day'}"] = float(value)
        return levels
