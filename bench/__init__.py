"""Benchmarks (`make bench`): they print figures; tests never check wall-clock times."""
