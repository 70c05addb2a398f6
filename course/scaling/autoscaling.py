"""Auto-scaling controllers on a load trace: thresholds with hysteresis, the Kubernetes HPA rule, prediction.

Every controller reads the utilisation of the *ready* instances once per step (one minute) and
answers how many instances it wants. :func:`simulate_autoscaling` then adds instances that
become ready only ``provisioning_lag`` seconds later (they are paid for while they boot) and
removes instances at once. A step misses the SLO when the ready instances run above
``slo_utilization`` (where response times leave their target).

* :class:`ThresholdRule` — scale out by ``step`` above ``scale_up_at`` for ``consecutive``
  readings, in by ``step`` below ``scale_down_at``; the gap between the two thresholds is the
  hysteresis and no action follows another within ``cooldown`` seconds.
* :class:`HPARule` — Kubernetes' rule desired = ⌈current × metric / target⌉, skipped while
  |metric/target − 1| ≤ ``tolerance`` (10 %); a scale-down takes the *highest* desired count
  of the last ``stabilization`` seconds (300 s), a scale-up applies at once.
* :class:`PredictiveRule` — sizes for the load one season (a week) ago at the time the new
  instances will be ready, times a safety ``headroom``, never below what the HPA rule wants.

>>> from course.scaling.traces import diurnal_trace
>>> run = simulate_autoscaling(diurnal_trace(seed=1), HPARule(target=0.6), provisioning_lag=180)
>>> run.slo_miss_minutes >= 0 and run.instance_hours > 0
True

Taught in: Ep18 · 1-foundations; the learner's own controller: Ep18 · 2-implementation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from course.scaling.traces import STEP_SECONDS
from course.validation import require_in_range, require_int, require_non_negative, require_positive

__all__ = ["ThresholdRule", "HPARule", "PredictiveRule", "AutoscalingRun", "simulate_autoscaling",
           "hpa_desired", "reversals"]


def hpa_desired(current: int, metric: float, target: float, tolerance: float = 0.1) -> int:
    """Kubernetes HPA: ⌈current × metric / target⌉, or ``current`` within ``tolerance`` of the target.

    >>> hpa_desired(4, 0.9, 0.6), hpa_desired(4, 0.65, 0.6), hpa_desired(10, 0.2, 0.6)
    (6, 4, 4)
    """
    current = require_int("current", current, minimum=1)
    metric = require_non_negative("metric", metric)
    target = require_positive("target", target)
    tolerance = require_in_range("tolerance", tolerance, 0.0, 1.0)
    ratio = metric / target
    if abs(ratio - 1.0) <= tolerance:
        return current
    # Round the product first: 9 × (0.8/0.6) is 12.000000000000002 in binary floating point,
    # and a bare ceiling would ask for 13.
    return max(1, math.ceil(round(current * ratio, 9)))


@dataclass
class ThresholdRule:
    """Step out above ``scale_up_at``, in below ``scale_down_at`` (after ``consecutive`` readings), with a cooldown."""

    scale_up_at: float = 0.75
    scale_down_at: float = 0.40
    step: int = 1
    consecutive: int = 3
    cooldown: float = 300.0

    def __post_init__(self):
        require_in_range("scale_up_at", self.scale_up_at, 0.01, 2.0)
        require_in_range("scale_down_at", self.scale_down_at, 0.0, 2.0)
        if not self.scale_down_at < self.scale_up_at:
            raise ValueError(f"scale_down_at must be < scale_up_at (= {self.scale_up_at:g}) — the gap is the "
                             f"hysteresis; got {self.scale_down_at:g}")
        require_int("step", self.step, minimum=1)
        require_int("consecutive", self.consecutive, minimum=1, maximum=1000)
        require_non_negative("cooldown", self.cooldown)
        self.reset()

    def reset(self):
        self._above = self._below = 0
        self._last_action = -math.inf

    def desired(self, time: float, utilization: float, current: int, history) -> int:
        self._above = self._above + 1 if utilization > self.scale_up_at else 0
        self._below = self._below + 1 if utilization < self.scale_down_at else 0
        if time - self._last_action < self.cooldown:
            return current
        if self._above >= self.consecutive:
            self._last_action, self._above = time, 0
            return current + self.step
        if self._below >= self.consecutive and current > 1:
            self._last_action, self._below = time, 0
            return current - self.step
        return current


@dataclass
class HPARule:
    """The Kubernetes HPA rule with its tolerance and scale-down stabilisation window (seconds)."""

    target: float = 0.6
    tolerance: float = 0.1
    stabilization: float = 300.0

    def __post_init__(self):
        require_in_range("target", self.target, 0.01, 1.0)
        require_in_range("tolerance", self.tolerance, 0.0, 1.0)
        require_non_negative("stabilization", self.stabilization)
        self.reset()

    def reset(self):
        self._recommendations: list[tuple[float, int]] = []

    def desired(self, time: float, utilization: float, current: int, history) -> int:
        wanted = hpa_desired(current, utilization, self.target, self.tolerance)
        self._recommendations.append((time, wanted))
        self._recommendations = [(t, w) for t, w in self._recommendations if time - t <= self.stabilization]
        if wanted >= current:
            return wanted
        return min(current, max(w for _, w in self._recommendations))


@dataclass
class PredictiveRule:
    """Size for last season's load at (now + lag) × ``headroom``; fall back to the HPA rule's answer."""

    capacity_per_instance: float = 100.0
    season_steps: int = 7 * 1440
    lead_steps: int = 5
    target: float = 0.6
    headroom: float = 1.1

    def __post_init__(self):
        require_positive("capacity_per_instance", self.capacity_per_instance)
        require_int("season_steps", self.season_steps, minimum=1)
        require_int("lead_steps", self.lead_steps, minimum=0)
        self.hpa = HPARule(self.target)

    def reset(self):
        self.hpa.reset()

    def desired(self, time: float, utilization: float, current: int, history) -> int:
        reactive = self.hpa.desired(time, utilization, current, history)
        back = len(history) - self.season_steps + self.lead_steps
        if back < 0 or back >= len(history):
            return reactive
        forecast = history[back] * self.headroom
        return max(reactive, math.ceil(forecast / (self.capacity_per_instance * self.target)))


@dataclass(frozen=True)
class AutoscalingRun:
    """Per step: load (requests/s), ready and requested instances, utilisation of the ready ones."""

    load: np.ndarray
    ready: np.ndarray
    requested: np.ndarray
    utilization: np.ndarray
    slo_utilization: float
    price_per_hour: float

    @property
    def slo_miss_minutes(self) -> int:
        """Steps (minutes) whose ready instances ran above the SLO utilisation."""
        return int((self.utilization > self.slo_utilization).sum())

    @property
    def instance_hours(self) -> float:
        """Instance-hours paid for: every requested instance, booting ones included."""
        return float(self.requested.sum() * STEP_SECONDS / 3600.0)

    @property
    def cost(self) -> float:
        return self.instance_hours * self.price_per_hour

    @property
    def scaling_actions(self) -> int:
        return int((np.diff(self.requested) != 0).sum())

    @property
    def reversals(self) -> int:
        """Changes of direction of the requested count: a flapping controller has many."""
        return reversals(self.requested)

    def records(self) -> list[dict]:
        return [{"minute": i, "load": float(self.load[i]), "ready": int(self.ready[i]),
                 "requested": int(self.requested[i]), "utilization": float(self.utilization[i]),
                 "slo_miss": bool(self.utilization[i] > self.slo_utilization)} for i in range(self.load.size)]


def reversals(counts) -> int:
    """How often a sequence of instance counts turns from rising to falling or back.

    >>> reversals([2, 3, 3, 2, 3, 4, 4])
    2
    """
    steps = np.sign(np.diff(np.asarray(counts, dtype=float)))
    steps = steps[steps != 0]
    return int((np.diff(steps) != 0).sum())


def simulate_autoscaling(trace, controller, provisioning_lag: float = 180.0, capacity_per_instance: float = 100.0,
                         initial: int | None = None, minimum: int = 1, maximum: int = 200,
                         slo_utilization: float = 0.85, price_per_hour: float = 0.10) -> AutoscalingRun:
    """Run ``controller`` over ``trace`` (requests/s per minute) and return every step.

    ``capacity_per_instance`` is requests/s one instance serves at 100 % utilisation;
    ``provisioning_lag`` the seconds from asking for an instance to its first request (rounded
    up to whole steps); ``initial`` instances (default: enough for the first minute at 60 %).
    The controller sees ``current`` = ready + booting instances and the utilisation of the ready
    ones only — simpler than Kubernetes, which counts pods not yet ready as idle when it scales
    up, so this model overshoots while instances boot.

    >>> flat = np.full(30, 300.0)
    >>> run = simulate_autoscaling(flat, HPARule(target=0.6), initial=5)
    >>> run.requested.tolist() == [5] * 30, run.slo_miss_minutes
    (True, 0)
    """
    load = np.asarray(trace, dtype=float)
    if load.ndim != 1 or load.size < 2 or not np.all(np.isfinite(load)) or np.any(load < 0):
        raise ValueError("trace must be a 1-D array of at least 2 finite loads >= 0 (requests/s)")
    require_non_negative("provisioning_lag", provisioning_lag)
    require_positive("capacity_per_instance", capacity_per_instance)
    minimum = require_int("minimum", minimum, minimum=1)
    maximum = require_int("maximum", maximum, minimum=minimum)
    require_in_range("slo_utilization", slo_utilization, 0.01, 10.0)
    lag_steps = math.ceil(provisioning_lag / STEP_SECONDS - 1e-9)
    if initial is None:
        initial = math.ceil(load[0] / (capacity_per_instance * 0.6))
    ready_count = min(max(int(initial), minimum), maximum)
    booting: list[int] = []           # ready-at step of each instance still booting
    controller.reset()
    ready, requested, utilization = (np.zeros(load.size, dtype=int), np.zeros(load.size, dtype=int),
                                     np.zeros(load.size))
    for step in range(load.size):
        ready_count += sum(1 for at in booting if at <= step)
        booting = [at for at in booting if at > step]
        used = load[step] / (ready_count * capacity_per_instance)
        ready[step], utilization[step] = ready_count, used
        current = ready_count + len(booting)
        wanted = min(max(controller.desired(step * STEP_SECONDS, used, current, load[:step + 1]), minimum), maximum)
        if wanted > current:
            booting += [step + max(lag_steps, 1)] * (wanted - current)
        elif wanted < current:
            cut = current - wanted
            drop_booting = min(cut, len(booting))   # cancel instances still booting first
            booting = booting[:len(booting) - drop_booting]
            ready_count -= cut - drop_booting
        requested[step] = ready_count + len(booting)
    return AutoscalingRun(load, ready, requested, utilization, slo_utilization, price_per_hour)
