"""The Lua scripts: every write (and every read that must see one consistent session) is one
script, so it is atomic and costs one round trip. Sync and async stores run the same ones.

Conventions shared by all scripts:

* ``KEYS`` starts with the session's five keys in ``keys.SESSION_PARTS`` order (meta, msgs,
  state, recs, rord); scripts that touch the indexes receive them after those.
* The reply is a table whose first element is a status: ``ok``, ``missing`` (no such live
  session), ``exists``, ``nan`` (not a number) or ``range`` (number out of range).
* A message is stored as ``<index>|<message JSON>``; the meta hash holds each SessionInfo
  field as JSON, plus ``_exp`` (expiry, ms since the epoch) and ``_rseq`` (record counter).
  A session's info is returned as those fields' values (``codec.INFO_FIELDS`` order) and
  the message count.
* Every key a script writes gets the session's expiry (``PEXPIREAT``), so keys created
  after the TTL was set expire with the rest of the session.

Scripts start with a ``#!lua`` line (Redis 7+): a script that may write is refused as a whole
when Redis is out of memory, instead of failing half way; read-only ones are marked
``no-writes``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from tether_redis.codec import INFO_FIELDS

PRELUDE = (
    ("local INFO_FIELDS = {" + ", ".join(f"'{name}'" for name in INFO_FIELDS) + "}\n")
    + r"""
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A live session's next index and expiry (a string, or false); nil if absent or expired.
local function open_session(meta)
  local f = redis.call('HMGET', meta, 'next_index', '_exp')
  if not f[1] then return nil end
  if f[2] and tonumber(f[2]) <= now_ms() then return nil end
  return tonumber(f[1]), f[2]
end

-- True if no live session uses these five keys; an expired one is removed first.
local function vacant(meta, msgs, state, recs, rord)
  local f = redis.call('HMGET', meta, 'next_index', '_exp')
  if f[1] and (not f[2] or tonumber(f[2]) > now_ms()) then return false end
  redis.call('DEL', meta, msgs, state, recs, rord)
  return true
end

local function expire(exp, ...)
  if exp then
    for _, k in ipairs({...}) do redis.call('PEXPIREAT', k, exp) end
  end
end

-- Call fn(...) with the items in slices small enough for unpack().
local function chunked(items, fn)
  for i = 1, #items, 1000 do fn(unpack(items, i, math.min(i + 999, #items))) end
end

local function index_of(element)
  local index = tonumber(string.match(element, '^(%-?%d+)|'))
  if not index then
    error({err = 'CORRUPT a stored message has no index: ' .. string.sub(element, 1, 40)})
  end
  return index
end

-- Where the message list stands: its length, first index and whether indexes are
-- contiguous (always, unless an import brought gaps).
local function layout(msgs)
  local n = redis.call('LLEN', msgs)
  if n == 0 then return {n = 0, key = msgs} end
  local first = index_of(redis.call('LINDEX', msgs, 0))
  local last = index_of(redis.call('LINDEX', msgs, -1))
  return {n = n, key = msgs, first = first, dense = (last - first + 1 == n)}
end

-- The first list position whose message index is >= x (the length if none): O(1) when the
-- indexes are contiguous, a binary search otherwise.
local function position(l, x)
  if l.n == 0 or x <= l.first then return 0 end
  if l.dense then return math.min(x - l.first, l.n) end
  local lo, hi = 0, l.n
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if index_of(redis.call('LINDEX', l.key, mid)) < x then lo = mid + 1 else hi = mid end
  end
  return lo
end

-- Enter a session in the listing indexes and, if it has one, the expiry index.
local function index_session(user_idx, all_idx, expiring, member_u, member_a, score, exp)
  redis.call('ZADD', user_idx, score, member_u)
  redis.call('ZADD', all_idx, score, member_a)
  if exp then
    redis.call('ZADD', expiring, exp, member_a)
  else
    redis.call('ZREM', expiring, member_a)
  end
end

-- The session's info fields (in codec.INFO_FIELDS order) and its message count.
local function info(meta, msgs)
  return redis.call('HMGET', meta, unpack(INFO_FIELDS)), redis.call('LLEN', msgs)
end

local function optional(value)
  if value == '' then return false end
  return value
end
"""
)


@dataclass(frozen=True)
class Script:
    """A Lua script: its source and the SHA1 that EVALSHA names it by."""

    name: str
    source: str
    readonly: bool
    sha: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha", hashlib.sha1(self.source.encode()).hexdigest())


def _script(name: str, body: str, *, readonly: bool = False) -> Script:
    shebang = "#!lua flags=no-writes\n" if readonly else "#!lua\n"
    return Script(name, shebang + PRELUDE + body, readonly)


# KEYS: session, user index, all index, expiring.
# ARGV: exist_ok, user member, all member, score, expiry or '', info field/value pairs...
CREATE = _script(
    "create",
    """
if not vacant(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]) then
  if ARGV[1] == '1' then
    return {'exists', info(KEYS[1], KEYS[2])}
  end
  return {'exists'}
end
local exp = optional(ARGV[5])
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
index_session(KEYS[6], KEYS[7], KEYS[8], ARGV[2], ARGV[3], ARGV[4], exp)
expire(exp, KEYS[1])
return {'ok'}
""",
)

# KEYS: session. The info and the message count.
GET = _script(
    "get",
    """
if not open_session(KEYS[1]) then return {'missing'} end
return {'ok', info(KEYS[1], KEYS[2])}
""",
    readonly=True,
)

# KEYS: session, expiring. ARGV: all member, 'keep'|'set'|'clear', expiry, field/value pairs.
UPDATE = _script(
    "update",
    """
if not open_session(KEYS[1]) then return {'missing'} end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
local mode = ARGV[2]
if mode == 'set' then redis.call('HSET', KEYS[1], '_exp', ARGV[3]) end
if mode == 'clear' then redis.call('HDEL', KEYS[1], '_exp') end
local reply = {'ok', info(KEYS[1], KEYS[2])}
if mode == 'set' then
  for i = 1, 5 do redis.call('PEXPIREAT', KEYS[i], ARGV[3]) end
  redis.call('ZADD', KEYS[6], ARGV[3], ARGV[1])
elseif mode == 'clear' then
  for i = 1, 5 do redis.call('PERSIST', KEYS[i]) end
  redis.call('ZREM', KEYS[6], ARGV[1])
end
return reply
""",
)

# KEYS: session, user index, all index, expiring. ARGV: user member, all member.
DELETE = _script(
    "delete",
    """
local live = open_session(KEYS[1]) ~= nil
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('ZREM', KEYS[6], ARGV[1])
redis.call('ZREM', KEYS[7], ARGV[2])
redis.call('ZREM', KEYS[8], ARGV[2])
if live then return {'ok', 1} end
return {'ok', 0}
""",
)

# KEYS: session, user index, all index, expiring. ARGV: user member, all member.
# Removes an expired session left in the indexes; 0 if the session is live after all.
PURGE = _script(
    "purge",
    """
local f = redis.call('HMGET', KEYS[1], 'next_index', '_exp')
if f[1] and (not f[2] or tonumber(f[2]) > now_ms()) then
  if f[2] then
    redis.call('ZADD', KEYS[8], f[2], ARGV[2])
  else
    redis.call('ZREM', KEYS[8], ARGV[2])
  end
  return 0
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('ZREM', KEYS[6], ARGV[1])
redis.call('ZREM', KEYS[7], ARGV[2])
redis.call('ZREM', KEYS[8], ARGV[2])
return 1
""",
)

# KEYS: session. ARGV: updated_at (JSON), message JSON... Reply: ok, first index.
APPEND = _script(
    "append",
    """
local nxt, exp = open_session(KEYS[1])
if not nxt then return {'missing'} end
local count = #ARGV - 1
local first = redis.call('HINCRBY', KEYS[1], 'next_index', count) - count
local items = {}
for i = 2, #ARGV do items[i - 1] = string.format('%d|', first + i - 2) .. ARGV[i] end
chunked(items, function(...) redis.call('RPUSH', KEYS[2], ...) end)
redis.call('HSET', KEYS[1], 'updated_at', ARGV[1])
expire(exp, KEYS[2])
return {'ok', first}
""",
)

# KEYS: session. ARGV: after, before, limit ('' for none), '1' to take from the newest end.
READ = _script(
    "read",
    """
if not open_session(KEYS[1]) then return {'missing'} end
local l = layout(KEYS[2])
local lo, hi = 0, l.n
if ARGV[1] ~= '' then lo = position(l, tonumber(ARGV[1]) + 1) end
if ARGV[2] ~= '' then hi = position(l, tonumber(ARGV[2])) end
if ARGV[3] ~= '' then
  local limit = tonumber(ARGV[3])
  if ARGV[4] == '1' then lo = math.max(lo, hi - limit) else hi = math.min(hi, lo + limit) end
end
if hi <= lo then return {'ok', {}} end
return {'ok', redis.call('LRANGE', KEYS[2], lo, hi - 1)}
""",
    readonly=True,
)

COUNT = _script(
    "count",
    """
if not open_session(KEYS[1]) then return {'missing'} end
return {'ok', redis.call('LLEN', KEYS[2])}
""",
    readonly=True,
)

CLEAR = _script(
    "clear",
    """
if not open_session(KEYS[1]) then return {'missing'} end
local n = redis.call('LLEN', KEYS[2])
redis.call('DEL', KEYS[2])
return {'ok', n}
""",
)

# ARGV: how many of the newest messages to keep.
TRIM = _script(
    "trim",
    """
if not open_session(KEYS[1]) then return {'missing'} end
local keep = tonumber(ARGV[1])
local drop = redis.call('LLEN', KEYS[2]) - keep
if drop <= 0 then return {'ok', 0} end
if keep == 0 then redis.call('DEL', KEYS[2]) else redis.call('LTRIM', KEYS[2], drop, -1) end
return {'ok', drop}
""",
)

# ARGV: position, '1' to replace the state, state field/value pairs...
REWIND = _script(
    "rewind",
    """
local nxt, exp = open_session(KEYS[1])
if not nxt then return {'missing'} end
local l = layout(KEYS[2])
local keep = position(l, tonumber(ARGV[1]))
if keep == 0 then
  redis.call('DEL', KEYS[2])
elseif keep < l.n then
  redis.call('LTRIM', KEYS[2], 0, keep - 1)
end
redis.call('HSET', KEYS[1], 'next_index', ARGV[1])
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[3])
  if #ARGV > 2 then
    redis.call('HSET', KEYS[3], unpack(ARGV, 3))
    expire(exp, KEYS[3])
  end
end
return {'ok'}
""",
)

LOAD_STATE = _script(
    "load_state",
    """
if not open_session(KEYS[1]) then return {'missing'} end
return {'ok', redis.call('HGETALL', KEYS[3])}
""",
    readonly=True,
)

# ARGV: state field/value pairs (JSON values).
SAVE_STATE = _script(
    "save_state",
    """
local nxt, exp = open_session(KEYS[1])
if not nxt then return {'missing'} end
redis.call('DEL', KEYS[3])
if #ARGV > 0 then
  redis.call('HSET', KEYS[3], unpack(ARGV))
  expire(exp, KEYS[3])
end
return {'ok'}
""",
)

# ARGV: name, JSON value.
SET_STATE = _script(
    "set_state",
    """
local nxt, exp = open_session(KEYS[1])
if not nxt then return {'missing'} end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
expire(exp, KEYS[3])
return {'ok'}
""",
)

# ARGV: name, amount (JSON number), '1' if the amount is an integer. Integers add exactly
# (HINCRBY, 64-bit); anything else adds as doubles, written with 17 significant digits so the
# value reads back as the same double (and with '.0' so it stays a float).
INCREMENT = _script(
    "increment",
    """
local nxt, exp = open_session(KEYS[1])
if not nxt then return {'missing'} end
local current = redis.call('HGET', KEYS[3], ARGV[1])
if current and not string.match(current, '^%-?%d') then return {'nan', current} end
local result
if ARGV[3] == '1' and (not current or string.match(current, '^%-?%d+$')) then
  local r = redis.pcall('HINCRBY', KEYS[3], ARGV[1], ARGV[2])
  if type(r) == 'table' and r.err then return {'range', current or '0'} end
  result = redis.call('HGET', KEYS[3], ARGV[1])
else
  local v = tonumber(current or '0') + tonumber(ARGV[2])
  if v ~= v or v == math.huge or v == -math.huge then return {'range', current or '0'} end
  result = string.format('%.17g', v)
  if not string.find(result, '[%.eEn]') then result = result .. '.0' end
  redis.call('HSET', KEYS[3], ARGV[1], result)
end
expire(exp, KEYS[3])
return {'ok', result}
""",
)

# ARGV: record field ('<kind>:<id>'), JSON. The first put fixes the record's place in order.
PUT_RECORD = _script(
    "put_record",
    """
local nxt, exp = open_session(KEYS[1])
if not nxt then return {'missing'} end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
if not redis.call('ZSCORE', KEYS[5], ARGV[1]) then
  redis.call('ZADD', KEYS[5], redis.call('HINCRBY', KEYS[1], '_rseq', 1), ARGV[1])
end
expire(exp, KEYS[4], KEYS[5])
return {'ok'}
""",
)

GET_RECORD = _script(
    "get_record",
    """
if not open_session(KEYS[1]) then return {'missing'} end
return {'ok', redis.call('HGET', KEYS[4], ARGV[1])}
""",
    readonly=True,
)

# ARGV: field prefix ('<kind>:'). The records of that kind in insertion order.
LIST_RECORDS = _script(
    "list_records",
    """
if not open_session(KEYS[1]) then return {'missing'} end
local fields = {}
for _, f in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
  if string.sub(f, 1, #ARGV[1]) == ARGV[1] then fields[#fields + 1] = f end
end
local out = {}
chunked(fields, function(...)
  for _, v in ipairs(redis.call('HMGET', KEYS[4], ...)) do out[#out + 1] = v end
end)
return {'ok', out}
""",
    readonly=True,
)

# ARGV: record fields.
DELETE_RECORDS = _script(
    "delete_records",
    """
if not open_session(KEYS[1]) then return {'missing'} end
chunked(ARGV, function(...)
  redis.call('HDEL', KEYS[4], ...)
  redis.call('ZREM', KEYS[5], ...)
end)
return {'ok'}
""",
)

# KEYS: source session (1-5), new session (6-10), user index, all index, expiring.
# ARGV: fork index, user member, all member, score, expiry or '', number of info arguments,
# info field/value pairs, state field/value pairs.
FORK = _script(
    "fork",
    """
if not open_session(KEYS[1]) then return {'missing'} end
if not vacant(KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]) then return {'exists'} end
local exp = optional(ARGV[5])
local l = layout(KEYS[2])
local count = position(l, tonumber(ARGV[1]))
for start = 0, count - 1, 1000 do
  local items = redis.call('LRANGE', KEYS[2], start, math.min(start + 999, count - 1))
  redis.call('RPUSH', KEYS[7], unpack(items))
end
local info_end = 6 + tonumber(ARGV[6])
redis.call('HSET', KEYS[6], unpack(ARGV, 7, info_end))
if #ARGV > info_end then redis.call('HSET', KEYS[8], unpack(ARGV, info_end + 1)) end
index_session(KEYS[11], KEYS[12], KEYS[13], ARGV[2], ARGV[3], ARGV[4], exp)
expire(exp, KEYS[6], KEYS[7], KEYS[8])
return {'ok', count}
""",
)

# KEYS: session, user index, all index, expiring.
# ARGV: replace, user member, all member, score, expiry or '', the number of info arguments,
# of state arguments and of record arguments, then those groups (field/value pairs; records
# in their order), then the message elements ('<index>|<JSON>').
IMPORT = _script(
    "import",
    """
local k = KEYS
if ARGV[1] == '1' then
  redis.call('DEL', k[1], k[2], k[3], k[4], k[5])
elseif not vacant(k[1], k[2], k[3], k[4], k[5]) then
  return {'exists'}
end
local exp = optional(ARGV[5])
local n_info, n_state, n_recs = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local at = 9
redis.call('HSET', k[1], unpack(ARGV, at, at + n_info - 1))
at = at + n_info
if n_state > 0 then redis.call('HSET', k[3], unpack(ARGV, at, at + n_state - 1)) end
at = at + n_state
local seq = 0
for i = at, at + n_recs - 1, 2 do
  seq = seq + 1
  redis.call('HSET', k[4], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', k[5], seq, ARGV[i])
end
redis.call('HSET', k[1], '_rseq', seq)
at = at + n_recs
local items = {}
for i = at, #ARGV do items[#items + 1] = ARGV[i] end
chunked(items, function(...) redis.call('RPUSH', k[2], ...) end)
index_session(k[6], k[7], k[8], ARGV[2], ARGV[3], ARGV[4], exp)
expire(exp, k[1], k[2], k[3], k[4], k[5])
return {'ok'}
""",
)
