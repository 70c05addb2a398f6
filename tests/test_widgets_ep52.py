"""Episode 52 widgets: do they build headlessly, show the library's numbers and explain bad input?"""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from widget_contract import widget_contract

from course.reliability.availability import (
    KofN,
    Parallel,
    Series,
    correlated_parallel,
    k_of_n,
    series,
)
from course.widgets.ep52 import (
    ALERTS,
    AvailabilityComposer,
    ErrorBudgetBurn,
    MTTRNines,
    detection_delay,
    parse_tree,
)
from course.widgets.ep52_lifetimes import (
    CorrelatedFailures,
    WeibullExplorer,
    kaplan_meier,
    monte_carlo_unavailability,
    study_ended_at,
)

#: widget class -> (a good setting that differs from the default, a bad setting, words of its message)
CASES = {
    AvailabilityComposer: ({"spec": "series(5*svc=0.999)"}, {"spec": "series(lb=1.2)"},
                           "must be an availability in [0, 1]"),
    ErrorBudgetBurn: ({"error_pct": 5.0, "slo": 0.9999},
                      {"mode": "requests", "requests_per_day": 0.0}, "requests per day must be > 0"),
    MTTRNines: ({"mttr_minutes": 5.0}, {"mtbf_days": 0.1, "mttr_minutes": 240.0},
                "MTTR (minutes to repair) must be > 0 and shorter than the MTBF"),
    WeibullExplorer: ({"study_end": 5000.0}, {"study_end": 1000.0}, "needs failures at two different ages"),
    CorrelatedFailures: ({"correlation": 0.1, "replicas": 2}, {"seed": -1}, "seed must be a whole number"),
}

(test_widget_builds_headlessly_with_finite_numbers, test_setting_controls_redraws_the_figures_in_place,
 test_bad_input_shows_a_message_naming_it_and_no_nan,
 test_every_widget_of_the_episode_is_tested_here) = widget_contract("ep52", CASES)


# ---------------------------------------------------------------- the composer's spec


def test_parse_tree_builds_the_library_blocks():
    """Does the spec give the Series/Parallel/KofN tree and its availability by the formulas?"""
    tree = parse_tree("series(lb=0.9999, parallel(app=0.999, app=0.999), 2of3(3*db=0.995))")
    assert isinstance(tree, Series)
    lb, apps, dbs = tree.parts
    assert isinstance(apps, Parallel) and isinstance(dbs, KofN) and dbs.k == 2 and len(dbs.parts) == 3
    expected = series([0.9999, 1 - 0.001**2, k_of_n(2, 3, 0.995)])
    assert tree.availability == pytest.approx(expected, rel=1e-12)


def test_parse_tree_reads_percentages_bare_numbers_and_copies():
    """Are 99.9%, a bare 0.999 and 5*x=0.999 read as the same parts?"""
    assert parse_tree("series(5*svc=99.9%)").availability == pytest.approx(0.999**5, rel=1e-12)
    assert parse_tree("parallel(0.9, 0.9)").availability == pytest.approx(0.99, rel=1e-12)
    assert round(parse_tree("3of5(5*node=0.95)").availability, 5) == 0.99884


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("series(lb=1.2)", "must be an availability in [0, 1]"),
        ("series(lb=0.999", "is never closed"),
        ("2of3(db=0.99, db=0.99)", "needs exactly 3"),
        ("4of3(3*db=0.99)", "k must lie in 1..3"),
        ("quorum(db=0.99)", "unknown group"),
        ("series(a=0.9) parallel(b=0.9)", "unexpected"),
        ("series(lb=, app=0.9)", "is not a part"),
        ("", "type a tree"),
        ("series(60*x=0.9)", "use 1 to 50 copies"),
    ],
)
def test_parse_tree_refuses_bad_specs_with_a_spec_message(spec, words):
    """Does each malformed spec raise a ValueError that starts with 'spec:' and says what is wrong?"""
    with pytest.raises(ValueError, match=r"^spec: ") as raised:
        parse_tree(spec)
    assert words in str(raised.value)


def test_composer_table_shows_downtime_per_year_and_month():
    """For five 99.9 % services in series, does the table show 99.5 % and the root's downtime?"""
    composer = AvailabilityComposer()
    composer.set(spec="series(5*svc=0.999)")
    assert round(composer.tree.availability, 4) == 0.995
    minutes = composer.tree.unavailability * 525_600
    assert composer.fig.data[0].x[-1] == pytest.approx(minutes, rel=1e-12)     # the root, drawn at the top
    assert composer.fig.data[0].y[-1].startswith("1 ")
    assert len(composer.fig.data[0].y) == 6          # the root and its five parts
    assert "43.7 h" in composer.answer.value          # 0.004990 × 8760 h


# ---------------------------------------------------------------- error budget


def test_detection_delay_and_the_budget_spent_by_then():
    """Does an alert fire at threshold·window/rate, spending threshold·window/period whatever the rate?"""
    for rate in (14.4, 20.0, 100.0, 1000.0):
        delay = detection_delay(rate, 14.4, timedelta(hours=1))
        assert delay == timedelta(hours=1) * (14.4 / rate)
        assert rate * (delay / timedelta(days=30)) == pytest.approx(0.02, rel=1e-12)
    assert detection_delay(14.39, 14.4, timedelta(hours=1)) is None


def test_error_budget_burn_at_one_percent_against_three_nines():
    """1 % errors against 99.9 %: burn 10, the 6-h page after 3.6 h, the 1-h page never, 4 h spend 5.56 %."""
    burn = ErrorBudgetBurn()
    burn.set(slo=0.999, mode="time", error_pct=1.0, incident_hours=4.0)
    assert burn.rate == pytest.approx(10.0, rel=1e-12)
    fast, slow, ticket = (burn.detections[name] for name, *_ in ALERTS)
    assert fast is None
    assert slow == timedelta(hours=3.6)
    assert ticket == timedelta(hours=7.2)
    assert burn.spent == pytest.approx(10 * 4 / 720, rel=1e-12)
    assert burn.fig.data[2].x[0] == pytest.approx(3.6) and len(burn.fig.data[3].x) == 0
    burn.set(mode="requests", requests_per_day=2.5e6)
    assert "75,000 failed requests of 75,000,000" in burn.answer.value


# ---------------------------------------------------------------- MTTR


@pytest.mark.parametrize(("mttr", "percent"), [(30.0, 99.931), (15.0, 99.965), (5.0, 99.988)])
def test_mttr_nines_reproduces_the_curriculum_numbers(mttr, percent):
    """MTBF 30 days with MTTR 30 / 15 / 5 min: 99.93 / 99.97 / 99.988 %?"""
    widget = MTTRNines()
    widget.set(mtbf_days=30.0, mttr_minutes=mttr, target=0.9999)
    assert round(100 * widget.availability, 3) == percent
    assert widget.max_mttr == pytest.approx(4.32, rel=1e-12)
    assert ("no" in widget.answer.value) == (mttr > 4.32)


# ---------------------------------------------------------------- Weibull and Monte Carlo


def test_kaplan_meier_by_hand_and_study_end():
    """Does Kaplan–Meier give 0.8, 0.6, 0.3 on the hand example, and a study end censor the old units?"""
    times, survival = kaplan_meier([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    assert times.tolist() == [1.0, 2.0, 3.0]
    assert survival == pytest.approx([4 / 5, 4 / 5 * 3 / 4, 4 / 5 * 3 / 4 * 1 / 2])
    ages, failed = study_ended_at([100, 300, 500], [1, 1, 0], 300)
    assert ages.tolist() == [100, 300, 300] and failed.tolist() == [True, True, False]
    with pytest.raises(ValueError, match="same non-zero length"):
        kaplan_meier([1, 2], [1])


def test_weibull_explorer_shows_the_published_fit_and_the_bias():
    """At the full study, is the censored fit β 1.0584, η 26,297 h, and the failures-only η 3,370 h?"""
    explorer = WeibullExplorer()
    assert round(explorer.censored.shape, 4) == 1.0584 and round(explorer.censored.scale) == 26297
    assert round(explorer.failures_only.scale) == 3370
    assert "12 failed, 58 still running" in explorer.answer.value
    explorer.set(study_end=3000.0)
    assert explorer.censored.n_failures + explorer.censored.n_censored == 70
    assert explorer.failures_only.scale < explorer.censored.scale / 5


def test_monte_carlo_covers_the_mix_formula_and_uses_the_rule_of_three():
    """Does the seeded estimate's 95 % interval hold the formula, and 0 failures give 3/trials?"""
    estimate, low, high, failures = monte_carlo_unavailability(0.99, 3, 0.01, 100_000, seed=1)
    assert failures > 0 and low < 1 - correlated_parallel(0.99, 3, 0.01) < high
    assert monte_carlo_unavailability(0.999, 5, 1e-4, 10_000, seed=1) == (0.0, 0.0, 3e-4, 0)
    # The same seed draws the same trials.
    assert monte_carlo_unavailability(0.99, 3, 0.01, 10_000, seed=7) == \
        monte_carlo_unavailability(0.99, 3, 0.01, 10_000, seed=7)


def test_correlated_failures_widget_numbers():
    """Three 99 % replicas with c = 1 %: the independent 1e-6 against the formula's ≈1.01e-4?"""
    widget = CorrelatedFailures()
    widget.set(availability=0.99, replicas=3, correlation=0.01, seed=1, trials=100_000)
    assert widget.independent == pytest.approx(1e-6, rel=1e-9)
    assert widget.formula == pytest.approx(0.99 * 1e-6 + 0.01 * 0.01, rel=1e-9)
    assert math.isclose(widget.fig.data[1].y[0], 1e-6, rel_tol=1e-9)


def test_composer_target_line_and_verdict():
    """Does the dashed line sit at the target's yearly allowance, and the verdict flip at the target?"""
    composer = AvailabilityComposer()
    composer.set(spec="series(lb=0.99999, 2of4(4*node=0.99))", target_nines=4.0)
    assert composer.fig.data[1].x == pytest.approx((52.56, 52.56), rel=1e-12)
    assert composer.meets_target and "meets it" in composer.answer.value
    composer.set(spec="series(lb=0.99999, 2of3(3*node=0.99))")
    assert not composer.meets_target and "falls short" in composer.answer.value
