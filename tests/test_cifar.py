"""Tests of the CIFAR-3 part (cifar_pytorch.py, test.py, cifar/) on tiny batches written
in the official CIFAR-10 python format, with rows of other classes that must be dropped."""
import importlib.util
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from torchvision.transforms import v2

import cifar_pytorch
import store
import utils
from cifar import data, report
from cifar.configs import CONFIGS
from cifar.model import MODEL_NAME, Net
from cifar import transforms
from cifar.training import evaluate, train_batches, view_logits
from cifar.transforms import AUGMENTATIONS, NORMALIZE

OTHER_IDS = (0, 3, 6)


def write_batch(path, cifar_labels):
    """An official-format batch whose image i is filled with the value 10 * CIFAR label + i % 10."""
    images = np.stack([np.full(3072, 10 * label + i % 10, dtype=np.uint8)
                       for i, label in enumerate(cifar_labels)])
    batch = {b"batch_label": b"fixture", b"labels": list(cifar_labels), b"data": images,
             b"filenames": [f"img{i}.png".encode() for i in range(len(cifar_labels))]}
    with open(path, "wb") as handle:
        pickle.dump(batch, handle)


@pytest.fixture
def data_dir(tmp_path):
    """5 training batches of 9 horse/ship/truck + 3 other images each, and a test batch
    like them."""
    folder = tmp_path / "data" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rows = [7, 8, 9] * 3 + list(OTHER_IDS)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        write_batch(folder / name, rows)
    return tmp_path / "data"


def load_test_py():
    """test.py as a module (the name `test` would clash with Python's own test package)."""
    spec = importlib.util.spec_from_file_location("cifar_test_script", utils.REPO_ROOT / "test.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(*args):
    return subprocess.run([sys.executable, *map(str, args)], cwd=utils.REPO_ROOT,
                          capture_output=True, text=True)


def test_classes_are_selected_and_relabelled(data_dir):
    splits = data.load_cifar3(data_dir)
    (train_x, _), (val_x, _), (test_x, _) = splits["train"], splits["val"], splits["test"]
    assert len(train_x) + len(val_x) == 45 and len(test_x) == 9
    assert train_x.dtype == torch.uint8 and train_x.shape[1:] == (3, 32, 32)
    for images, labels in splits.values():
        original = images[:, 0, 0, 0].long() // 10  # the fixture wrote the CIFAR label
        assert set(original.tolist()) <= {7, 8, 9}
        assert torch.equal(labels, original - 7)


def test_stratified_split_sizes_and_fixed_seed():
    labels = np.repeat([0, 1, 2], 5000)
    train, val = data.stratified_split(labels)
    assert len(train) == 13000 and len(val) == 2000
    assert sorted(np.bincount(labels[val]).tolist()) == [666, 667, 667]
    assert not set(train) & set(val)
    again_train, again_val = data.stratified_split(labels)
    assert np.array_equal(val, again_val) and np.array_equal(train, again_train)


@pytest.mark.parametrize("augment", ["shift_flip", "shift_alternate_flip"])
def test_shift_flip_moves_each_image_by_at_most_2_pixels_or_mirrors_it(augment):
    """Every augmented image of a batch is torchvision's RandomCrop(32, padding=2, fill=128)
    of the original or of its mirror image; each image draws its own shift (and, with
    random flips, its own flip)."""
    image = torch.randint(0, 128, (3, 32, 32), dtype=torch.uint8)
    padded = v2.functional.pad(image, [2] * 4, fill=128)
    candidates = [view[:, i:i + 32, j:j + 32] for view in (padded, padded.flip(-1))
                  for i in range(5) for j in range(5)]
    torch.manual_seed(0)
    outputs = AUGMENTATIONS[augment].batch(image.expand(200, 3, 32, 32), torch.arange(200), 1)
    assert outputs.dtype == torch.uint8 and outputs.shape == (200, 3, 32, 32)
    matches = [next(k for k, c in enumerate(candidates) if torch.equal(out, c))
               for out in outputs]  # StopIteration if an output is none of them
    assert len(set(matches)) > 25  # shifts and flips both occur


def test_alternating_flips_mirror_each_image_in_every_other_epoch():
    flip = transforms.ShiftFlip(pad=0, fill=128, alternate=True)
    images = torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8)
    index = torch.tensor([4, 7, 0, 3, 10, 1])  # the images' places in the training split
    mirrored = [[torch.equal(out, image.flip(-1)) for out, image in
                 zip(flip(images, index, epoch), images)] for epoch in (1, 2, 3)]
    assert mirrored[0] == [i % 2 == 0 for i in index.tolist()]
    assert mirrored[1] == [not m for m in mirrored[0]] and mirrored[2] == mirrored[0]


def test_cifar3_dataset_and_normalisation():
    images = torch.arange(2 * 3072).reshape(2, 3, 32, 32).remainder(256).to(torch.uint8)
    dataset = data.CIFAR3(images, torch.tensor([2, 0]))
    image, label = dataset[1]
    assert len(dataset) == 2 and torch.equal(image, images[1]) and label == 0
    flipped = data.CIFAR3(images, torch.tensor([2, 0]), transform=lambda x: x.flip(-1))
    assert torch.equal(flipped[0][0], images[0].flip(-1))
    pixels = torch.tensor([0, 255], dtype=torch.uint8).expand(3, 2).reshape(3, 1, 2)
    assert NORMALIZE(pixels).flatten().tolist() == [-1.0, 1.0] * 3


@pytest.mark.parametrize("augment", ["none", "skeleton"])
def test_training_batches_shuffle_per_epoch_and_repeat_with_their_seed(augment):
    images = torch.arange(10, dtype=torch.uint8).reshape(10, 1, 1, 1).expand(10, 3, 32, 32)

    def epochs(seed):
        batches = train_batches(images, torch.arange(10), AUGMENTATIONS[augment], 4,
                                torch.Generator().manual_seed(seed), torch.device("cpu"))
        return [[y.tolist() for _, y, _ in batches] for _ in range(2)]
    first = epochs(1)
    assert [len(epoch) for epoch in first] == [2, 2]  # the partial batch is dropped
    assert first[0] != first[1] and first == epochs(1)
    if augment == "none":
        x, y, index = next(iter(train_batches(images, torch.arange(10), AUGMENTATIONS[augment],
                                              4, torch.Generator(), torch.device("cpu"))))
        assert torch.equal(y, index) and torch.equal(x, images[index])


def test_validation_scores_both_ways_and_the_run_keeps_its_own(data_dir, tmp_path):
    """The run records validation accuracy with and without mirror images; its val_acc
    is the one of its settings, and test.py scores the checkpoint the same way."""
    out = tmp_path / "cifar"
    cifar_pytorch.main(["--quick", "--data-dir", str(data_dir), "--out", str(out)])
    run = store.load_json(out / "run_plain.json")
    assert set(run["val_acc_by_scoring"]) == {"images", "images+mirrors"}
    assert run["val_acc"] == run["val_acc_by_scoring"]["images+mirrors"]
    cifar_pytorch.main(["--quick", "--data-dir", str(data_dir), "--out", str(out), "--tag",
                        "bare", "--no-tta"])
    bare = store.load_json(out / "run_bare.json")
    assert bare["val_acc"] == bare["val_acc_by_scoring"]["images"]


def test_mirror_scoring_averages_the_logits_of_both_views():
    model = Net()
    images = torch.randint(0, 256, (7, 3, 32, 32), dtype=torch.uint8)
    logits = view_logits(model, images, torch.device("cpu"), batch_size=3)
    plain = model(NORMALIZE(images))
    assert torch.allclose(logits[0], plain, atol=1e-5)
    assert torch.allclose(logits[1], model(NORMALIZE(images).flip(-1)), atol=1e-5)
    _, _, predictions = evaluate(model, images, torch.zeros(7, dtype=torch.long),
                                 torch.device("cpu"), mirror=True)
    assert torch.equal(predictions, logits.mean(0).argmax(1))


def test_net_shapes_and_batchnorm_position():
    for batchnorm in (False, True):
        model = Net(batchnorm=batchnorm)
        assert model(torch.randn(5, 3, 32, 32)).shape == (5, 3)
    assert isinstance(Net(batchnorm=True).bn1, torch.nn.BatchNorm1d)
    assert model.num_flat_features(torch.zeros(2, 64, 8, 8)) == 64 * 8 * 8


def test_defaults_are_the_reported_runs():
    """No flags: the final config (the plain Net of REPORT.md's table); the skeleton
    comparison is one named config, and it names its files 'skeleton'."""
    args = cifar_pytorch.parse_args([])
    assert args.config == "final" and not args.batchnorm
    assert (args.epochs, args.lr, args.batch_size, args.weight_decay, args.schedule,
            args.augment, args.label_smoothing, args.tta, args.seed) == (
        18, 1e-3, 64, 1e-4, "onecycle", "shift_flip", 0.2, True, 0)
    skeleton = cifar_pytorch.parse_args(["--config", "skeleton"])
    assert {key: getattr(skeleton, key) for key in CONFIGS["skeleton"]} == CONFIGS["skeleton"]
    assert (skeleton.epochs, skeleton.lr, skeleton.batch_size, skeleton.augment) == (
        50, 1e-4, 256, "skeleton")
    steps = [type(step).__name__ for step in AUGMENTATIONS["skeleton"].image.transforms]
    assert steps == ["ColorJitter", "RandomRotation", "RandomHorizontalFlip"]
    assert cifar_pytorch.parse_args(["--config", "skeleton", "--epochs", "3"]).epochs == 3


def test_quick_run_writes_outputs_repeats_and_test_py_loads_it(data_dir, tmp_path):
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name / "cifar"
        cifar_pytorch.main(["--quick", "--data-dir", str(data_dir), "--out", str(out),
                            "--seed", "3"])
        assert (out / "training_plot.png").exists() and (out / "cifar_net.pt").exists()
        runs.append(store.load_json(out / "run_plain.json"))
    for key in ("train_loss", "val_loss", "val_acc", "best_epoch", "settings"):
        assert runs[0][key] == runs[1][key]
    assert runs[0]["script"] == "cifar_pytorch.py" and runs[0]["settings"]["seed"] == 3
    assert runs[0]["environment"] == utils.environment()
    checkpoint = torch.load(tmp_path / "a" / "cifar" / "cifar_net.pt", weights_only=True)
    assert checkpoint["config"] == {"batchnorm": False}
    assert checkpoint["epoch"] == runs[0]["best_epoch"]

    out = tmp_path / "a" / "cifar"
    load_test_py().main(["--quick", "--data-dir", str(data_dir), "--out", str(out)])
    evaluation = store.load_json(out / "evaluation_plain.json")
    assert evaluation["script"] == "test.py" and evaluation["val_acc"] == runs[0]["best_val_acc"]
    assert (out / "confusion_matrix.png").exists()
    wrong = evaluation["test_images"] - round(evaluation["test_acc"] * evaluation["test_images"])
    assert (out / "mistakes.png").exists() == (wrong > 0)
    table = report.report_table(tmp_path / "a")
    assert "| plain |" in table and f"{evaluation['test_acc']:.4f}" in table


def test_a_run_that_never_improves_keeps_its_first_epoch(data_dir, tmp_path, monkeypatch):
    """Validation accuracy 0 in every epoch: the first epoch is still the best so far,
    so the checkpoint named at the end is the one this run wrote."""
    never = {name: (1.0, 0.0) for name in ("images", "images+mirrors")}
    monkeypatch.setattr(cifar_pytorch, "validate", lambda *args: never)
    out = tmp_path / "cifar"
    cifar_pytorch.main(["--quick", "--data-dir", str(data_dir), "--out", str(out)])
    run = store.load_json(out / "run_plain.json")
    checkpoint = torch.load(out / "cifar_net.pt", weights_only=True)
    assert run["best_epoch"] == 1 and run["best_val_acc"] == 0.0
    assert checkpoint["epoch"] == 1 and checkpoint["settings"] == run["settings"]


def test_an_interrupted_run_keeps_its_plot(data_dir, tmp_path, monkeypatch):
    """Ctrl-C during the second epoch: the first epoch's JSON, checkpoint and figure stay."""
    real_validate, calls = cifar_pytorch.validate, []

    def validate_then_interrupt(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_validate(*args)

    monkeypatch.setattr(cifar_pytorch, "validate", validate_then_interrupt)
    out = tmp_path / "cifar"
    with pytest.raises(KeyboardInterrupt):
        cifar_pytorch.main(["--quick", "--data-dir", str(data_dir), "--out", str(out)])
    assert store.load_json(out / "run_plain.json")["epochs"] == 1
    assert (out / "training_plot.png").is_file() and (out / "cifar_net.pt").is_file()


def test_test_py_refuses_another_runs_checkpoint(data_dir, tmp_path):
    """A checkpoint left by a run with other settings is not scored under this run's name."""
    out = tmp_path / "cifar"
    cifar_pytorch.main(["--quick", "--data-dir", str(data_dir), "--out", str(out)])
    cifar_pytorch.main(["--quick", "--data-dir", str(data_dir), "--out", str(tmp_path / "other"),
                        "--lr", "0.01", "--checkpoint-dir", str(out)])  # overwrites cifar_net.pt
    result = run_script("test.py", "--quick", "--data-dir", data_dir, "--out", out)
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "was written by another run" in result.stderr and "settings" in result.stderr
    assert not (out / "evaluation_plain.json").exists()


def test_mistakes_grid_shows_the_first_wrong_images(tmp_path):
    images = torch.randint(0, 256, (40, 3, 32, 32), dtype=torch.uint8)
    labels = torch.zeros(40, dtype=torch.long)
    test_py = load_test_py()
    assert test_py.plot_mistakes(images, labels, labels, "none", tmp_path / "none.png") is None
    predictions = labels.clone()
    predictions[[3, 5, 39]] = torch.tensor([1, 2, 1])
    path = test_py.plot_mistakes(images, labels, predictions, "three", tmp_path / "m.png")
    assert path.exists() and not (tmp_path / "none.png").exists()


def test_test_py_errors_are_one_line(data_dir, tmp_path):
    """Missing checkpoint: exit 1 with the command to train; corrupt or foreign file: UserError."""
    missing = run_script("test.py", "--batchnorm", "--data-dir", data_dir, "--checkpoint-dir",
                         tmp_path, "--out", tmp_path)
    assert missing.returncode == 1
    assert (f"make it with: python cifar_pytorch.py --batchnorm --checkpoint-dir {tmp_path} "
            f"--out {tmp_path}") in missing.stderr
    assert "Traceback" not in missing.stderr and missing.stderr.count("\n") == 1
    quick = run_script("test.py", "--tag", "mine", "--quick", "--data-dir", data_dir)
    assert quick.returncode == 1
    assert quick.stderr.rstrip().endswith(
        "make it with: python cifar_pytorch.py --tag mine --quick")

    test_py = load_test_py()
    corrupt = tmp_path / "cifar_net.pt"
    corrupt.write_bytes(b"not a checkpoint")
    with pytest.raises(utils.UserError, match="not a readable checkpoint"):
        test_py.load_checkpoint(corrupt, "python cifar_pytorch.py")

    other = tmp_path / "other.pt"  # a plain Net's weights claimed to be the batch-norm model
    torch.save({"model": MODEL_NAME, "config": {"batchnorm": True}, "epoch": 1, "val_acc": 0.5,
                "state_dict": Net().state_dict()}, other)
    with pytest.raises(utils.UserError, match=r"does not match .*Missing key\(s\).*bn1\.weight"):
        test_py.load_checkpoint(other, "python cifar_pytorch.py")


def write_course_pickles(folder, images=None, labels=None):
    for split, count in (("train", 6), ("val", 3), ("test", 3)):
        split_images = np.arange(count * 3072, dtype=np.int64).reshape(count, 3072) % 256
        split_labels = np.arange(count).reshape(-1, 1) % 3
        with open(folder / f"cifar10_hst_{split}", "wb") as handle:
            pickle.dump({"images": split_images if images is None else images,
                         "labels": split_labels if labels is None else labels}, handle)


def test_course_pickles_are_used_when_present(tmp_path):
    write_course_pickles(tmp_path)
    splits = data.load_cifar3(tmp_path)
    assert [len(splits[s][0]) for s in ("train", "val", "test")] == [6, 3, 3]
    assert splits["val"][1].tolist() == [0, 1, 2] and splits["train"][0].dtype == torch.uint8


@pytest.mark.parametrize("images, labels, message", [
    (np.zeros((4, 32, 32, 3), dtype=np.uint8), np.zeros(4), "expected a course CIFAR-3 pickle"),
    (np.zeros((4, 1024), dtype=np.uint8), np.zeros(4), "shape \\(4, 1024\\)"),
    (np.zeros((4, 3072), dtype=np.uint8), np.zeros(3), "with 3 labels"),
    (np.zeros((4, 3072), dtype=np.uint8), np.array([7, 8, 9, 7]), "labels \\[7, 8, 9\\] outside"),
])
def test_bad_course_pickles_are_one_line(tmp_path, images, labels, message):
    write_course_pickles(tmp_path, images, labels)
    with pytest.raises(utils.DataError, match=message):
        data.load_cifar3(tmp_path)
    result = run_script("cifar_pytorch.py", "--quick", "--data-dir", tmp_path, "--out", tmp_path)
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_corrupt_batch_is_a_data_error(data_dir):
    (data_dir / "cifar-10-batches-py" / "data_batch_3").write_bytes(b"garbage")
    with pytest.raises(utils.DataError, match="data_batch_3"):
        data.load_cifar3(data_dir)


@pytest.mark.parametrize("flags", [
    ["--lr", "nan"], ["--lr", "0"], ["--lr", "-1"], ["--lr", "inf"],
    ["--weight-decay", "nan"], ["--weight-decay", "-1e-4"],
    ["--epochs", "0"], ["--epochs", "-1"], ["--epochs", "1000000"],
    ["--batch-size", "0"], ["--batch-size", "100000"], ["--batchnorm", "--batch-size", "1"],
    ["--augment", "nosuch"], ["--limit", "0"], ["--tag", "a/b"], ["--tag", ""],
    ["--seed", "-1"], ["--seed", "99999999999"], ["--config", "nosuch"],
])
def test_bad_flags_exit_2_with_one_line(flags, capsys):
    with pytest.raises(SystemExit) as stop:
        cifar_pytorch.parse_args(flags)
    assert stop.value.code == 2
    error_lines = [line for line in capsys.readouterr().err.splitlines()
                   if line.startswith("cifar_pytorch.py: error:")
                   or ": error:" in line]
    assert len(error_lines) == 1


@pytest.mark.parametrize("flags", [["--tag", "a/b"], ["--seed", "nan"]])
def test_test_py_bad_flags_exit_2(flags):
    result = run_script("test.py", *flags)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def fake_run(folder, name, seed, best, batchnorm=False, by_scoring=None, **changes):
    """A run JSON as cifar_pytorch.py writes it, with only what the report reads."""
    settings = {**cifar_pytorch.parse_args(["--batchnorm"] if batchnorm else []).__dict__,
                **changes, "seed": seed, "tag": name}
    for place in ("out", "data_dir", "part"):
        settings.pop(place, None)
    epochs = settings["epochs"]
    store.save_json({"name": name, "settings": settings, "epochs": epochs, "best_epoch": epochs,
                     "best_val_acc": best, "val_acc": [best - 0.1] * (epochs - 1) + [best],
                     "train_loss": [1.0, 0.9] * epochs,
                     "val_acc_by_scoring": by_scoring or {}}, folder / f"run_{name}.json")


def test_report_tables_average_seeds_and_pair_each_ablation_with_its_seeds(tmp_path):
    folder = tmp_path / "cifar"
    for seed, best in enumerate((0.96, 0.97, 0.98)):
        fake_run(folder, "plain" if seed == 0 else f"plain-seed{seed}", seed, best,
                 by_scoring={"images": [0.9, best - 0.02]})
        store.save_json({"test_acc": best - 0.005}, folder /
                        f"evaluation_{'plain' if seed == 0 else f'plain-seed{seed}'}.json")
    fake_run(folder, "plain-no-smoothing-seed1", 1, 0.95, label_smoothing=0.0)
    fake_run(folder, "plain-no-smoothing-seed0", 0, 0.94, label_smoothing=0.0)
    fake_run(folder, "plain-alternating-flips-seed0", 0, 0.99, augment="shift_alternate_flip",
             epochs=9)
    store.save_json({**store.load_json(folder / "run_plain-alternating-flips-seed0.json"),
                     "epochs": 3}, folder / "run_plain-alternating-flips-seed0.json")  # unfinished
    table = report.report_table(tmp_path)
    assert "| plain | `python cifar_pytorch.py` |" in table and "batchnorm" not in table
    assert "0.9600, 0.9700, 0.9800 | **0.9700** | 0.9550, 0.9650, 0.9750 | **0.9650** |" in table
    ablation = report.ablation_table(tmp_path)
    assert "| (nothing changed) | 0.9700 (3 seeds) | not run |" in ablation
    # against seeds 0 and 1 of the final setting (mean 0.965), not all three
    assert "| no label smoothing | 0.9450 (-0.0200, 2 seeds) | not run |" in ablation
    assert "| flips alternating by epoch instead of random ones | not run | not run |" in ablation
    assert "no mirror images in validation | 0.9500 (-0.0200, 3 seeds) |" in ablation

    assert report.main(["--out", str(folder)]) is None
    assert (folder / "validation_curves.png").is_file()
    with pytest.raises(utils.UserError, match="no final runs"):
        report.main(["--out", str(tmp_path / "empty")])
