"""The CIFAR part's pieces shared by cifar_pytorch.py and test.py: its data,
model, named configs, declared runs and report tables."""
