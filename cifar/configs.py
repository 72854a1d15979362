"""Named settings of cifar_pytorch.py, one per answer of REPORT.md section 1
(keys are the script's flag destinations). The first is the default."""

CONFIGS = {
    # Q1-Q3 (Q2 adds --batchnorm): Adam with a one-cycle schedule, batch 64, light
    # augmentation (flips, shifts of up to 2 whole pixels), chosen to converge in 8 epochs
    # on a CPU.
    "final": {"epochs": 8, "lr": 1e-3, "batch_size": 64, "weight_decay": 1e-4,
              "schedule": "onecycle", "augment": "shift_flip", "tag": None},
    # The handout skeleton's settings for its 50 epochs (constant Adam lr 1e-4, weight
    # decay 1e-3, batch 256) and its augmentation pipeline, compared with the above.
    "skeleton": {"epochs": 50, "lr": 1e-4, "batch_size": 256, "weight_decay": 1e-3,
                 "schedule": "constant", "augment": "skeleton", "tag": "skeleton"},
}
FINAL = CONFIGS["final"]
