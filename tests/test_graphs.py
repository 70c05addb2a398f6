"""Tests for course.theory.graphs: random graph models, percolation under failure and attack, PageRank.

Theory references: the Erdős–Rényi giant component S = 1 − e^(−⟨k⟩S), site percolation on
ER keeps q·S(q⟨k⟩) of the nodes, the connectivity threshold ln n / n, the Watts–Strogatz
lattice clustering 3(K−2)/(4(K−1)), and PageRank as the solution of a linear system.
Graphs have N = 2,000 nodes or fewer so that each test runs in well under a second.
"""


import networkx as nx
import numpy as np
import pytest

from course.theory.graphs import (
    barabasi_albert,
    edge_probability_for_mean_degree,
    er_connectivity_threshold,
    er_giant_component_size,
    er_giant_component_threshold,
    er_percolation_threshold,
    erdos_renyi,
    fibre_propagation_delay,
    giant_component_fraction,
    mean_degree,
    molloy_reed_threshold,
    pagerank,
    percolation,
    removal_order,
    watts_strogatz,
)

N = 2000


def er_graph(mean_k, seed, nodes=N):
    return erdos_renyi(nodes, edge_probability_for_mean_degree(nodes, mean_k), seed=seed)


# ---------------------------------------------------------------- models


@pytest.mark.parametrize(
    "build",
    [
        lambda seed: er_graph(4, seed),
        lambda seed: watts_strogatz(500, 6, 0.2, seed=seed),
        lambda seed: barabasi_albert(N, 2, seed=seed),
    ],
    ids=["erdos_renyi", "watts_strogatz", "barabasi_albert"],
)
def test_models_are_reproducible_from_their_seed(build):
    """Does the same seed rebuild the same edges, and a different seed different ones?"""
    assert sorted(build(5).edges) == sorted(build(5).edges)
    assert sorted(build(5).edges) != sorted(build(6).edges)


def test_models_accept_a_numpy_generator_and_refuse_no_seed():
    """Can a numpy Generator drive a model, and is a missing seed refused?"""
    a = erdos_renyi(300, 0.02, seed=np.random.default_rng(1))
    b = erdos_renyi(300, 0.02, seed=np.random.default_rng(1))
    assert sorted(a.edges) == sorted(b.edges)
    with pytest.raises(ValueError, match="seed must be an int"):
        erdos_renyi(300, 0.02, seed=None)


def test_mean_degrees_of_the_models():
    """Is ⟨k⟩ = 2E/N near p(n−1) for ER (4 s.d.), exact for WS and 2m(n−m)/n for BA?"""
    degrees = [mean_degree(er_graph(4, seed)) for seed in range(5)]
    # E ~ Binomial(n(n−1)/2, p): s.d. of 2E/N is 2·√(2N)/N ≈ 0.063 for ⟨k⟩ = 4, N = 2000.
    assert abs(np.mean(degrees) - 4) < 4 * 0.063 / np.sqrt(5)
    assert mean_degree(watts_strogatz(500, 6, 0.3, seed=1)) == 6.0
    assert mean_degree(barabasi_albert(N, 3, seed=1)) == pytest.approx(2 * 3 * (N - 3) / N)


def test_watts_strogatz_small_world():
    """Does the unrewired ring have clustering 3(K−2)/(4(K−1)), and do 10 % shortcuts cut paths a lot?"""
    lattice = watts_strogatz(400, 6, 0.0, seed=1)
    assert nx.average_clustering(lattice) == pytest.approx(3 * 4 / (4 * 5))
    small_world = watts_strogatz(400, 6, 0.1, seed=1)
    assert nx.average_clustering(small_world) > 0.6 * nx.average_clustering(lattice)
    assert nx.average_shortest_path_length(small_world) < 0.4 * nx.average_shortest_path_length(
        lattice
    )


def test_barabasi_albert_has_hubs_erdos_renyi_has_not():
    """Is the largest BA degree far above the largest ER degree at the same mean degree?"""
    ba = max(d for _, d in barabasi_albert(N, 2, seed=1).degree)
    er = max(d for _, d in er_graph(4, 1).degree)
    assert ba > 5 * er


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: erdos_renyi(0, 0.1, seed=1), "nodes must be >= 1"),
        (lambda: erdos_renyi(10, 1.5, seed=1), "edge_probability must be a probability"),
        (lambda: edge_probability_for_mean_degree(10, 12), "mean_degree must be <= nodes − 1 = 9"),
        (lambda: watts_strogatz(10, 3, 0.1, seed=1), "neighbours must be even"),
        (lambda: watts_strogatz(10, 4, -0.1, seed=1), "rewiring_probability"),
        (lambda: barabasi_albert(10, 10, seed=1), "edges_per_node must be <= 9"),
        (lambda: mean_degree(nx.Graph()), "at least one node"),
    ],
)
def test_model_input_checks(call, fragment):
    """Are impossible model parameters refused with a ValueError naming them?"""
    with pytest.raises(ValueError, match=fragment):
        call()


# ---------------------------------------------------------------- thresholds


def test_er_threshold_formulas():
    """Are the ER thresholds 1/n, ln n / n and 1/⟨k⟩ (survive losing up to 1 − 1/⟨k⟩ = 75 % at ⟨k⟩ = 4)?"""
    assert er_giant_component_threshold(2000) == 1 / 2000
    assert er_connectivity_threshold(2000) == pytest.approx(np.log(2000) / 2000)
    assert 1 - er_percolation_threshold(4) == 0.75


def test_giant_component_size_solves_its_equation():
    """Does S(⟨k⟩) solve S = 1 − e^(−⟨k⟩S), with S(2) = 0.7968 and no giant at ⟨k⟩ ≤ 1?"""
    for k in (1.2, 2, 4, 8):
        s = er_giant_component_size(k)
        assert s == pytest.approx(1 - np.exp(-k * s), abs=1e-13) and s > 0
    assert er_giant_component_size(2) == pytest.approx(0.796812, abs=1e-6)
    assert er_giant_component_size(1.0) == 0.0


def test_giant_component_appears_at_mean_degree_one():
    """Below p = 1/n is the largest component tiny, and above it near S(⟨k⟩)?"""
    p = er_giant_component_threshold(N)
    below = [giant_component_fraction(erdos_renyi(N, 0.5 * p, seed=s)) for s in range(3)]
    above = [giant_component_fraction(erdos_renyi(N, 2.0 * p, seed=s)) for s in range(3)]
    assert max(below) < 0.02
    assert np.mean(above) == pytest.approx(er_giant_component_size(2.0), abs=0.03)


def test_connectivity_threshold_ln_n_over_n():
    """Is G(n, p) disconnected at half of ln n / n and connected at twice it (seeds 0–4)?"""
    p = er_connectivity_threshold(N)
    # Expected isolated nodes n·e^(−pn): ≈ 45 at 0.5×, ≈ 0.0005 at 2×.
    assert not any(nx.is_connected(erdos_renyi(N, 0.5 * p, seed=s)) for s in range(5))
    assert all(nx.is_connected(erdos_renyi(N, 2.0 * p, seed=s)) for s in range(5))


def test_molloy_reed_threshold_of_er_degrees_is_one_over_mean_degree():
    """From an ER graph's own degrees, is q_c = ⟨k⟩/(⟨k²⟩−⟨k⟩) close to 1/⟨k⟩ = 0.25?"""
    g = er_graph(4, 3)
    assert molloy_reed_threshold([d for _, d in g.degree]) == pytest.approx(0.25, abs=0.015)
    ba = barabasi_albert(N, 2, seed=3)
    assert molloy_reed_threshold([d for _, d in ba.degree]) < 0.5 * 0.25  # hubs: robust to failures
    with pytest.raises(ValueError, match="degrees must include"):
        molloy_reed_threshold([1, 1, 0])


# ---------------------------------------------------------------- percolation


def test_union_find_curve_equals_direct_component_search():
    """Does the one-pass Newman–Ziff curve equal networkx's components of each remaining subgraph?"""
    g = barabasi_albert(600, 2, seed=4)
    fractions = np.linspace(0, 1, 21)
    for strategy in ("random", "attack"):
        table = percolation(g, fractions, strategy, seed=9)
        order = removal_order(g, strategy, seed=9)
        for f, measured in zip(fractions, table.giant_component_fraction):
            kept = g.subgraph(order[int(round(f * 600)) :])
            assert measured == giant_component_fraction(kept, total_nodes=600)


def test_er_random_failures_follow_site_percolation_theory():
    """Under random removal, does ER(⟨k⟩ = 4) keep q·S(4q) of its nodes (3 seeds, ±0.03)?"""
    fractions = np.array([0.1, 0.3, 0.5, 0.6])
    curves = [
        percolation(er_graph(4, s), fractions, "random", seed=s).giant_component_fraction
        for s in range(3)
    ]
    kept = 1 - fractions
    theory = [q * er_giant_component_size(4 * q) for q in kept]
    assert np.mean(curves, axis=0) == pytest.approx(theory, abs=0.03)


def test_er_keeps_giant_at_half_removed_and_loses_it_beyond_three_quarters():
    """Does ER(⟨k⟩ = 4) keep a giant component at 50 % removed but not at 85 % (past 1 − 1/⟨k⟩)?"""
    for seed in range(3):
        table = percolation(er_graph(4, seed), [0.5, 0.85, 0.9], "random", seed=seed)
        half, beyond, far = table.giant_component_fraction
        assert half > 0.3
        assert beyond < 0.02 and far < 0.02


def test_attack_harms_scale_free_more_than_random_failure():
    """Does removing the top 10 % / 20 % hubs of a BA graph shrink its giant far more than random failure?"""
    g = barabasi_albert(N, 2, seed=7)
    random_failure = percolation(
        g, [0.1, 0.2], "random", seed=7
    ).giant_component_fraction.to_numpy()
    attack = percolation(g, [0.1, 0.2], "attack", seed=7).giant_component_fraction.to_numpy()
    assert np.all(random_failure > 0.75)
    assert attack[0] < random_failure[0] - 0.2
    assert attack[1] < 0.1


def test_attack_hurts_ba_more_than_er():
    """Is the damage from a 10 % hub attack larger for BA than for ER of the same mean degree?"""
    ba = percolation(
        barabasi_albert(N, 2, seed=2), [0.1], "attack", seed=2
    ).giant_component_fraction[0]
    er = percolation(er_graph(4, 2), [0.1], "attack", seed=2).giant_component_fraction[0]
    assert ba < er - 0.15


def test_attack_order_is_by_degree():
    """Does an attack remove nodes in non-increasing order of (initial) degree?"""
    g = barabasi_albert(300, 2, seed=1)
    degrees = [g.degree(n) for n in removal_order(g, "attack", seed=1)]
    assert degrees == sorted(degrees, reverse=True)
    assert removal_order(g, "random", seed=1) == removal_order(g, "random", seed=1)


def test_percolation_input_checks():
    """Are unknown strategies and fractions outside [0, 1] refused by name?"""
    g = nx.path_graph(5)
    with pytest.raises(ValueError, match="strategy must be 'random' or 'attack'"):
        percolation(g, [0.5], "targeted", seed=1)
    with pytest.raises(ValueError, match="fractions_removed must lie in"):
        percolation(g, [1.2], "random", seed=1)


# ---------------------------------------------------------------- PageRank and delay


def pagerank_by_linear_solve(graph, d):
    """π = (1−d)/N + d·(Mᵀπ + dangling mass/N), Σπ = 1, solved exactly with numpy."""
    nodes = list(graph.nodes)
    n = len(nodes)
    index = {v: i for i, v in enumerate(nodes)}
    transition = np.zeros((n, n))
    for v in nodes:
        successors = list(graph.successors(v))
        for w in successors:
            transition[index[v], index[w]] = 1 / len(successors)
        if not successors:
            transition[index[v], :] = 1 / n
    # π(I − d·P) = (1−d)/N · 1ᵀ
    pi = np.linalg.solve((np.eye(n) - d * transition).T, np.full(n, (1 - d) / n))
    return dict(zip(nodes, pi))


@pytest.mark.parametrize("damping", [0.85, 0.5])
def test_pagerank_matches_linear_solve_with_dangling_node(damping):
    """Does PageRank equal the exact linear-system solution, dangling node included?"""
    g = nx.gnp_random_graph(30, 0.12, seed=8, directed=True)
    g.remove_edges_from(list(g.out_edges(0)))  # node 0 becomes a dead end
    ranks = pagerank(g, damping)
    expected = pagerank_by_linear_solve(g, damping)
    assert ranks.sum() == pytest.approx(1.0)
    for node, value in expected.items():
        assert ranks[node] == pytest.approx(value, abs=1e-9)
    assert list(ranks) == sorted(ranks, reverse=True)


def test_pagerank_checks_damping():
    """Is a damping outside (0, 1) refused by name?"""
    with pytest.raises(ValueError, match="damping must lie strictly between 0 and 1"):
        pagerank(nx.path_graph(3), 1.0)


def test_fibre_delay_is_five_microseconds_per_km():
    """Is fibre delay 5 µs per km: 200 km per ms, 1,000 km in 5 ms?"""
    assert fibre_propagation_delay(1) == pytest.approx(5e-6)
    assert fibre_propagation_delay(200) == pytest.approx(1e-3)
    assert fibre_propagation_delay(1000) == pytest.approx(5e-3)
    with pytest.raises(ValueError, match="distance_km must be >= 0"):
        fibre_propagation_delay(-1)
