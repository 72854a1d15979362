"""Named settings of cifar_pytorch.py, one per answer of REPORT.md section 1
(keys are the script's flag destinations). The first is the default."""

CONFIGS = {
    # Q1-Q3 (Q2 adds --batchnorm): Adam with a one-cycle schedule, batch 64, shifts and
    # random flips, label smoothing and mirror-image test-time augmentation, chosen on
    # validation; 18 epochs take about 10 minutes on one core of a 2-core Xeon.
    "final": {"epochs": 18, "lr": 1e-3, "batch_size": 64, "weight_decay": 1e-4,
              "schedule": "onecycle", "augment": "shift_flip", "label_smoothing": 0.2,
              "tta": True, "tag": None},
    # The handout skeleton's settings for its 50 epochs (constant Adam lr 1e-4, weight
    # decay 1e-3, batch 256) and its augmentation pipeline, compared with the above.
    "skeleton": {"epochs": 50, "lr": 1e-4, "batch_size": 256, "weight_decay": 1e-3,
                 "schedule": "constant", "augment": "skeleton", "label_smoothing": 0.0,
                 "tta": False, "tag": "skeleton"},
}
FINAL = CONFIGS["final"]

# Each trick of the final setting turned off, one at a time, for REPORT.md's table of
# what each adds on validation: name -> (words, the settings that change).
ABLATIONS = {
    "15-epochs": ("15 epochs instead of 18", {"epochs": 15}),
    "no-smoothing": ("no label smoothing", {"label_smoothing": 0.0}),
    "alternating-flips": ("flips alternating by epoch instead of random ones",
                          {"augment": "shift_alternate_flip"}),
}
