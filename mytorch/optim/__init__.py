"""MyTorch optimizers: SGD (with momentum) and Adam, on the Optimizer base class."""
