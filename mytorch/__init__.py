"""MyTorch: a NumPy-only autograd library with the 11-785 API
(tensor.py, autograd_engine.py, nn/, optim/)."""
