"""Scaling: load-balancing policies and their theory, auto-scaling controllers, sharding schemes.

* :mod:`course.scaling.balancing` — seven balancing policies raced on the same seeded traffic over
  fast, slow and gray-failing servers (a compiled dispatch loop on :mod:`course.sim`'s streams);
* :mod:`course.scaling.ballsbins` — balls into bins: maximum load with 1 and d choices, simulated
  beside ln n / ln ln n and ln ln n / ln d;
* :mod:`course.scaling.supermarket` — the supermarket model's fixed point: queue tails and the
  mean time in system with d choices;
* :mod:`course.scaling.traces` — seeded load traces: diurnal, flash crowd, seasonal weeks;
* :mod:`course.scaling.autoscaling` — threshold rules with hysteresis, cooldown and consecutive
  readings, the Kubernetes HPA rule, predictive scaling, provisioning lag, SLO misses and cost;
* :mod:`course.scaling.sharding` — hash, range, directory and geo sharding; hot ranges, hot keys,
  balance = min/max and the keys moved by a split;
* :mod:`course.scaling.scenarios` — the seeded scenario suite (a slow server, a diurnal day, a
  flash crowd) that scores a learner's balancer and controller against the references;
* :mod:`course.scaling.costs` — scale up, out or shard in money: USL ceilings, headroom for the
  provisioning lag, shards sized for the hottest one.

Taught in: Ep18 · 1-foundations; the scenario suite in Ep18 · 2-implementation; the costs in
Ep18 · 3-strategy.
"""
