"""Measuring a real (small) service: a three-tier HTTP service on loopback and a load generator.

Taught in: Ep53 · 2-implementation.
"""
