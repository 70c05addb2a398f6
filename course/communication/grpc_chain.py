"""A real gRPC service chain on loopback: deadlines propagate and cancel downstream work.

:class:`Chain` starts ``hops`` in-process gRPC servers on ``127.0.0.1`` (ports the system
picks), each calling the next: ``client → hop 0 → hop 1 → … → hop n-1``. Each hop does its
own ``work_s`` seconds of "work" (an interruptible wait) before calling the next hop, and the
last hop answers. With ``propagate=True`` every hop passes on what is left of *its* deadline
(``context.time_remaining()``, gRPC's ``grpc-timeout`` header) and cancels its outgoing call
when its own call ends — so when the client's deadline expires, the work below stops too.
With ``propagate=False`` the hops call downstream with no deadline and do not cancel: the
client gets ``DEADLINE_EXCEEDED`` while the hops below go on working for nobody.

Every hop writes what happened to it into ``chain.records`` (``completed``, ``cancelled``
during its work, or ``skipped``: the deadline had already passed when the call arrived).
Leaving the ``with`` block stops every server and channel and joins their threads.

The service is registered with *generic handlers* (no ``.proto`` file, no code generation
step); its messages are small JSON documents encoded as bytes. A production service would
describe them in protobuf — the wire protocol (HTTP/2 frames, ``grpc-timeout``, status
codes) is the same.

>>> with Chain(hops=2, work_s=0.0) as chain:
...     reply = chain.call(timeout_s=10.0)
>>> reply["path"], [r.outcome for r in sorted(chain.records)]
([0, 1], ['completed', 'completed'])

:func:`four_call_types` shows unary, server-streaming, client-streaming and bidirectional
calls on one server; :func:`measure_hop_overhead` times calls through chains of 1…n hops on
this machine (a measurement, so never printed where a test compares the output).

Taught in: Ep15 · 2-implementation (the real gRPC section).
"""

from __future__ import annotations

import json
import threading
import time
from concurrent import futures
from dataclasses import dataclass

import grpc
import numpy as np

from course.validation import require_int, require_non_negative, require_positive

__all__ = ["Chain", "HopRecord", "four_call_types", "measure_hop_overhead", "CALL_METHOD"]

#: The chain's one method (service ``dsu.Chain``, method ``Call``), a unary call.
CALL_METHOD = "/dsu.Chain/Call"
_LONGEST_WORK_S = 60.0
_NO_DEADLINE_S = 1e9


def remaining_now(context) -> float | None:
    """Seconds left before this call's deadline, or None if the caller set none."""
    remaining = context.time_remaining()
    return None if remaining is None or remaining > _NO_DEADLINE_S else max(remaining, 0.0)


def _encode(message) -> bytes:
    return json.dumps(message).encode()


def _decode(data: bytes):
    return json.loads(data.decode())


@dataclass(frozen=True, order=True)
class HopRecord:
    """What one hop did with one call: ``outcome`` is ``"completed"``, ``"cancelled"`` (its
    call ended — deadline or cancellation — during its work or while it waited for the hop
    below, a deadline or cancellation reported by the hop below included), ``"failed"`` (the
    hop below answered with another error, passed on) or ``"skipped"``
    (no time was left when the call arrived); ``deadline_s`` the time it had left on arrival (None: no
    deadline); ``worked_s`` the seconds of work it did."""

    hop: int
    outcome: str
    deadline_s: float | None
    worked_s: float


class Chain:
    """``hops`` gRPC servers on loopback, each calling the next (use it as a context manager).

    ``work_s`` is each hop's work in seconds, one number for every hop or one per hop;
    ``propagate`` passes deadlines on and cancels downstream calls (see the module docstring).

    >>> with Chain(hops=1) as chain:
    ...     chain.call(timeout_s=5.0)["path"]
    [0]
    """

    def __init__(self, hops: int = 3, work_s=0.0, propagate: bool = True):
        self.hops = require_int("hops", hops, minimum=1, maximum=8)
        works = [work_s] * self.hops if np.isscalar(work_s) else list(work_s)
        if len(works) != self.hops:
            raise ValueError(f"work_s must be one number or one per hop ({self.hops}); got "
                             f"{len(works)} values")
        self.work_s = [require_non_negative("work_s", w) for w in works]
        if max(self.work_s) > _LONGEST_WORK_S:
            raise ValueError(f"work_s must be at most {_LONGEST_WORK_S:g} s per hop; got "
                             f"{max(self.work_s):g}")
        self.propagate = bool(propagate)
        self.records: list[HopRecord] = []
        self.started: list[int] = []      # hops that began work, in order
        self._lock = threading.Lock()
        self._servers, self._pools, self._channels, self._stubs = [], [], [], []
        self.ports: list[int] = []
        self._open = False

    def __enter__(self) -> Chain:
        try:
            # Start from the last hop, so each server can be handed its downstream stub.
            for hop in reversed(range(self.hops)):
                self._start(hop)
        except BaseException:
            self.close()
            raise
        self.ports.reverse()
        self._stubs.reverse()
        self._open = True
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self, hop: int) -> None:
        downstream = self._stubs[-1] if self._stubs else None
        handler = grpc.method_handlers_generic_handler("dsu.Chain", {
            "Call": grpc.unary_unary_rpc_method_handler(
                self._handler(hop, downstream), request_deserializer=_decode,
                response_serializer=_encode)})
        pool = futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix=f"grpc-hop{hop}")
        server = grpc.server(pool, handlers=[handler])
        port = server.add_insecure_port("127.0.0.1:0")
        if port == 0:
            raise RuntimeError("could not bind a loopback port for the gRPC chain")
        self._pools.append(pool)
        self._servers.append(server)
        server.start()
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self._channels.append(channel)
        self._stubs.append(channel.unary_unary(CALL_METHOD, request_serializer=_encode,
                                               response_deserializer=_decode))
        self.ports.append(port)

    def _record(self, record: HopRecord) -> None:
        with self._lock:
            self.records.append(record)

    def _handler(self, hop: int, downstream):
        def handle(request, context):
            remaining = context.time_remaining()
            if remaining is not None and remaining > _NO_DEADLINE_S:
                remaining = None          # grpcio reports "no deadline" as ~9.2e18 s
            if remaining is not None and remaining <= 0:
                self._record(HopRecord(hop, "skipped", remaining, 0.0))
                context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, f"hop {hop}: no time left")
            ended = threading.Event()
            outgoing = []

            def on_end():
                # The call is over (deadline, cancellation, or done): stop working, and
                # cancel what we asked of the hop below.
                ended.set()
                if self.propagate:
                    for call in outgoing:
                        call.cancel()

            context.add_callback(on_end)
            with self._lock:
                self.started.append(hop)
            start = time.perf_counter()
            interrupted = ended.wait(self.work_s[hop]) if self.work_s[hop] else False
            worked = time.perf_counter() - start
            if interrupted:
                self._record(HopRecord(hop, "cancelled", remaining, worked))
                return None
            if downstream is None:
                self._record(HopRecord(hop, "completed", remaining, worked))
                return {"path": request.get("path", []) + [hop]}
            timeout = remaining_now(context) if self.propagate else None
            call = downstream.future({"path": request.get("path", []) + [hop]},
                                     timeout=timeout)
            outgoing.append(call)
            if ended.is_set() and self.propagate:
                call.cancel()
            try:
                reply = call.result()
            except grpc.FutureCancelledError:
                self._record(HopRecord(hop, "cancelled", remaining, worked))
                return None
            except grpc.RpcError as error:
                # With a propagated deadline the call below ends when ours does: whichever
                # of the two notices first, this hop's call is over, not failed.
                ended_too = error.code() in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED)
                self._record(HopRecord(hop, "cancelled" if ended_too else "failed", remaining, worked))
                context.abort(error.code(), f"hop {hop}: downstream said {error.details()}")
            self._record(HopRecord(hop, "completed", remaining, worked))
            return reply
        return handle

    def call(self, timeout_s: float | None = None) -> dict:
        """One call from the client to hop 0 with a deadline of ``timeout_s`` seconds (None:
        no deadline). Returns the reply ``{"path": [0, 1, …]}``; raises ``grpc.RpcError``
        (``.code()`` is ``grpc.StatusCode.DEADLINE_EXCEEDED`` when the deadline passed)."""
        if not self._open:
            raise ValueError("call() needs an open chain: use `with Chain(...) as chain:`")
        if timeout_s is not None:
            require_positive("timeout_s", timeout_s)
        return self._stubs[0]({"path": []}, timeout=timeout_s)

    def call_future(self, timeout_s: float | None = None):
        """Like :meth:`call`, without waiting: a ``grpc.Future`` the client may ``cancel()``."""
        if not self._open:
            raise ValueError("call_future() needs an open chain: use `with Chain(...) as chain:`")
        if timeout_s is not None:
            require_positive("timeout_s", timeout_s)
        return self._stubs[0].future({"path": []}, timeout=timeout_s)

    def wait_until_started(self, hop: int, timeout_s: float = 30.0) -> None:
        """Wait until ``hop`` has begun its work; raises ``TimeoutError`` after ``timeout_s`` s."""
        give_up = time.monotonic() + timeout_s
        while True:
            with self._lock:
                if hop in self.started:
                    return
            if time.monotonic() > give_up:
                raise TimeoutError(f"hop {hop} had not started after {timeout_s:g} s")
            time.sleep(0.01)

    def wait_for_records(self, count: int, timeout_s: float = 30.0) -> list[HopRecord]:
        """Wait until ``count`` hop records exist (the hops below may still be finishing
        after the client got its answer); return them sorted by hop. Raises ``TimeoutError``
        after ``timeout_s`` seconds."""
        give_up = time.monotonic() + timeout_s
        while True:
            with self._lock:
                if len(self.records) >= count:
                    return sorted(self.records)
            if time.monotonic() > give_up:
                raise TimeoutError(f"only {len(self.records)} of {count} hop records after "
                                   f"{timeout_s:g} s")
            time.sleep(0.01)

    def close(self) -> None:
        """Stop every server (cancelling calls still running), close every channel, join
        the server threads. Safe to call twice."""
        # Channels first: a server stopping under an open channel makes the C core log a
        # GOAWAY line to stderr.
        for channel in self._channels:
            channel.close()
        for server in self._servers:
            server.stop(grace=None).wait()
        for pool in self._pools:
            pool.shutdown(wait=True)
        self._servers, self._pools, self._channels, self._stubs = [], [], [], []
        self._open = False


def four_call_types() -> dict:
    """The four gRPC call types on one loopback server, each answered in full.

    Unary ``Square`` (one number in, its square out), server-streaming ``Countdown`` (n in,
    n … 1 out), client-streaming ``Sum`` (numbers in, their sum out) and bidirectional
    ``RunningSum`` (numbers in, the sum so far out after each).

    >>> four_call_types()
    {'unary': 49, 'server_streaming': [3, 2, 1], 'client_streaming': 10, 'bidirectional': [1, 3, 6, 10]}
    """
    def running_sum(numbers, context):
        total = 0
        for number in numbers:
            total += number
            yield total

    handlers = {
        "Square": grpc.unary_unary_rpc_method_handler(
            lambda n, context: n * n, request_deserializer=_decode, response_serializer=_encode),
        "Countdown": grpc.unary_stream_rpc_method_handler(
            lambda n, context: iter(range(n, 0, -1)), request_deserializer=_decode,
            response_serializer=_encode),
        "Sum": grpc.stream_unary_rpc_method_handler(
            lambda numbers, context: sum(numbers), request_deserializer=_decode,
            response_serializer=_encode),
        "RunningSum": grpc.stream_stream_rpc_method_handler(
            running_sum, request_deserializer=_decode, response_serializer=_encode),
    }
    pool = futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="grpc-demo")
    server = grpc.server(pool, handlers=[grpc.method_handlers_generic_handler("dsu.Demo",
                                                                              handlers)])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        kw = {"request_serializer": _encode, "response_deserializer": _decode}
        return {
            "unary": channel.unary_unary("/dsu.Demo/Square", **kw)(7, timeout=10),
            "server_streaming": list(channel.unary_stream("/dsu.Demo/Countdown", **kw)(
                3, timeout=10)),
            "client_streaming": channel.stream_unary("/dsu.Demo/Sum", **kw)(
                iter([1, 2, 3, 4]), timeout=10),
            "bidirectional": list(channel.stream_stream("/dsu.Demo/RunningSum", **kw)(
                iter([1, 2, 3, 4]), timeout=10)),
        }
    finally:
        channel.close()
        server.stop(grace=None).wait()
        pool.shutdown(wait=True)


def measure_hop_overhead(max_hops: int = 4, calls: int = 200, seed: int = 0) -> dict:
    """Time ``calls`` unary calls through chains of 1 … ``max_hops`` hops with no work, on
    this machine, and fit milliseconds = intercept + slope x hops to the medians.

    Returns ``{"hops": [...], "median_ms": [...], "per_hop_ms": slope, "intercept_ms": ...}``.
    The calls of the different chain lengths are interleaved in a seeded random order, so a
    burst of load on the machine does not land on one length only. A measurement: it varies
    from run to run and machine to machine.

    >>> result = measure_hop_overhead(max_hops=2, calls=5)
    >>> result["hops"], result["per_hop_ms"] > 0
    ([1, 2], True)
    """
    max_hops = require_int("max_hops", max_hops, minimum=1, maximum=8)
    calls = require_int("calls", calls, minimum=1, maximum=10_000)
    rng = np.random.default_rng(seed)
    lengths = list(range(1, max_hops + 1))
    chains = [Chain(hops=n) for n in lengths]
    timings = {n: [] for n in lengths}
    try:
        for chain in chains:
            chain.__enter__()
            chain.call(timeout_s=10.0)        # warm up: connections, threads
        order = np.repeat(np.arange(len(lengths)), calls)
        rng.shuffle(order)
        for index in order:
            start = time.perf_counter()
            chains[index].call(timeout_s=10.0)
            timings[lengths[index]].append((time.perf_counter() - start) * 1000)
    finally:
        for chain in chains:
            chain.close()
    medians = [float(np.median(timings[n])) for n in lengths]
    if len(lengths) > 1:
        slope, intercept = np.polyfit(lengths, medians, 1)
    else:
        slope, intercept = medians[0], 0.0
    return {"hops": lengths, "median_ms": medians, "per_hop_ms": float(slope),
            "intercept_ms": float(intercept)}
