"""Benchmarks of the pipeline: `python -m benchmarks.run --size 10 --repeat 3`."""
