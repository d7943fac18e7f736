"""Reproducible benchmarks against PyTorch and hand-written NumPy (`python -m bench`)."""
