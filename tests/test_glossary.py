"""One vocabulary: docs/glossary.md lists every quantity name of the core models, and no
retired name is left in the product (library, grading, certificates, CLI, notebooks)."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path

import pytest

from course.patterns import Bulkhead, Exponential, Service
from course.patterns.bulkhead_sizing import BulkheadSizing
from course.queueing.finite import MMcK, MMInf
from course.queueing.general import GGc
from course.queueing.littles_law import LittlesLaw
from course.queueing.markovian import MM1, MMc
from course.queueing.networks import JacksonNetwork
from course.simulation import simulate_mmc
from course.simulation.network import Node

REPO = Path(__file__).resolve().parent.parent
GLOSSARY = REPO / "docs" / "glossary.md"

#: Public names of the core classes that are not quantities: labels, structure, behaviour.
NOT_QUANTITIES = {
    "name": "a label",
    "model": "a label (the model simulated)",
    "engine": "a label (which engine ran)",
    "calls": "the dependencies a service calls (structure)",
    "endpoints": "named entry points of a service (structure)",
    "degradation": "a policy object (patterns), not a number",
    "shedding": "a policy object (patterns), not a number",
    "service": "a node's service-time distribution (its mean is 1/service_rate)",
    "arrivals": "a node's distribution of gaps between external arrivals",
}

#: The core model classes and one example instance each (instance attributes count too).
EXAMPLES = [
    MM1(0.5, 1.0),
    MMc(9.0, 1.0, 10),
    GGc(0.5, 1.0, 1, 1.0, 0.5),
    MMcK(2.0, 1.0, 1, 5),
    MMInf(2.0, 1.0),
    JacksonNetwork([1.0, 0.0], routing=[[0.0, 1.0], [0.0, 0.0]], service_rates=[2.0, 3.0], servers=[1, 2]),
    LittlesLaw(L=2.0, W=1.0, arrival_rate=2.0),
    simulate_mmc(0.5, 1.0, 1, customers=1_000, seed=1),
    Node("web", servers=2, service=Exponential(rate=1.0)),
    Service("api", workers=4, queue_capacity=10, service_time=Exponential(rate=50.0)),
    Bulkhead(max_concurrent=10, queue_capacity=5),
    BulkheadSizing(100, 0.2),
]

#: Names retired for one vocabulary (docs/glossary.md says what replaced each).
RETIRED = [
    "wait_probability", "probability_of_waiting", "traffic_intensity", "servers_list",
    "NotEligible", "KeyProblem", "Band",
]
#: Where the product lives: every file here is searched for the retired names.
PRODUCT = ["course", "grading", "certificates", "dsu", "series-1", "series-3"]
SUFFIXES = {".py", ".ipynb", ".md", ".toml", ".j2", ".html"}


def glossary_names() -> set[str]:
    """Every `name` in the first column of the glossary's tables (the retired ones excluded)."""
    names = set()
    current = GLOSSARY.read_text(encoding="utf-8").split("## Retired names")[0]
    for line in current.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            names |= set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", line.split("|")[1]))
    return names


def public_names(example) -> set[str]:
    """Constructor parameters, dataclass fields, properties and instance attributes."""
    cls = type(example)
    names = set(inspect.signature(cls).parameters)
    if dataclasses.is_dataclass(cls):
        names |= {f.name for f in dataclasses.fields(cls)}
    for klass in cls.__mro__:
        names |= {n for n, v in vars(klass).items() if isinstance(v, property)
                  or type(v).__name__ == "cached_property"}
    names |= set(getattr(example, "__dict__", {}))
    return {n for n in names if not n.startswith("_")}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: type(e).__name__)
def test_glossary_lists_every_quantity_of_the_core_models(example):
    """Is every public quantity name of this core class listed in docs/glossary.md?"""
    missing = public_names(example) - glossary_names() - set(NOT_QUANTITIES)
    assert not missing, f"{type(example).__name__}: add to docs/glossary.md: {sorted(missing)}"


def test_glossary_lists_the_core_vocabulary():
    """Does the glossary name the quantities every episode uses (and only one name each)?"""
    core = {"arrival_rate", "service_rate", "servers", "utilization", "offered_load", "p_wait",
            "wq", "w", "lq", "l", "capacity", "queue_capacity", "workers", "threads"}
    assert core <= glossary_names()
    assert not set(RETIRED) & glossary_names()


def test_readme_library_map_links_the_glossary():
    """Does README's Library map point to the glossary?"""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    library_map = readme.split("## Library map", 1)[1]
    assert "docs/glossary.md" in library_map


def product_files():
    for folder in PRODUCT:
        for path in sorted((REPO / folder).rglob("*")):
            if path.suffix in SUFFIXES and path.is_file() and ".ipynb_checkpoints" not in path.parts:
                yield path


def test_no_retired_name_is_left_in_the_product():
    """Is every retired name gone from course/, grading/, certificates/, dsu/ and the notebooks?

    A retired name inside a longer identifier (``pool_wait_probability``) counts too."""
    pattern = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z0-9_]*_)?(" + "|".join(RETIRED) + r")(?![A-Za-z0-9])")
    hits = []
    for path in product_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                hits.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:100]}")
    assert not hits, "retired names (see docs/glossary.md):\n" + "\n".join(hits)


def test_the_retired_name_search_finds_what_it_should():
    """Does the search catch a retired name alone and inside a longer name, and not a new one?"""
    pattern = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z0-9_]*_)?(" + "|".join(RETIRED) + r")(?![A-Za-z0-9])")
    assert pattern.search("plan.wait_probability") and pattern.search("pool_wait_probability(1)")
    assert pattern.search("except KeyProblem:") and pattern.search("band: Band")
    assert not pattern.search("plan.p_wait") and not pattern.search("NotEligibleError")
    assert not pattern.search("IssuerKeyError") and not pattern.search("Bandwidth")
