"""After the signature: claim the request's nonce, then count it against its key's rate limit.

Both answers decide the request together (a reused nonce is refused and counts nothing
against the key), so on Redis they are one Lua script: one round trip instead of four
(the caller's failure window, ``SET NX``, then ``limits``' increment and its expiry
read). The script looks at the caller's failure window first, as the gate's first check
does in memory (``RateLimiter.blocked``, which on Redis knows only what this process
saw): a caller over its failure limit gets the same 429, nothing claimed or counted. In
memory they are two dict operations of this process.
"""

from __future__ import annotations

from limits import RateLimitItem

from reseller_api.conventions.nonces import MemoryNonceStore, redis_nonce_key, redis_nonce_seconds
from reseller_api.conventions.ratelimit import Decision, RateLimiter

# KEYS[1]: the caller's failure window, KEYS[2]: the nonce, KEYS[3]: the key's window;
# ARGV[1]: the failure limit, ARGV[2]: the nonce's lifetime, ARGV[3]: the key window's
# length (seconds). Returns {2, failures, ms left} when the caller is over its failure
# limit (nothing claimed, nothing counted), {0} for a reused nonce (nothing counted),
# else {1, count, ms left in the key's window}.
ADMIT_SCRIPT = """
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures >= tonumber(ARGV[1]) then return {2, failures, redis.call('PTTL', KEYS[1])} end
if not redis.call('SET', KEYS[2], 1, 'NX', 'EX', ARGV[2]) then return {0} end
local count = redis.call('INCRBY', KEYS[3], 1)
if count == 1 then redis.call('EXPIRE', KEYS[3], ARGV[3]) end
return {1, count, redis.call('PTTL', KEYS[3])}
"""


class Admission:
    """The nonce and the rate limit, kept where the limiter keeps its windows (memory or Redis)."""

    def __init__(self, limiter: RateLimiter, window_seconds: int, prefix: str = "reseller-api") -> None:
        self.limiter = limiter
        self.nonces: MemoryNonceStore | None = None
        if limiter.redis is None:
            self.nonces = MemoryNonceStore(window_seconds)
        else:
            self._script = limiter.redis.register_script(ADMIT_SCRIPT)
            self._prefix = prefix
            self._nonce_seconds = redis_nonce_seconds(window_seconds)

    async def admit(
        self,
        item: RateLimitItem,
        identity: str,
        api_key: str,
        nonce: str,
        timestamp: int,
        now: float,
        failures: tuple[RateLimitItem, str],
    ) -> Decision | None:
        """The rate-limit verdict for this request, or None when its nonce was already used.

        ``item`` and ``identity``: the key's limit; ``failures``: the caller's failure limit
        and identity (on Redis, a caller over it is refused with its 429).
        """
        if self.nonces is not None:
            if not self.nonces.use(api_key, nonce, timestamp, now):
                return None
            return self.limiter.hit_local(item, identity)
        failure_item, failure_identity = failures
        answer = await self._script(
            keys=[
                self.limiter.key(failure_item, failure_identity),
                redis_nonce_key(self._prefix, api_key, nonce),
                self.limiter.key(item, identity),
            ],
            args=[failure_item.amount, self._nonce_seconds, item.get_expiry()],
            client=self.limiter.client(),
        )
        verdict = int(answer[0])
        if verdict == 0:
            return None
        if verdict == 2:
            return self.limiter.decide_remote(
                failure_item, failure_identity, answer[1], answer[2], refused=True
            )
        return self.limiter.decide_remote(item, identity, answer[1], answer[2])
