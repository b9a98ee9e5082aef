"""CytoCLIP trainer, evaluator and exporter (PyTorch)."""

__version__ = '0.1.0'
