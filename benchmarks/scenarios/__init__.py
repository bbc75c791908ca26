"""Scenarios shared by the benchmarks and the tests: the benchmarks count their outcomes, the tests assert on
them. They import the product only, never `tests`, so a benchmark runs without the test tree."""
