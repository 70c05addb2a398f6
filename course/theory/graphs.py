"""Network theory for distributed systems: random graph models, percolation, PageRank, delay.

A cluster, an overlay or the Internet is a graph. How many links keep it in one piece? What
happens when random machines fail, or when an attacker takes out the best-connected hubs?
Random graph models give the baselines and percolation theory the thresholds:

* Erdős–Rényi G(n, p): every pair linked with probability p. A giant component appears at
  p = 1/n (mean degree 1) and the whole graph is connected from p ≈ ln n / n.
* Watts–Strogatz: a ring lattice with a fraction of links rewired — small world.
* Barabási–Albert: preferential attachment — a few hubs, heavy-tailed degrees.
* Molloy–Reed: a giant component survives random node removal while the fraction of
  nodes kept exceeds q_c = ⟨k⟩ / (⟨k²⟩ − ⟨k⟩); for Erdős–Rényi this is 1/⟨k⟩.

Built on networkx. Glossary: ``nodes`` N, ``edge_probability`` p, ``mean_degree`` ⟨k⟩ =
2E/N, ``fraction_removed`` f (0..1), ``giant_component_fraction`` (share of the *original*
N nodes in the largest connected component), ``damping`` d of PageRank, distances in km,
delays in seconds.

Planned for Ep55 · 1-foundations and 2-implementation.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
from scipy.optimize import brentq

from course.validation import (
    require_array,
    require_finite_result,
    require_int,
    require_non_negative,
    require_open_unit,
    require_positive,
    require_probability,
    require_rng,
)

#: Light in glass fibre travels at about 2/3 of c: 200,000 km/s, i.e. 5 µs per km.
FIBRE_SPEED_KM_PER_S = 200_000.0

#: Largest graphs the generators build. networkx spends roughly half a kilobyte per link, so
#: a million links is about half a gigabyte and a few seconds: far beyond the course's
#: graphs, and the caps stop a typo (10⁹ nodes) from exhausting memory.
MAX_NODES = 1_000_000
MAX_EDGES = 1_000_000


def _seed(seed):
    """networkx accepts an int or a numpy Generator; refuse None so runs are reproducible."""
    require_rng("seed", seed)  # the check only: an int goes to networkx unchanged
    return seed if isinstance(seed, np.random.Generator) else int(seed)


def _require_graph(graph, undirected: bool = True) -> nx.Graph:
    if not isinstance(graph, nx.Graph):
        raise ValueError(f"graph must be a networkx Graph; got {graph!r}")
    if undirected and graph.is_directed():
        raise ValueError(
            "graph must be undirected (connected components of a directed graph are "
            "ambiguous): pass graph.to_undirected()"
        )
    return graph


def _require_edges(expected_edges: float, description: str) -> None:
    if expected_edges > MAX_EDGES:
        raise ValueError(
            f"{description} gives about {expected_edges:.3g} links; at most {MAX_EDGES:,} "
            "are built (reduce nodes or the link density)"
        )


# ---------------------------------------------------------------- random graph models


def erdos_renyi(nodes: int, edge_probability: float, seed) -> nx.Graph:
    """Erdős–Rényi random graph G(n, p): each of the n(n−1)/2 pairs linked with probability p.

    Mean degree ⟨k⟩ = p·(n − 1); use :func:`edge_probability_for_mean_degree` to aim at a
    given ⟨k⟩. ``seed`` is an int or a numpy Generator.

    >>> g = erdos_renyi(1000, edge_probability_for_mean_degree(1000, 4), seed=1)
    >>> g.number_of_nodes(), 3.6 < mean_degree(g) < 4.4
    (1000, True)

    Planned for Ep55 · 1-foundations.
    """
    nodes = require_int("nodes", nodes, minimum=1, maximum=MAX_NODES)
    p = require_probability("edge_probability", edge_probability)
    if 0 < p < 1e-15:  # the generator divides by log(1 − p), which rounds to 0 below ~1e-16
        raise ValueError(f"edge_probability must be 0 or at least 1e-15; got {p:g}")
    _require_edges(p * nodes * (nodes - 1) / 2, "edge_probability × nodes × (nodes − 1) / 2")
    # The fast generator skips non-edges geometrically: O(n + m) instead of O(n²).
    return nx.fast_gnp_random_graph(nodes, p, seed=_seed(seed))


def edge_probability_for_mean_degree(nodes: int, mean_degree: float) -> float:
    """Edge probability p = ⟨k⟩/(n − 1) that gives an Erdős–Rényi graph mean degree ⟨k⟩.

    >>> edge_probability_for_mean_degree(101, 4)
    0.04

    Planned for Ep55 · 1-foundations.
    """
    nodes = require_int("nodes", nodes, minimum=2)
    k = require_non_negative("mean_degree", mean_degree)
    if k > nodes - 1:
        raise ValueError(f"mean_degree must be <= nodes − 1 = {nodes - 1}; got {k:g}")
    return k / (nodes - 1)


def watts_strogatz(nodes: int, neighbours: int, rewiring_probability: float, seed) -> nx.Graph:
    """Watts–Strogatz small world: a ring where each node links to its ``neighbours`` nearest
    nodes (an even number), then each link is rewired to a random node with the given
    probability. A few shortcuts shrink path lengths while local clustering stays high.

    >>> g = watts_strogatz(100, 4, 0.1, seed=2)
    >>> g.number_of_edges(), mean_degree(g)
    (200, 4.0)

    Planned for Ep55 · 1-foundations.
    """
    nodes = require_int("nodes", nodes, minimum=3, maximum=MAX_NODES)
    neighbours = require_int("neighbours", neighbours, minimum=2, maximum=nodes - 1)
    if neighbours % 2:
        raise ValueError(
            f"neighbours must be even (half on each side of the ring); got {neighbours}"
        )
    _require_edges(nodes * neighbours / 2, "nodes × neighbours / 2")
    p = require_probability("rewiring_probability", rewiring_probability)
    return nx.watts_strogatz_graph(nodes, neighbours, p, seed=_seed(seed))


def barabasi_albert(nodes: int, edges_per_node: int, seed) -> nx.Graph:
    """Barabási–Albert preferential attachment: each new node brings ``edges_per_node`` links
    to existing nodes chosen in proportion to their degree — the rich get richer, and a
    few hubs hold many links (degree distribution ~ k^−3). Mean degree → 2·m.

    >>> g = barabasi_albert(1000, 2, seed=3)
    >>> round(mean_degree(g), 2)
    3.99

    Planned for Ep55 · 1-foundations.
    """
    nodes = require_int("nodes", nodes, minimum=2, maximum=MAX_NODES)
    m = require_int("edges_per_node", edges_per_node, minimum=1, maximum=nodes - 1)
    _require_edges(m * (nodes - m), "edges_per_node × (nodes − edges_per_node)")
    return nx.barabasi_albert_graph(nodes, m, seed=_seed(seed))


def mean_degree(graph: nx.Graph) -> float:
    """Mean degree ⟨k⟩ = 2E/N (every edge has two ends).

    >>> mean_degree(nx.cycle_graph(10))
    2.0

    Planned for Ep55 · 1-foundations.
    """
    if _require_graph(graph, undirected=False).number_of_nodes() == 0:
        raise ValueError("graph must have at least one node")
    return 2.0 * graph.number_of_edges() / graph.number_of_nodes()


def giant_component_fraction(graph: nx.Graph, total_nodes: int | None = None) -> float:
    """Share of ``total_nodes`` (default: the graph's own node count) in the largest
    connected component.

    >>> giant_component_fraction(nx.union(nx.path_graph(3), nx.path_graph([3, 4])))
    0.6

    Planned for Ep55 · 1-foundations.
    """
    present = _require_graph(graph).number_of_nodes()
    total = (
        present
        if total_nodes is None
        else require_int("total_nodes", total_nodes, minimum=max(present, 1))
    )
    if total == 0:
        raise ValueError("graph must have at least one node")
    largest = max((len(c) for c in nx.connected_components(graph)), default=0)
    return largest / total


# ---------------------------------------------------------------- thresholds


def er_giant_component_threshold(nodes: int) -> float:
    """Edge probability p = 1/n at which an Erdős–Rényi graph grows a giant component.

    >>> er_giant_component_threshold(1000)
    0.001

    Planned for Ep55 · 1-foundations.
    """
    return 1.0 / require_int("nodes", nodes, minimum=2)


def er_connectivity_threshold(nodes: int) -> float:
    """Edge probability p = ln n / n above which an Erdős–Rényi graph is connected w.h.p.

    >>> round(er_connectivity_threshold(1000), 6)
    0.006908

    Planned for Ep55 · 1-foundations.
    """
    nodes = require_int("nodes", nodes, minimum=2)
    return math.log(nodes) / nodes


def er_giant_component_size(mean_degree: float) -> float:
    """Large-n share of nodes in the Erdős–Rényi giant component: the root S > 0 of
    S = 1 − e^(−⟨k⟩·S); 0 when ⟨k⟩ ≤ 1.

    >>> round(er_giant_component_size(4), 4), er_giant_component_size(0.5)
    (0.9802, 0.0)

    Planned for Ep55 · 1-foundations.
    """
    k = require_non_negative("mean_degree", mean_degree)
    if k <= 1.0:
        return 0.0
    return float(brentq(lambda s: s - 1.0 + math.exp(-k * s), 1e-12, 1.0, xtol=1e-15))


def molloy_reed_threshold(degrees) -> float:
    """Fraction of nodes that must *remain* for a giant component: q_c = ⟨k⟩ / (⟨k²⟩ − ⟨k⟩).

    From the Molloy–Reed criterion ⟨k²⟩/⟨k⟩ > 2 applied after random removal. Heavy-tailed
    degrees make ⟨k²⟩ large and q_c small: scale-free graphs shrug off random failures
    (q_c → 0 as n → ∞ for degree exponent ≤ 3). ``degrees`` is a degree sequence.
    Returns a value above 1 when even the intact graph has no giant component.

    >>> round(molloy_reed_threshold([4] * 100), 4)   # 4-regular: 4 / (16 − 4)
    0.3333

    Planned for Ep55 · 1-foundations.
    """
    k = require_array("degrees", degrees, non_negative=True)
    first, second = k.mean(), (k**2).mean()
    if second - first <= 0:
        raise ValueError(
            "degrees must include some node of degree >= 2 (else no giant component can form)"
        )
    return float(first / (second - first))


def er_percolation_threshold(mean_degree: float) -> float:
    """Molloy–Reed threshold of an Erdős–Rényi graph: keep more than 1/⟨k⟩ of the nodes
    (for Poisson degrees ⟨k²⟩ = ⟨k⟩² + ⟨k⟩), i.e. it survives losing up to 1 − 1/⟨k⟩.

    >>> er_percolation_threshold(4)
    0.25

    Planned for Ep55 · 1-foundations.
    """
    return require_finite_result(1.0 / require_positive("mean_degree", mean_degree), "mean_degree")


# ---------------------------------------------------------------- failure and attack


def _largest_cluster_as_nodes_return(graph: nx.Graph, order: list) -> np.ndarray:
    """Largest component size when the last j nodes of ``order`` are present, for j = 0..N.

    Newman–Ziff: add nodes back in reverse removal order with a union–find, so one pass
    gives the whole curve instead of one connected-components search per fraction.
    """
    parent, size = {}, {}

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving keeps the trees shallow
            x = parent[x]
        return x

    largest = [0]
    for node in reversed(order):
        parent[node], size[node] = node, 1
        best = max(largest[-1], 1)
        for neighbour in graph.neighbors(node):
            if neighbour in parent:
                a, b = root(node), root(neighbour)
                if a != b:
                    if size[a] < size[b]:
                        a, b = b, a
                    parent[b] = a
                    size[a] += size[b]
                    best = max(best, size[a])
        largest.append(best)
    return np.array(largest)


def removal_order(graph: nx.Graph, strategy: str, seed) -> list:
    """Order in which nodes fail: ``"random"`` (a seeded shuffle) or ``"attack"`` (highest
    degree in the intact graph first, ties in seeded random order).

    >>> removal_order(nx.star_graph(4), "attack", seed=0)[0]
    0

    Planned for Ep55 · 2-implementation.
    """
    _require_graph(graph, undirected=False)
    if strategy not in ("random", "attack"):
        raise ValueError(f"strategy must be 'random' or 'attack'; got {strategy!r}")
    seed = _seed(seed)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    nodes = list(graph.nodes)
    shuffled = [nodes[i] for i in rng.permutation(len(nodes))]
    if strategy == "random":
        return shuffled
    return sorted(
        shuffled, key=graph.degree, reverse=True
    )  # stable sort keeps the shuffle for ties


def percolation(
    graph: nx.Graph, fractions_removed, strategy: str = "random", seed=0
) -> pd.DataFrame:
    """Remove a fraction f of nodes and measure the giant component that is left.

    ``strategy`` is ``"random"`` (failures) or ``"attack"`` (highest degree first). One
    removal order serves every f, so the curve is monotone, like one failure scenario
    unfolding. Returns one row per f: ``strategy``, ``fraction_removed``,
    ``nodes_removed``, ``giant_component_fraction`` (share of the original N).

    >>> g = erdos_renyi(2000, edge_probability_for_mean_degree(2000, 4), seed=1)
    >>> table = percolation(g, [0.0, 0.5, 0.9], "random", seed=1)
    >>> table.giant_component_fraction.round(2).tolist()
    [0.98, 0.38, 0.0]

    Planned for Ep55 · 2-implementation.
    """
    fractions = require_array("fractions_removed", fractions_removed)
    if np.any((fractions < 0) | (fractions > 1)):
        raise ValueError("fractions_removed must lie in [0, 1]")
    total = _require_graph(graph).number_of_nodes()
    if total == 0:
        raise ValueError("graph must have at least one node")
    largest = _largest_cluster_as_nodes_return(graph, removal_order(graph, strategy, seed))
    removed = np.rint(fractions * total).astype(int)
    return pd.DataFrame(
        {
            "strategy": strategy,
            "fraction_removed": fractions,
            "nodes_removed": removed,
            "giant_component_fraction": largest[total - removed] / total,
        }
    )


# ---------------------------------------------------------------- ranking and delay


def pagerank(graph: nx.Graph, damping: float = 0.85) -> pd.Series:
    """PageRank scores (sum to 1), highest first, with damping d (0.85 by default).

    A random surfer follows a random out-link with probability d and jumps to a random
    node otherwise; a node's score is the share of time spent there. Dead ends jump
    uniformly.

    >>> pagerank(nx.star_graph(3)).round(3).tolist()
    [0.48, 0.173, 0.173, 0.173]

    Planned for Ep55 · 1-foundations.
    """
    d = require_open_unit("damping", damping)
    if _require_graph(graph, undirected=False).number_of_nodes() == 0:
        raise ValueError("graph must have at least one node")
    try:
        scores = nx.pagerank(graph, alpha=d, tol=1e-12, max_iter=10_000)
    except nx.PowerIterationFailedConvergence:
        # Each step shrinks the error only by the factor d: 0.998^10000 is still 2e-9.
        raise ValueError(
            f"damping {d:g} is too close to 1: PageRank's power iteration did not converge "
            "in 10,000 steps; use damping <= 0.99"
        ) from None
    return pd.Series(scores, name="pagerank").sort_values(ascending=False, kind="stable")


def fibre_propagation_delay(distance_km: float) -> float:
    """One-way propagation delay in seconds over ``distance_km`` of fibre: 5 µs per km.

    Light in glass covers 200 km per millisecond, so London–New York (≈ 5,570 km great
    circle) costs ≥ 27.9 ms one way and ≥ 55.7 ms per round trip before any queueing.

    >>> round(fibre_propagation_delay(5570) * 1000, 2)   # ms
    27.85

    Planned for Ep55 · 1-foundations.
    """
    return require_non_negative("distance_km", distance_km) / FIBRE_SPEED_KM_PER_S


__all__ = [
    "FIBRE_SPEED_KM_PER_S",
    "MAX_EDGES",
    "MAX_NODES",
    "barabasi_albert",
    "edge_probability_for_mean_degree",
    "er_connectivity_threshold",
    "er_giant_component_size",
    "er_giant_component_threshold",
    "er_percolation_threshold",
    "erdos_renyi",
    "fibre_propagation_delay",
    "giant_component_fraction",
    "mean_degree",
    "molloy_reed_threshold",
    "pagerank",
    "percolation",
    "removal_order",
    "watts_strogatz",
]
