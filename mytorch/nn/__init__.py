"""MyTorch layers (Module and its subclasses) and, in functional.py, the differentiable
operations they use."""
