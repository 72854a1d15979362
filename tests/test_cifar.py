"""Tests of the CIFAR-3 part (cifar_pytorch.py, test.py) on tiny batches written in
the official CIFAR-10 python format, with rows of other classes that must be dropped."""
import importlib.util
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

import cifar_pytorch
import utils

OTHER_IDS = (0, 3, 6)


def write_batch(path, cifar_labels):
    """An official-format batch whose image i is filled with the value 10 * CIFAR label + i % 10."""
    data = np.stack([np.full(3072, 10 * label + i % 10, dtype=np.uint8) for i, label in enumerate(cifar_labels)])
    batch = {b"batch_label": b"fixture", b"labels": list(cifar_labels), b"data": data,
             b"filenames": [f"img{i}.png".encode() for i in range(len(cifar_labels))]}
    with open(path, "wb") as handle:
        pickle.dump(batch, handle)


@pytest.fixture
def data_dir(tmp_path):
    """5 training batches of 9 horse/ship/truck + 3 other images each, and a test batch like them."""
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
    return subprocess.run([sys.executable, *map(str, args)], cwd=utils.REPO_ROOT, capture_output=True, text=True)


def test_classes_are_selected_and_relabelled(data_dir):
    splits = cifar_pytorch.load_cifar3(data_dir)
    (train_x, train_y), (val_x, val_y), (test_x, test_y) = splits["train"], splits["val"], splits["test"]
    assert len(train_x) + len(val_x) == 45 and len(test_x) == 9
    assert train_x.dtype == torch.uint8 and train_x.shape[1:] == (3, 32, 32)
    for images, labels in splits.values():
        original = images[:, 0, 0, 0].long() // 10  # the fixture wrote the CIFAR label into the pixels
        assert set(original.tolist()) <= {7, 8, 9}
        assert torch.equal(labels, original - 7)


def test_stratified_split_sizes_and_fixed_seed():
    labels = np.repeat([0, 1, 2], 5000)
    train, val = cifar_pytorch.stratified_split(labels)
    assert len(train) == 13000 and len(val) == 2000
    assert sorted(np.bincount(labels[val]).tolist()) == [666, 667, 667]
    assert not set(train) & set(val)
    again_train, again_val = cifar_pytorch.stratified_split(labels)
    assert np.array_equal(val, again_val) and np.array_equal(train, again_train)


def test_augment_without_changes_is_identity_and_flip_mirrors():
    images = torch.randn(4, 3, 32, 32)
    generator = torch.Generator().manual_seed(0)
    same = cifar_pytorch.augment(images, generator, rotate=0, shift=0, flip=False)
    assert torch.allclose(same, images, atol=1e-5)
    flipped = cifar_pytorch.augment(images, generator, rotate=0, shift=0, flip=True)
    for original, out in zip(images, flipped):
        assert torch.allclose(out, original, atol=1e-5) or torch.allclose(out, original.flip(-1), atol=1e-5)


def test_net_shapes_and_batchnorm_position():
    for batchnorm in (False, True):
        model = cifar_pytorch.Net(batchnorm=batchnorm)
        assert model(torch.randn(5, 3, 32, 32)).shape == (5, 3)
    assert isinstance(cifar_pytorch.Net(batchnorm=True).bn1, torch.nn.BatchNorm1d)
    assert model.num_flat_features(torch.zeros(2, 64, 8, 8)) == 64 * 8 * 8


def test_quick_run_writes_outputs_repeats_and_test_py_loads_it(data_dir, tmp_path):
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name / "cifar"
        cifar_pytorch.main(["--quick", "--data-dir", str(data_dir), "--out", str(out), "--seed", "3"])
        assert (out / "training_plot.png").exists() and (out / "cifar_net.pt").exists()
        runs.append(utils.load_json(out / "run_plain.json"))
    for key in ("train_loss", "val_loss", "val_acc", "best_epoch"):
        assert runs[0][key] == runs[1][key]
    checkpoint = torch.load(tmp_path / "a" / "cifar" / "cifar_net.pt", weights_only=True)
    assert checkpoint["config"] == {"batchnorm": False} and checkpoint["epoch"] == runs[0]["best_epoch"]

    load_test_py().main(["--quick", "--data-dir", str(data_dir), "--out", str(tmp_path / "a" / "cifar")])
    summary = utils.load_json(tmp_path / "a" / "cifar" / "summary.json")
    assert set(summary["test_acc"]) == {"plain"} and summary["val_acc"]["plain"] == runs[0]["best_val_acc"]
    assert (tmp_path / "a" / "cifar" / "confusion_matrix.png").exists()
    table = cifar_pytorch.report_table(tmp_path / "a")
    assert "| plain |" in table and f"{summary['test_acc']['plain']:.4f}" in table


def test_test_py_errors_are_one_line(data_dir, tmp_path):
    """Missing checkpoint: exit 1 with the command to train; corrupt or foreign file: UserError."""
    missing = run_script("test.py", "--batchnorm", "--data-dir", data_dir, "--checkpoint-dir", tmp_path,
                         "--out", tmp_path)
    assert missing.returncode == 1
    assert "train first with: python cifar_pytorch.py --batchnorm" in missing.stderr
    assert "Traceback" not in missing.stderr and missing.stderr.count("\n") == 1

    test_py = load_test_py()
    corrupt = tmp_path / "cifar_net.pt"
    corrupt.write_bytes(b"not a checkpoint")
    with pytest.raises(utils.UserError, match="not a readable checkpoint"):
        test_py.load_checkpoint(corrupt, "python cifar_pytorch.py")

    other = tmp_path / "other.pt"  # a plain Net's weights claimed to be the batch-norm model
    torch.save({"model": "cifar_pytorch.Net", "config": {"batchnorm": True}, "epoch": 1, "val_acc": 0.5,
                "state_dict": cifar_pytorch.Net().state_dict()}, other)
    with pytest.raises(utils.UserError, match=r"does not match .*Missing key\(s\).*bn1\.weight"):
        test_py.load_checkpoint(other, "python cifar_pytorch.py")


def test_course_pickles_are_used_when_present(tmp_path):
    for split, count in (("train", 6), ("val", 3), ("test", 3)):
        images = np.arange(count * 3072, dtype=np.int64).reshape(count, 3072) % 256
        with open(tmp_path / f"cifar10_hst_{split}", "wb") as handle:
            pickle.dump({"images": images, "labels": np.arange(count).reshape(-1, 1) % 3}, handle)
    splits = cifar_pytorch.load_cifar3(tmp_path)
    assert [len(splits[s][0]) for s in ("train", "val", "test")] == [6, 3, 3]
    assert splits["val"][1].tolist() == [0, 1, 2] and splits["train"][0].dtype == torch.uint8


def test_corrupt_batch_is_a_data_error(data_dir):
    (data_dir / "cifar-10-batches-py" / "data_batch_3").write_bytes(b"garbage")
    with pytest.raises(utils.DataError, match="data_batch_3"):
        cifar_pytorch.load_cifar3(data_dir)


@pytest.mark.parametrize("flags", [["--epochs", "0"], ["--batch-size", "0"], ["--lr", "0"], ["--shift", "-1"]])
def test_bad_flags_are_user_errors(flags):
    with pytest.raises(utils.UserError, match="must"):
        cifar_pytorch.parse_args(flags)
