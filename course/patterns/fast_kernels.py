"""The compiled event loop behind :mod:`course.patterns.fast` (numba, with a Python fallback).

:func:`simulate` is :mod:`.runtime` rewritten over flat arrays, for one shape of system: a
client → a front service → K leaf services called one after another. Each request ``r``
owns ``K + 2`` *slots* (``slot = r·(K+2) + kind``): kind 0 is the client's request, kind 1
the front service's job, kind 2 + k the call to leaf ``k``. Per-slot arrays replace the
``Job`` objects. Kernel node 0 is the front service and node 1 + k is leaf ``k``; link k is
front → leaf k and link K is client → front.

The event heap is an array-based binary heap of ``(time, sequence, code)`` with
``code = argument·4 + kind`` (a service completing, a timer queue waking, a fault).
Arrivals, computed up front, are merged with it in the same ``(time, sequence)`` order the
reference uses, so ties resolve identically. What the reference does by nested method
calls runs on a small explicit stack of *actions* (``OP_*``): a tail call replaces the
current action; the two non-tail calls of the reference (``_call_result`` → ``_release``,
and ``_finish`` → ``_start``) push their remainder first, so side effects happen in the
reference's order. Random numbers come in as arrays drawn from the reference's streams.

The circuit breaker is :class:`~.breaker.CircuitBreaker` over arrays: one row of
``config`` and of ``counters`` per link, and :func:`breaker_allow` / :func:`breaker_record`
are ``CircuitBreaker.allow`` / ``.record`` line for line (the tests replay every event a
fast run's breaker saw through the pure :func:`~.breaker.transition`).

Nothing is allocated or grows inside the loop (so it compiles faster and runs faster):
:func:`workspace` allocates every array in numpy; if the heap, the stack or a log fills
up, :func:`simulate` stops and says which (``overflow``), and the caller runs it again
with more room. If numba cannot be imported, the same functions run as plain Python
(slow but identical).

Every compiled function that calls another lives in this one file, longer than the kit's
usual module: numba's on-disk cache notices edits to the file that defines a function, not
to the files of the functions it calls, so a split would let a stale breaker survive an edit.

Taught in: Ep13 · 2-implementation (why a compiled path exists: the performance budget).
"""

from __future__ import annotations

import math

import numpy as np

from course.patterns.outcomes import (
    BULKHEAD_FULL,
    CONNECTION_ERROR,
    DEGRADED,
    ERROR,
    REJECTED,
    SHORT_CIRCUITED,
    SUCCESS,
    TIMEOUT,
)
from course.sim.jit import NUMBA_AVAILABLE, njit

__all__ = ["NUMBA_AVAILABLE", "simulate", "workspace", "arrival_times", "breaker_allow",
           "breaker_record"]

# Slot states.
NEW, BULKHEAD_WAIT, QUEUED, ACTIVE, DONE, ABANDONED = 0, 1, 2, 3, 4, 5
# Actions of the explicit stack.
(OP_NONE, OP_ARRIVE, OP_START, OP_NEXT_CALL, OP_ATTEMPT, OP_FINISH, OP_RESPOND,
 OP_CALL_RESULT, OP_RESULT_REST, OP_RELEASE, OP_TIMEOUT, OP_WAKE, OP_CRASH_NEXT) = range(13)
# Heap event kinds.
EVENT_DONE, EVENT_WAKE, EVENT_FAULT = 0, 1, 2
# Fault actions.
SLOW_ON, SLOW_OFF, ERRORS_ON, ERRORS_OFF, CRASH, RECOVER = range(6)
# Columns of node_config and link_config.
WORKERS, QUEUE_CAPACITY, HAS_DRAW = 0, 1, 2
TIMEOUT_S, HAS_BULKHEAD, BULKHEAD_MAX, BULKHEAD_QUEUE = 0, 1, 2, 3
# Columns of breaker_config (KIND = -1: no breaker on that link), built by fast._Plan.
(KIND, SIZE, MINIMUM_CALLS, RATE, FAILURE_THRESHOLD, OPEN_DURATION, JITTER, PERMITS, RULE,
 BUCKET_WIDTH, BUCKET_COUNT) = range(11)
CONFIG_COLUMNS = 11
# Columns of a breaker's counters.
(MODE, PROBES, PROBE_SUCCESSES, PROBE_FAILURES, CONSECUTIVE, CALLS, FAILURES, WINDOW_HEAD,
 BUCKET_HEAD, BUCKET_LENGTH, NEXT_JITTER) = range(11)
COUNTER_COLUMNS = 11
# Window kinds and modes (the order of breaker.MODES).
COUNT_WINDOW, TIME_WINDOW, CONSECUTIVE_WINDOW = 0, 1, 2
CLOSED_MODE, OPEN_MODE, HALF_OPEN_MODE = 0, 1, 2
# Events in the breaker event log.
REQUEST_EVENT, SUCCESS_EVENT, FAILURE_EVENT = 0, 1, 2
# Rows of the workspace arrays (one row per field, one column per slot / node / link).
SENT, ARRIVAL, START, END, CALL_END = range(5)
OUTCOME, STATUS, CALL_OUTCOME, CALL_STATUS, STATE, WAITING, PERMIT, STEP, EPOCH = range(9)
BUSY, UP, NODE_EPOCH, QUEUE_HEAD, QUEUE_LENGTH, NEXT_DRAW, NEXT_UNIFORM, SLOW, ERROR_STATUS = \
    range(9)
ERROR_PROBABILITY, FACTOR, EXTRA_LATENCY = range(3)
TIMER_HEAD, TIMER_LENGTH, ARMED, IN_USE, LIVE_WAITING, WAITERS_HEAD, WAITERS_LENGTH = range(7)
# Rooms of the workspace that may run out (the `overflow` simulate returns).
HEAP_ROOM, STACK_ROOM, CHANGE_ROOM, LOG_ROOM = 0, 1, 2, 3


def workspace(requests: int, nodes: int, widths, room) -> tuple:
    """Allocate, in numpy, every array :func:`simulate` fills (in its argument order).

    ``widths`` = (node queue ring, timer ring, bulkhead ring, count window, time buckets,
    crash victims); ``room`` = sizes of the heap, stack, change log and event log. Big
    arrays are allocated here rather than in the compiled loop: each distinct allocation
    inside a numba function costs compile time.
    """
    slots = max(requests * (nodes + 1), 1)
    links = nodes
    slot_times = np.full((5, slots), np.nan)
    slot_codes = np.zeros((9, slots), np.int16)
    slot_codes[[OUTCOME, CALL_OUTCOME]] = -1
    node_ints = np.zeros((9, nodes), np.int64)
    node_ints[UP] = 1
    node_reals = np.zeros((3, nodes))
    node_reals[FACTOR] = 1.0
    return (
        slot_times, slot_codes, np.zeros(slots, np.int64), node_ints, node_reals,
        np.zeros((nodes, widths[0]), np.int64), np.zeros((7, links), np.int64),
        np.zeros((links, widths[1])), np.zeros((links, widths[1]), np.int64),
        np.zeros((links, widths[2]), np.int64), np.zeros((links, COUNTER_COLUMNS), np.int64),
        np.full(links, -math.inf), np.zeros((links, widths[3]), np.int64),
        np.zeros((links, widths[4], 3), np.int64), np.zeros((3, room[CHANGE_ROOM])),
        np.zeros((5, room[LOG_ROOM])), np.zeros(room[HEAP_ROOM]),
        np.zeros((2, room[HEAP_ROOM]), np.int64), np.zeros((room[STACK_ROOM], 4), np.int64),
        np.zeros(widths[5], np.int64))


@njit(cache=True)
def arrival_times(gaps, rates, segment_ends, duration):
    """Arrival times (s) from Exp(1) ``gaps``, as the reference's ``_schedule_arrival``.

    Returns ``(times, complete)``; ``complete`` is False if ``gaps`` ran out first.
    """
    times = np.empty(gaps.size)
    count = 0
    now = 0.0
    segment = 0
    for used in range(gaps.size):
        remaining = gaps[used]
        arrival = math.inf
        while True:
            rate, end = rates[segment], segment_ends[segment]
            if rate > 0:
                arrival = now + remaining / rate
                if arrival <= end:
                    break
                remaining -= rate * (end - now)
            if end == math.inf:
                return times[:count], True
            now = end
            segment += 1
        if arrival >= duration:
            return times[:count], True
        times[count] = arrival
        count += 1
        now = arrival
    return times[:count], False


@njit(cache=True)
def _before(time_a, seq_a, time_b, seq_b):
    return time_a < time_b or (time_a == time_b and seq_a < seq_b)


@njit(cache=True)
def _heap_push(times, seqs, codes, size, time, seq, code):
    slot = size
    while slot > 0:
        parent = (slot - 1) >> 1
        if _before(times[parent], seqs[parent], time, seq):
            break
        times[slot], seqs[slot], codes[slot] = times[parent], seqs[parent], codes[parent]
        slot = parent
    times[slot], seqs[slot], codes[slot] = time, seq, code
    return size + 1


@njit(cache=True)
def _heap_pop(times, seqs, codes, size):
    """Remove the earliest entry (read it first); return the new size."""
    size -= 1
    time, seq, code = times[size], seqs[size], codes[size]
    slot = 0
    while True:
        child = 2 * slot + 1
        if child >= size:
            break
        if child + 1 < size and _before(times[child + 1], seqs[child + 1], times[child],
                                        seqs[child]):
            child += 1
        if _before(time, seq, times[child], seqs[child]):
            break
        times[slot], seqs[slot], codes[slot] = times[child], seqs[child], codes[child]
        slot = child
    times[slot], seqs[slot], codes[slot] = time, seq, code
    return size


@njit(cache=True)
def breaker_allow(config, counters, open_until, link, now):
    """``CircuitBreaker.allow`` for breaker ``link``: return (allowed, new mode or -1)."""
    mode = counters[link, MODE]
    if mode == CLOSED_MODE:
        return True, -1
    if mode == OPEN_MODE:
        if now >= open_until[link]:
            counters[link, MODE] = HALF_OPEN_MODE
            counters[link, PROBES] = 1
            counters[link, PROBE_SUCCESSES] = 0
            counters[link, PROBE_FAILURES] = 0
            return True, HALF_OPEN_MODE
        return False, -1
    if counters[link, PROBES] < config[link, PERMITS]:
        counters[link, PROBES] += 1
        return True, -1
    return False, -1


@njit(cache=True)
def breaker_record(config, counters, open_until, window, buckets, jitters, link, now, failed):
    """``CircuitBreaker.record`` for breaker ``link``: return (recorded, new mode or -1, jitter).

    ``failed`` is 1 or 0; ``jitter`` is the draw in [-1, 1) used if the breaker tripped.
    """
    mode = counters[link, MODE]
    trip = False
    close = False
    if mode == CLOSED_MODE:
        if config[link, KIND] == CONSECUTIVE_WINDOW:
            counters[link, CONSECUTIVE] = counters[link, CONSECUTIVE] + 1 if failed == 1 else 0
            trip = counters[link, CONSECUTIVE] >= config[link, FAILURE_THRESHOLD]
        else:
            if config[link, KIND] == COUNT_WINDOW:  # a ring of the last `size` outcomes
                size = int(config[link, SIZE])
                head = counters[link, WINDOW_HEAD]
                if counters[link, CALLS] < size:
                    position = head + counters[link, CALLS]
                    window[link, position - size if position >= size else position] = failed
                    counters[link, CALLS] += 1
                    counters[link, FAILURES] += failed
                else:
                    counters[link, FAILURES] += failed - window[link, head]
                    window[link, head] = failed
                    counters[link, WINDOW_HEAD] = head + 1 if head + 1 < size else 0
            else:  # running totals over (bucket index, calls, failures) still in the window
                width = buckets.shape[1]
                current = int(now / config[link, BUCKET_WIDTH])  # floor: now >= 0
                oldest = current - int(config[link, BUCKET_COUNT]) + 1
                while counters[link, BUCKET_LENGTH] > 0:
                    head = counters[link, BUCKET_HEAD]
                    if buckets[link, head, 0] >= oldest:
                        break
                    counters[link, CALLS] -= buckets[link, head, 1]
                    counters[link, FAILURES] -= buckets[link, head, 2]
                    counters[link, BUCKET_HEAD] = head + 1 if head + 1 < width else 0
                    counters[link, BUCKET_LENGTH] -= 1
                last = counters[link, BUCKET_HEAD] + counters[link, BUCKET_LENGTH] - 1
                last = last - width if last >= width else last
                if counters[link, BUCKET_LENGTH] > 0 and buckets[link, last, 0] == current:
                    buckets[link, last, 1] += 1
                    buckets[link, last, 2] += failed
                else:
                    last = last + 1 if last + 1 < width else 0
                    buckets[link, last, 0] = current
                    buckets[link, last, 1] = 1
                    buckets[link, last, 2] = failed
                    counters[link, BUCKET_LENGTH] += 1
                counters[link, CALLS] += 1
                counters[link, FAILURES] += failed
            calls = counters[link, CALLS]
            # failures / calls, as Resilience4j computes the rate: 55 of 100 reaches 0.55
            # (55 >= 0.55 * 100 would not, since 0.55 * 100 = 55.00000000000001).
            trip = (calls >= max(config[link, MINIMUM_CALLS], 1)
                    and counters[link, FAILURES] / calls >= config[link, RATE])
    elif (mode == HALF_OPEN_MODE and counters[link, PROBE_SUCCESSES]
          + counters[link, PROBE_FAILURES] < counters[link, PROBES]):
        counters[link, PROBE_FAILURES] += failed
        counters[link, PROBE_SUCCESSES] += 1 - failed
        successes, failures = counters[link, PROBE_SUCCESSES], counters[link, PROBE_FAILURES]
        if config[link, RULE] == 1:  # consecutive successes: any failure re-opens
            trip = failed == 1
            close = failed == 0 and successes >= config[link, PERMITS]
        elif successes + failures >= config[link, PERMITS]:
            trip = failures / (successes + failures) >= config[link, RATE]
            close = not trip
    else:
        return False, -1, 0.0
    if trip:
        jitter = 0.0
        if config[link, JITTER] != 0.0:
            jitter = 2.0 * jitters[link, counters[link, NEXT_JITTER]] - 1.0
            counters[link, NEXT_JITTER] += 1
        counters[link, MODE] = OPEN_MODE
        open_until[link] = now + config[link, OPEN_DURATION] * (1.0 + config[link, JITTER] * jitter)
        return True, OPEN_MODE, jitter
    if close:  # CircuitBreaker._close: forget everything
        for column in range(NEXT_JITTER):
            counters[link, column] = 0
        open_until[link] = -math.inf
        return True, CLOSED_MODE, 0.0
    return True, -1, 0.0


@njit(cache=True)
def simulate(arrivals, draws, uniforms, jitters, node_config, link_config, breaker_config,
             failure_table, fault_times, fault_actions, fault_nodes, fault_values, duration,
             record_breaker_events, slot_times, slot_codes, start_order, node_ints, node_reals,
             queue, link_ints, timer_deadline, timer_slot, waiters, counters, open_until,
             window, buckets, changes_log, events_log, heap_time, heap_keys, stack, victims):
    """Run the system to ``duration`` (s), filling the arrays of :func:`workspace`.

    Returns ``(overflow, requests, events, changes, logged)``: ``overflow`` is -1, or which
    room of the workspace ran out (``HEAP_ROOM``, ...: run again with more);
    ``changes`` and ``logged`` count the rows written to the two breaker logs.
    """
    nodes = node_config.shape[0]
    leaves = nodes - 1
    kinds = leaves + 2
    requests = arrivals.size
    queue_width, timer_width, bulkhead_width = queue.shape[1], timer_deadline.shape[1], \
        waiters.shape[1]
    sent, arrival, start = slot_times[SENT], slot_times[ARRIVAL], slot_times[START]
    end, call_end = slot_times[END], slot_times[CALL_END]
    outcome, status = slot_codes[OUTCOME], slot_codes[STATUS]
    call_outcome, call_status = slot_codes[CALL_OUTCOME], slot_codes[CALL_STATUS]
    state, waiting, permit = slot_codes[STATE], slot_codes[WAITING], slot_codes[PERMIT]
    step, epoch = slot_codes[STEP], slot_codes[EPOCH]
    busy, up, node_epoch = node_ints[BUSY], node_ints[UP], node_ints[NODE_EPOCH]
    queue_head, queue_length = node_ints[QUEUE_HEAD], node_ints[QUEUE_LENGTH]
    next_draw, next_uniform = node_ints[NEXT_DRAW], node_ints[NEXT_UNIFORM]
    slow, error_status = node_ints[SLOW], node_ints[ERROR_STATUS]
    error_probability = node_reals[ERROR_PROBABILITY]
    factor, extra_latency = node_reals[FACTOR], node_reals[EXTRA_LATENCY]
    timer_head, timer_length, armed = link_ints[TIMER_HEAD], link_ints[TIMER_LENGTH], \
        link_ints[ARMED]
    in_use, live_waiting = link_ints[IN_USE], link_ints[LIVE_WAITING]
    waiters_head, waiters_length = link_ints[WAITERS_HEAD], link_ints[WAITERS_LENGTH]
    change_time, change_link, change_to = changes_log[0], changes_log[1], changes_log[2]
    log_time, log_link, log_event = events_log[0], events_log[1], events_log[2]
    log_decision, log_jitter = events_log[3], events_log[4]
    heap_seq, heap_code = heap_keys[0], heap_keys[1]
    heap_size = 0
    depth = 0
    victim_count = 0
    changes = 0
    logged = 0
    overflow = -1

    sequence = 0
    arrival_sequence = 0
    if requests > 0:
        arrival_sequence = sequence
        sequence += 1
    for index in range(fault_times.size):  # the caller leaves room for them
        heap_size = _heap_push(heap_time, heap_seq, heap_code, heap_size, fault_times[index],
                               sequence, index * 4 + EVENT_FAULT)
        sequence += 1

    events = 0
    arrived = 0
    started = 0
    now = 0.0
    while overflow < 0:
        # ------------------------------------------------------------ next event
        op, a, b, c = OP_NONE, 0, 0, 0
        if arrived < requests and (heap_size == 0 or _before(
                arrivals[arrived], arrival_sequence, heap_time[0], heap_seq[0])):
            now = arrivals[arrived]
            root = arrived * kinds
            arrived += 1
            if arrived < requests:
                arrival_sequence = sequence
                sequence += 1
            arrival[root] = now
            start[root] = now
            state[root] = ACTIVE
            op, a = OP_NEXT_CALL, root
        else:
            if heap_size == 0 or heap_time[0] > duration:
                break
            now, code = heap_time[0], heap_code[0]
            heap_size = _heap_pop(heap_time, heap_seq, heap_code, heap_size)
            kind, argument = code & 3, code >> 2
            if kind == EVENT_DONE:
                if epoch[argument] == node_epoch[argument % kinds - 1]:
                    op, a = OP_NEXT_CALL, argument
            elif kind == EVENT_WAKE:
                op, a = OP_WAKE, argument
            else:
                node = fault_nodes[argument]
                action = fault_actions[argument]
                if node < 0:
                    pass  # a fault on a service this system does not use
                elif action == SLOW_ON:
                    slow[node] = 1
                    factor[node] = fault_values[argument, 0]
                    extra_latency[node] = fault_values[argument, 1]
                elif action == SLOW_OFF:
                    slow[node] = 0
                    factor[node] = 1.0
                    extra_latency[node] = 0.0
                elif action == ERRORS_ON:
                    error_probability[node] = fault_values[argument, 0]
                    error_status[node] = int(fault_values[argument, 1])
                elif action == ERRORS_OFF:
                    error_probability[node] = 0.0
                elif action == RECOVER:
                    up[node] = 1
                else:  # CRASH: work in progress (in start order), then the queue, fail
                    up[node] = 0
                    node_epoch[node] += 1
                    count = 0
                    for request in range(arrived):
                        slot = request * kinds + node + 1
                        if state[slot] == ACTIVE:  # insertion sort by start order
                            position = count
                            while (position > 0
                                   and start_order[victims[position - 1]] > start_order[slot]):
                                victims[position] = victims[position - 1]
                                position -= 1
                            victims[position] = slot
                            count += 1
                    for position in range(queue_length[node]):
                        ring = queue_head[node] + position
                        victims[count + position] = queue[
                            node, ring - queue_width if ring >= queue_width else ring]
                    victim_count = count + queue_length[node]
                    queue_length[node] = 0
                    busy[node] = 0
                    op, a = OP_CRASH_NEXT, 0
        events += 1

        # ------------------------------------------------------------ actions
        while True:
            if op == OP_NONE:
                if depth == 0:
                    break
                depth -= 1
                op, a, b, c = stack[depth, 0], stack[depth, 1], stack[depth, 2], stack[depth, 3]
                continue
            if depth == stack.shape[0] or heap_size == heap_time.size:
                overflow = STACK_ROOM if depth == stack.shape[0] else HEAP_ROOM
                break  # every action pushes at most once: stop while both have room

            if op == OP_ARRIVE:  # a: slot arriving at its node
                node = a % kinds - 1
                arrival[a] = now
                if up[node] == 0:
                    op, b, c = OP_RESPOND, CONNECTION_ERROR, 0
                    continue
                if error_probability[node] != 0.0:
                    draw = uniforms[node, next_uniform[node]]
                    next_uniform[node] += 1
                    if draw < error_probability[node]:
                        op, b, c = OP_RESPOND, ERROR, error_status[node]
                        continue
                epoch[a] = node_epoch[node]
                if busy[node] < node_config[node, WORKERS]:
                    busy[node] += 1
                    op = OP_START
                    continue
                if queue_length[node] < node_config[node, QUEUE_CAPACITY]:
                    ring = queue_head[node] + queue_length[node]
                    queue[node, ring - queue_width if ring >= queue_width else ring] = a
                    queue_length[node] += 1
                    state[a] = QUEUED
                    op = OP_NONE
                    continue
                op, b, c = OP_RESPOND, REJECTED, 503
                continue

            if op == OP_START:  # a: slot getting a worker
                node = a % kinds - 1
                start[a] = now
                state[a] = ACTIVE
                start_order[a] = started
                started += 1
                work = 0.0
                if node_config[node, HAS_DRAW] != 0.0:
                    work = draws[node, next_draw[node]]
                    next_draw[node] += 1
                if slow[node] == 1:
                    work = work * factor[node] + extra_latency[node]
                if work > 0:
                    heap_size = _heap_push(heap_time, heap_seq, heap_code, heap_size, now + work,
                                           sequence, a * 4 + EVENT_DONE)
                    sequence += 1
                    op = OP_NONE
                else:
                    op = OP_NEXT_CALL
                continue

            if op == OP_NEXT_CALL:  # a: a caller slot (the request or the front job)
                kind = a % kinds
                calls = 1 if kind == 0 else (leaves if kind == 1 else 0)
                if step[a] < calls:
                    op = OP_ATTEMPT
                else:
                    op, b, c = OP_FINISH, SUCCESS, 200
                continue

            if op == OP_ATTEMPT:  # a: caller slot; its next call goes out
                if a % kinds == 0:
                    child, link = a + 1, leaves
                else:
                    link = np.int64(step[a])
                    child = a + 1 + link
                sent[child] = now
                waiting[child] = 1
                if breaker_config[link, KIND] >= 0:
                    if changes == change_time.size or (record_breaker_events
                                                       and logged == log_time.size):
                        overflow = CHANGE_ROOM if changes == change_time.size else LOG_ROOM
                        break
                    allowed, changed = breaker_allow(breaker_config, counters, open_until, link,
                                                     now)
                    if changed >= 0:
                        change_time[changes], change_link[changes] = now, link
                        change_to[changes] = changed
                        changes += 1
                    if record_breaker_events:
                        log_time[logged], log_link[logged] = now, link
                        log_event[logged], log_decision[logged] = REQUEST_EVENT, 0 if allowed else 1
                        logged += 1
                    if not allowed:
                        waiting[child] = 0
                        op, a, b, c = OP_CALL_RESULT, child, SHORT_CIRCUITED, 0
                        continue
                if link_config[link, TIMEOUT_S] >= 0:
                    deadline = now + link_config[link, TIMEOUT_S]
                    ring = timer_head[link] + timer_length[link]
                    ring = ring - timer_width if ring >= timer_width else ring
                    timer_deadline[link, ring] = deadline
                    timer_slot[link, ring] = child
                    timer_length[link] += 1
                    if armed[link] == 0:
                        armed[link] = 1
                        heap_size = _heap_push(heap_time, heap_seq, heap_code, heap_size,
                                               deadline, sequence, link * 4 + EVENT_WAKE)
                        sequence += 1
                if link_config[link, HAS_BULKHEAD] != 0.0:
                    if in_use[link] < link_config[link, BULKHEAD_MAX]:
                        in_use[link] += 1
                        permit[child] = 1
                    elif live_waiting[link] < link_config[link, BULKHEAD_QUEUE]:
                        ring = waiters_head[link] + waiters_length[link]
                        waiters[link, ring - bulkhead_width if ring >= bulkhead_width
                                else ring] = child
                        waiters_length[link] += 1
                        live_waiting[link] += 1
                        state[child] = BULKHEAD_WAIT
                        op = OP_NONE
                        continue
                    else:
                        waiting[child] = 0
                        op, a, b, c = OP_CALL_RESULT, child, BULKHEAD_FULL, 0
                        continue
                op, a = OP_ARRIVE, child
                continue

            if op == OP_FINISH:  # a: slot ending with outcome b, status c
                state[a] = DONE
                if a % kinds == 0:
                    end[a], outcome[a], status[a] = now, b, c
                    op = OP_NONE
                    continue
                node = a % kinds - 1
                if queue_length[node] > 0:
                    following = queue[node, queue_head[node]]
                    head = queue_head[node] + 1
                    queue_head[node] = head - queue_width if head >= queue_width else head
                    queue_length[node] -= 1
                    stack[depth, 0], stack[depth, 1] = OP_RESPOND, a
                    stack[depth, 2], stack[depth, 3] = b, c
                    depth += 1
                    op, a = OP_START, following
                else:
                    busy[node] -= 1
                    op = OP_RESPOND
                continue

            if op == OP_RESPOND:  # a: slot answering its caller with outcome b, status c
                end[a], outcome[a], status[a] = now, b, c
                state[a] = DONE
                if waiting[a] == 0:
                    op = OP_NONE  # nobody listens any more
                    continue
                waiting[a] = 0
                op = OP_CALL_RESULT
                continue

            if op == OP_CALL_RESULT:  # a: child slot whose call ended with b, c
                if permit[a] == 1:
                    permit[a] = 0
                    stack[depth, 0], stack[depth, 1] = OP_RESULT_REST, a
                    stack[depth, 2], stack[depth, 3] = b, c
                    depth += 1
                    kind = a % kinds
                    op, a = OP_RELEASE, (leaves if kind == 1 else kind - 2)
                else:
                    op = OP_RESULT_REST
                continue

            if op == OP_RELEASE:  # a: link whose bulkhead permit comes back
                link = a
                op = OP_NONE
                while waiters_length[link] > 0:
                    child = waiters[link, waiters_head[link]]
                    head = waiters_head[link] + 1
                    waiters_head[link] = head - bulkhead_width if head >= bulkhead_width else head
                    waiters_length[link] -= 1
                    if state[child] == BULKHEAD_WAIT:  # still wanted: hand the permit over
                        state[child] = NEW
                        live_waiting[link] -= 1
                        permit[child] = 1
                        op, a = OP_ARRIVE, child
                        break
                if op == OP_NONE:
                    in_use[link] -= 1
                continue

            if op == OP_RESULT_REST:  # a: child slot; b, c: outcome and status of the call
                kind = a % kinds
                caller = a - 1 if kind == 1 else a - kind + 1
                link = leaves if kind == 1 else kind - 2
                call_end[a], call_outcome[a], call_status[a] = now, b, c
                if breaker_config[link, KIND] >= 0 and b != SHORT_CIRCUITED:
                    if changes == change_time.size or (record_breaker_events
                                                       and logged == log_time.size):
                        overflow = CHANGE_ROOM if changes == change_time.size else LOG_ROOM
                        break
                    failed = 1 if b > DEGRADED and failure_table[link, b, c] else 0
                    recorded, changed, jitter = breaker_record(
                        breaker_config, counters, open_until, window, buckets, jitters, link, now,
                        failed)
                    if changed >= 0:
                        change_time[changes], change_link[changes] = now, link
                        change_to[changes] = changed
                        changes += 1
                    if record_breaker_events:
                        log_time[logged], log_link[logged] = now, link
                        log_event[logged] = FAILURE_EVENT if failed == 1 else SUCCESS_EVENT
                        log_decision[logged] = 0 if recorded else 1
                        log_jitter[logged] = jitter
                        logged += 1
                if b <= DEGRADED:
                    step[caller] += 1
                    op, a = OP_NEXT_CALL, caller
                elif caller % kinds == 0:
                    op, a = OP_FINISH, caller  # the request ends as the client's call ended
                else:
                    op, a, b, c = OP_FINISH, caller, ERROR, 504 if b == TIMEOUT else 502
                continue

            if op == OP_TIMEOUT:  # a: child slot whose caller stops waiting
                waiting[a] = 0
                kind = a % kinds
                link = leaves if kind == 1 else kind - 2
                if permit[a] == 0 and state[a] == BULKHEAD_WAIT:
                    state[a] = ABANDONED  # it timed out still waiting for a permit
                    live_waiting[link] -= 1
                op, b, c = OP_CALL_RESULT, TIMEOUT, 0
                continue

            if op == OP_WAKE:  # a: link whose timer queue is due (TimerQueue._wake)
                link = a
                op = OP_NONE
                idle = True
                while timer_length[link] > 0:
                    head = timer_head[link]
                    child = timer_slot[link, head]
                    if waiting[child] == 0 or timer_deadline[link, head] <= now:
                        timer_head[link] = head + 1 if head + 1 < timer_width else 0
                        timer_length[link] -= 1
                        if waiting[child] == 1:  # expired: time out, then look again
                            stack[depth, 0], stack[depth, 1] = OP_WAKE, link
                            depth += 1
                            op, a = OP_TIMEOUT, child
                            idle = False
                            break
                    else:
                        heap_size = _heap_push(heap_time, heap_seq, heap_code, heap_size,
                                               timer_deadline[link, head], sequence,
                                               link * 4 + EVENT_WAKE)
                        sequence += 1
                        idle = False
                        break
                if idle:
                    armed[link] = 0
                continue

            if op == OP_CRASH_NEXT:  # a: index of the next crash victim to answer
                if a < victim_count:
                    stack[depth, 0], stack[depth, 1] = OP_CRASH_NEXT, a + 1
                    depth += 1
                    op, a, b, c = OP_RESPOND, victims[a], CONNECTION_ERROR, 0
                else:
                    op = OP_NONE
                continue

    return overflow, arrived, events, changes, logged
