"""Helpers the tests share: imported by test modules, never by benchmarks or the product."""
