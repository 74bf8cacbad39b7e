"""The two Lua scripts of the Redis counter store: take a call's limits (with its session's marks), give back.

The arithmetic is ``limits.window``'s, line for line; Redis ``TIME`` is the clock. Both are sent as
``EVALSHA`` (loaded once), with every key in ``KEYS`` and the numbers packed, so that Redis parses
nothing but binary:

- a counter is one string: a zero byte, then ``struct.pack('<ddd', bucket, used, previous)``. A value
  in the text form of earlier versions (``"bucket used previous"``) is still read. Its expiry (two
  windows and a second) is set when the counter enters a new window and kept by every later write.
- ``TAKE``: ``KEYS`` = the counters, then (optionally) the session's marks (a hash: mark → value);
  ``ARGV[1]`` = per counter ``struct.pack('<dddd', window, aligned 1/0, max, cost)``; with marks,
  ``ARGV[2]`` = the stop groups (``"a,b;c"``: marks joined by ``,``, groups by ``;``), ``ARGV[3]`` =
  the marks to add (``"a,b"``), ``ARGV[4]`` = their value. Answers ``{1, bucket…}`` (every limit
  taken, the marks added), ``{2, index, used, retry_after}`` (that limit refused, ``-1``: never) or
  ``{3, mark, value, …}`` (a stop group is all marked: the marks; nothing taken).
- ``GIVE``: ``KEYS`` = the counters, ``ARGV[1]`` = per counter ``struct.pack('<dd', bucket, cost)``.
"""

from __future__ import annotations

import hashlib
import struct

__all__ = ["GIVE", "GIVE_SPEC", "MARKS_TTL", "TAKE", "TAKE_SPEC", "counter_state", "sha1"]

TAKE_SPEC = struct.Struct("<dddd")
STATE = struct.Struct("<ddd")
GIVE_SPEC = struct.Struct("<dd")
MARKS_TTL = 86_400  # a session's marks expire a day after it last added one

_READ_STATE = """
    if string.byte(v) == 0 then
      sb, sc, sp = struct.unpack('<ddd', v, 2)
    else
      sb, sc, sp = string.match(v, '^(%S+) (%S+) (%S+)$')
      sb, sc, sp = tonumber(sb), tonumber(sc), tonumber(sp)
    end"""

TAKE = (
    """
local specs = ARGV[1]
local n = #specs / 32
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local marks = KEYS[n + 1]
if marks and ARGV[2] ~= '' then
  local got = redis.call('HGETALL', marks)
  if #got > 0 then
    local seen = {}
    for i = 1, #got, 2 do seen[got[i]] = true end
    for group in string.gmatch(ARGV[2], '[^;]+') do
      local all = true
      for mark in string.gmatch(group, '[^,]+') do
        if not seen[mark] then all = false break end
      end
      if all then
        table.insert(got, 1, 3)
        return got
      end
    end
  end
end
local values = {}
if n > 0 then values = redis.call('MGET', unpack(KEYS, 1, n)) end
local states = {}
local pos = 1
for i = 1, n do
  local w, al, limit, cost
  w, al, limit, cost, pos = struct.unpack('<dddd', specs, pos)
  local b = math.floor(now / w)
  local cur, prev, same = 0, 0, false
  local v = values[i]
  if v then
    local sb, sc, sp"""
    + _READ_STATE
    + """
    if sb == b then
      cur, prev, same = sc, sp, true
    elseif sb == b - 1 then
      prev = sc
    end
  end
  local used = cur
  if al == 0 then used = cur + prev * (w - (now - b * w)) / w end
  if used + cost > limit then
    local retry = -1
    if cost <= limit then
      local nxt = (b + 1) * w
      if al == 1 then
        retry = nxt - now
      elseif cur + cost <= limit then
        retry = math.max(0, b * w + (1 - (limit - cur - cost) / prev) * w - now)
      else
        retry = nxt - now + (1 - (limit - cost) / cur) * w
      end
    end
    return {2, i, string.format('%.17g', used), string.format('%.17g', retry)}
  end
  states[i] = {b, cur + cost, prev, w, same}
end
local out = {1}
for i = 1, n do
  local s = states[i]
  out[i + 1] = s[1]
  local packed = '\\0' .. struct.pack('<ddd', s[1], s[2], s[3])
  if s[5] then
    redis.call('SET', KEYS[i], packed, 'KEEPTTL')
  else
    redis.call('SET', KEYS[i], packed, 'PX', math.ceil(s[4] * 2000) + 1000)
  end
end
if marks and ARGV[3] ~= '' then
  for mark in string.gmatch(ARGV[3], '[^,]+') do
    redis.call('HSETNX', marks, mark, ARGV[4])
  end
  redis.call('EXPIRE', marks, """
    + str(MARKS_TTL)
    + """)
end
return out
"""
)

GIVE = (
    """
local specs = ARGV[1]
local values = redis.call('MGET', unpack(KEYS))
local pos = 1
for i = 1, #KEYS do
  local b, cost
  b, cost, pos = struct.unpack('<dd', specs, pos)
  local v = values[i]
  if v then
    local sb, sc, sp"""
    + _READ_STATE
    + """
    if sb == b then
      sc = math.max(0, sc - cost)
    elseif sb == b + 1 then
      sp = math.max(0, sp - cost)
    end
    redis.call('SET', KEYS[i], '\\0' .. struct.pack('<ddd', sb, sc, sp), 'KEEPTTL')
  end
end
return 1
"""
)


def sha1(script: str) -> str:
    """The SHA-1 ``EVALSHA`` names a script by."""
    return hashlib.sha1(script.encode()).hexdigest()


def counter_state(value: bytes) -> tuple[int, float, float]:
    """A counter's stored value as ``(bucket, used, previous)`` (either form), as the scripts read it."""
    if value[:1] == b"\0":
        bucket, used, previous = STATE.unpack(value[1:])
    else:
        text = value.split()
        bucket, used, previous = float(text[0]), float(text[1]), float(text[2])
    return int(bucket), used, previous
