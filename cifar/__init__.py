"""The CIFAR part's pieces shared by cifar_pytorch.py, test.py and the throughput
benchmark: data, augmentation pipelines, model, training loop, file names, named
configs, declared runs and the report table."""
