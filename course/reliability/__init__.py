"""Reliability: availability and error budgets, lifetimes (Weibull, bathtub), Markov chains.

Learner shortcut: ``from course.reliability import fit_weibull`` — the lifetime models of
:mod:`course.reliability.lifetimes` (README.md, "Library map").
"""

from course.reliability.lifetimes import (
    CompetingRisks,
    Exponential,
    Weibull,
    WeibullFit,
    bathtub,
    binomial_failures,
    fit_weibull,
)

__all__ = ["Exponential", "Weibull", "CompetingRisks", "bathtub", "fit_weibull", "WeibullFit", "binomial_failures"]
