"""Benchmark scripts. A package so that the tests can import the scenarios they share (benchmarks.scenarios)."""
