"""A lease-based lock on a virtual clock: renewals, process pauses, clock jumps and fencing tokens.

A lease is a lock with an expiry date, like a library loan: if you do not renew it, the book
goes to the next reader. It frees the lock when its holder crashes — and for the same reason
it cannot stop a holder that is merely *paused* (a long garbage-collection pause, a VM
migration) from waking up and acting on a loan that has already gone to someone else. The
lock server hands out a **fencing token** (a counter, one higher at every grant) with each
lease; the protected resource remembers the highest token it has seen and refuses a write
with a lower one. That, not the lease, is what stops the stale holder.

:func:`simulate_lease_lock` runs two clients ``A`` and ``B`` against one lock server (``SET
key owner NX PX lease`` and a compare-owner renewal, as on Redis) and one resource, on the
kit's virtual clock (:class:`course.sim.loop.EventLoop`). ``A`` takes the lock first and
writes every ``write_every_s``; at ``pause_at_s`` it has just checked that its lease is
valid and is about to write when it freezes for ``pause_s``; on waking it sends that write.
Optionally the lock server's clock jumps forward by ``clock_jump_s`` at ``clock_jump_at_s``
(the key expires early by the server's clock while ``A``'s own clock says its lease holds).
Network delays are drawn from the seed. The result holds tidy records, one row per event.

Kubernetes' leader election uses the same idea with a Lease object; its defaults are
:data:`KUBERNETES_DEFAULTS` (source: :data:`KUBERNETES_SOURCE`).

>>> run = simulate_lease_lock(fencing=True, seed=1)
>>> run.stale_writes_rejected, run.corrupted
(1, False)
>>> simulate_lease_lock(fencing=False, seed=1).corrupted
True

Taught in: Ep17 · 1-foundations (leases and fencing); 2-implementation (the same story on Redis).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from course.sim.loop import EventLoop
from course.validation import require_non_negative, require_positive, require_rng

__all__ = [
    "KUBERNETES_DEFAULTS", "KUBERNETES_SOURCE", "REDLOCK_CRITIQUE", "REDLOCK_REPLY",
    "LeaseRun", "simulate_lease_lock", "kubernetes_takeover_window",
]

#: The leader-election defaults (seconds) Kubernetes' components pass to client-go's leader
#: election, as declared in Kubernetes' own ``leaderelectionconfig`` package (v1.10, read on
#: godocs.io): ``DefaultLeaseDuration = 15 * time.Second``, ``DefaultRenewDeadline = 10 *
#: time.Second``, ``DefaultRetryPeriod = 2 * time.Second``. (client-go's own package page
#: could not be read here; the same three values are the components' flag defaults.)
KUBERNETES_DEFAULTS = {"lease_duration_s": 15.0, "renew_deadline_s": 10.0, "retry_period_s": 2.0}
KUBERNETES_SOURCE = "https://godocs.io/k8s.io/kubernetes/pkg/client/leaderelectionconfig@v1.10.0-alpha.0"
#: Martin Kleppmann, "How to do distributed locking", 8 February 2016.
REDLOCK_CRITIQUE = "https://martin.kleppmann.com/2016/02/08/how-to-do-distributed-locking.html"
#: Salvatore Sanfilippo (antirez), "Is Redlock safe?", 2016.
REDLOCK_REPLY = "http://antirez.com/news/101"

CLIENTS = ("A", "B")


def kubernetes_takeover_window(lease_duration_s: float = 15.0, retry_period_s: float = 2.0) -> tuple[float, float]:
    """Seconds after a leader's last renewal within which a waiting candidate takes over (s).

    A candidate may take the Lease once ``lease_duration_s`` have passed since it saw the
    last renewal, and it looks every ``retry_period_s``: so between the lease duration and
    the lease duration plus one retry period (network time and client-go's retry jitter left
    out). With the defaults: 15 to 17 s without a leader after a crash.

    >>> kubernetes_takeover_window()
    (15.0, 17.0)
    """
    lease_duration_s = require_positive("lease_duration_s", lease_duration_s)
    retry_period_s = require_positive("retry_period_s", retry_period_s)
    return lease_duration_s, lease_duration_s + retry_period_s


@dataclass
class _Client:
    name: str
    token: int = 0
    #: the client's own belief: its lease is valid until this time of its own clock
    valid_until: float = -math.inf
    paused_until: float = -math.inf
    pending_write: bool = False
    gave_up: bool = False


@dataclass
class LeaseRun:
    """What happened in one run: tidy ``records`` and the lease intervals as the server granted them."""

    records: list[dict] = field(default_factory=list)
    #: (client, token, start_s, end_s): when the lock server considered each client the owner
    holdings: list[tuple] = field(default_factory=list)
    #: (start_s, end_s) of A's pause
    pause: tuple[float, float] = (math.nan, math.nan)
    fencing: bool = True

    @property
    def writes(self) -> list[dict]:
        """The rows of writes reaching the resource (accepted or rejected)."""
        return [r for r in self.records if r["event"] in ("write accepted", "write rejected")]

    @property
    def stale_writes_rejected(self) -> int:
        """Writes the resource refused because it had already seen a higher fencing token."""
        return sum(r["event"] == "write rejected" for r in self.records)

    @property
    def corrupted(self) -> bool:
        """True if the resource accepted a write whose token is lower than one it had already accepted."""
        return any(r["stale"] and r["event"] == "write accepted" for r in self.writes)


def simulate_lease_lock(lease_s: float = 10.0, renew_every_s: float = 3.0, pause_at_s: float = 5.0,
                        pause_s: float = 15.0, clock_jump_s: float = 0.0, clock_jump_at_s: float = 4.0,
                        fencing: bool = True, retry_every_s: float = 2.0, write_every_s: float = 1.0,
                        horizon_s: float = 40.0, network_delay_s: float = 0.005, seed=0) -> LeaseRun:
    """Two clients, one lease lock and one resource on a virtual clock (all times in seconds).

    ``A`` acquires at t = 0; ``B`` tries every ``retry_every_s`` from t = 0.5 s. A holder
    renews every ``renew_every_s`` (compare owner, then extend by ``lease_s``) and writes
    every ``write_every_s`` while its own clock says its lease is valid; a refused renewal
    tells it that it lost the lock. ``pause_s = 0`` means no pause, ``clock_jump_s = 0`` no
    jump. Each message takes a uniform random delay in [0, ``network_delay_s``].

    >>> run = simulate_lease_lock(pause_s=0.0, seed=3)
    >>> run.corrupted, {h[0] for h in run.holdings}
    (False, {'A'})
    """
    lease_s = require_positive("lease_s", lease_s)
    renew_every_s = require_positive("renew_every_s", renew_every_s)
    pause_at_s = require_non_negative("pause_at_s", pause_at_s)
    pause_s = require_non_negative("pause_s", pause_s)
    clock_jump_s = require_non_negative("clock_jump_s", clock_jump_s)
    clock_jump_at_s = require_non_negative("clock_jump_at_s", clock_jump_at_s)
    retry_every_s = require_positive("retry_every_s", retry_every_s)
    write_every_s = require_positive("write_every_s", write_every_s)
    horizon_s = require_positive("horizon_s", horizon_s)
    network_delay_s = require_non_negative("network_delay_s", network_delay_s)
    if horizon_s > 3600:
        raise ValueError(f"horizon_s must be at most 3600 s; got {horizon_s:g}")
    for name, period in (("renew_every_s", renew_every_s), ("retry_every_s", retry_every_s),
                         ("write_every_s", write_every_s)):
        if period < horizon_s / 10_000:   # bounds the work: at most 10,000 events of each kind
            raise ValueError(f"{name} must be at least horizon_s / 10,000 = {horizon_s / 10_000:g} s; "
                             f"got {period:g}")
    if renew_every_s >= lease_s:
        raise ValueError(f"renew_every_s must be < lease_s ({lease_s:g} s), or the lease lapses between "
                         f"renewals; got {renew_every_s:g}")
    rng = require_rng("seed", seed)

    loop = EventLoop()
    run = LeaseRun(fencing=bool(fencing))
    clients = {name: _Client(name) for name in CLIENTS}
    server = {"owner": None, "expires": -math.inf, "token": 0, "jump": 0.0, "granted_at": 0.0}
    resource = {"highest": 0}

    def record(actor, event, token=0, detail="", stale=False):
        run.records.append({"time_s": round(loop.now, 6), "actor": actor, "event": event,
                            "token": token, "stale": stale, "detail": detail})

    def server_now():
        return loop.now + server["jump"]

    def delay():
        return float(rng.uniform(0.0, network_delay_s)) if network_delay_s else 0.0

    def send(callback, argument):
        loop.schedule_in(delay(), callback, argument)

    def frozen(client, retry, argument):
        """A paused process does nothing: its due actions wait until it wakes up."""
        if loop.now < client.paused_until:
            loop.schedule_at(client.paused_until, retry, argument)
            return True
        return False

    def expire_if_due(_=None):
        if server["owner"] is not None and server_now() >= server["expires"]:
            owner = server["owner"]
            run.holdings.append((owner, server["token"], server["granted_at"], loop.now))
            record("lock server", "lease expired", server["token"], f"{owner}'s lease ran out by the server's clock")
            server["owner"] = None

    def watch_expiry():
        """Look again when the key is due to expire, so the record shows the moment it does."""
        loop.schedule_at(max(loop.now, server["expires"] - server["jump"]), expire_if_due)

    # --- the lock server ----------------------------------------------------------------
    def on_acquire(argument):
        name, sent_at = argument
        expire_if_due()
        if server["owner"] is None:                       # SET key owner NX PX lease
            server.update(owner=name, expires=server_now() + lease_s, granted_at=loop.now)
            server["token"] += 1                          # INCR: the fencing token
            watch_expiry()
            send(on_granted, (name, server["token"], sent_at))
        else:
            send(on_refused, name)

    def on_renew(argument):
        name, sent_at = argument
        expire_if_due()
        if server["owner"] == name:                       # compare owner, then PEXPIRE
            server["expires"] = server_now() + lease_s
            watch_expiry()
            send(on_renewed, (name, sent_at))
        else:
            send(on_renew_refused, name)

    # --- the resource ---------------------------------------------------------------------
    def on_write(argument):
        name, token = argument
        stale = token < resource["highest"]
        if fencing and stale:
            record("resource", "write rejected", token, f"{name}'s token {token} < highest seen {resource['highest']}",
                   stale=True)
            return
        resource["highest"] = max(resource["highest"], token)
        record("resource", "write accepted", token, f"from {name}", stale=stale)

    # --- the clients ---------------------------------------------------------------------
    def try_acquire(name):
        client = clients[name]
        if frozen(client, try_acquire, name) or client.token or client.gave_up:
            return
        record(name, "acquire sent")
        send(on_acquire, (name, loop.now))

    def on_granted(argument):
        name, token, sent_at = argument
        client = clients[name]
        # the lease counts from when the request was *sent*: the holder's safe, local estimate
        client.token, client.valid_until = token, sent_at + lease_s
        record(name, "acquired", token, f"valid until {client.valid_until:.3f} s by {name}'s clock")
        loop.schedule_in(renew_every_s, renew, name)
        write(name)

    def on_refused(name):
        record(name, "acquire refused", detail="key exists (NX)")
        loop.schedule_in(retry_every_s, try_acquire, name)

    def renew(name):
        client = clients[name]
        if frozen(client, renew, name) or client.gave_up:
            return
        send(on_renew, (name, loop.now))

    def on_renewed(argument):
        name, sent_at = argument
        client = clients[name]
        if client.gave_up:
            return
        client.valid_until = sent_at + lease_s
        record(name, "renewed", client.token, f"valid until {client.valid_until:.3f} s by {name}'s clock")
        loop.schedule_in(renew_every_s, renew, name)

    def on_renew_refused(name):
        client = clients[name]
        client.gave_up, client.valid_until = True, -math.inf
        record(name, "renewal refused: lost the lock", client.token, "stops writing")

    def write(name):
        client = clients[name]
        if frozen(client, write, name) or client.gave_up:
            return
        if client.pending_write:                         # woke up from a pause mid-write
            client.pending_write = False
            record(name, "write sent after pause", client.token, "no re-check of the lease after waking")
            send(on_write, (name, client.token))
        elif loop.now < client.valid_until:
            record(name, "write sent", client.token)
            send(on_write, (name, client.token))
        loop.schedule_in(write_every_s, write, name)

    def pause(name):
        client = clients[name]
        if client.gave_up or loop.now >= client.valid_until:
            return
        client.pending_write, client.paused_until = True, loop.now + pause_s
        run.pause = (loop.now, loop.now + pause_s)
        record(name, "pause begins", client.token, f"lease checked valid; about to write; frozen {pause_s:g} s")
        loop.schedule_at(client.paused_until, lambda n: record(n, "pause ends", clients[n].token), name)

    def jump(_):
        server["jump"] += clock_jump_s
        record("lock server", "clock jumps", detail=f"+{clock_jump_s:g} s")
        expire_if_due()
        if server["owner"] is not None:
            watch_expiry()

    loop.schedule_at(0.0, try_acquire, "A")
    loop.schedule_at(0.5, try_acquire, "B")
    if pause_s > 0:
        loop.schedule_at(pause_at_s, pause, "A")
    if clock_jump_s > 0:
        loop.schedule_at(clock_jump_at_s, jump, None)
    loop.run(until=horizon_s)
    if server["owner"] is not None:
        run.holdings.append((server["owner"], server["token"], server["granted_at"],
                             min(horizon_s, server["expires"] - server["jump"])))
    run.records.sort(key=lambda r: r["time_s"])
    return run

