"""Parity (handout Q4-Q7): the hand-set univariate LSTM and the trained ParityLSTM."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import driver_parity
import store
import univariate_tester
import utils
from driver_parity import ParityLSTM
from parity import figures
from parity import report
from parity.configs import CONFIGS
from parity.data import Parity, pad_collate, random_strings
from parity.evaluation import (VALIDATION_SAMPLES, accuracy, accuracy_by_length, accuracy_by_prefix,
                               validation_and_test_strings)


def run_script(*args):
    return subprocess.run([sys.executable, *map(str, args)], cwd=utils.REPO_ROOT,
                          capture_output=True, text=True)


# --- Q4: univariate_tester.py -------------------------------------------------

def test_hand_weights_pass_every_string_up_to_length_14():
    passed, margin, checked = univariate_tester.check_all_lengths(14)
    assert passed and checked == 2 ** 15 - 1
    assert margin > 0.25


def all_strings(length):
    """Every binary string of `length` bits, one per row, in itertools.product order."""
    codes = np.arange(2 ** length, dtype=np.int64)[:, None]
    return ((codes >> np.arange(length - 1, -1, -1)) & 1).astype(np.uint8)


def final_hidden(bits):
    """Final h for each row of an (N, T) 0/1 array, all rows stepped together; h and c
    start at 0 (the plain run that the prefix-tree check must agree with)."""
    h, c = np.zeros(len(bits)), np.zeros(len(bits))
    for column in np.ascontiguousarray(bits.T):
        h, c = univariate_tester.lstm_step(univariate_tester.WEIGHTS, column, h, c)
    return h


def test_prefix_tree_check_agrees_with_running_each_string():
    bits = all_strings(8)
    h = final_hidden(bits)
    assert np.array_equal(h > 0.5, bits.sum(axis=1) % 2 == 1)
    margin = univariate_tester.check_all_lengths(8)[1]
    assert univariate_tester.margin_of(h) == pytest.approx(margin)


def test_bad_weights_stop_at_the_first_failure(capsys):
    broken = {**univariate_tester.WEIGHTS, "b_o": -20.0}  # output gate shut: h ~ 0 always
    passed, _, _ = univariate_tester.check_all_lengths(5, broken)
    assert not passed
    assert "FAILED on 1: predicted even" in capsys.readouterr().out
    assert not univariate_tester.invariant_intervals(broken)["proved"]


def test_interval_argument_covers_every_length():
    proof = univariate_tester.invariant_intervals()
    assert proof["proved"]
    assert proof["even_h"][1] < 0.5 < proof["odd_h"][0]


def test_random_long_strings():
    passed, margin = univariate_tester.check_random(300, 50, np.random.default_rng(0))
    assert passed and margin > 0.25
    bits = random_strings(np.random.default_rng(0), 4, 7)
    assert bits.shape == (4, 7) and bits.dtype == np.uint8 and set(bits.ravel()) <= {0, 1}


def test_random_check_scores_every_prefix():
    """The margin over every prefix of the streamed strings is the one of scoring each
    prefix on its own (the strings: one row per step, as check_random draws them)."""
    length, samples = 30, 20
    bits = random_strings(np.random.default_rng(5), length, samples).T
    expected = min(univariate_tester.margin_of(final_hidden(bits[:, :n]))
                   for n in range(1, length + 1))
    passed, margin = univariate_tester.check_random(length, samples, np.random.default_rng(5),
                                                    block=7)
    assert passed and margin == pytest.approx(expected)


def test_random_check_names_the_first_wrong_prefix(capsys):
    broken = {**univariate_tester.WEIGHTS, "b_o": -20.0}
    passed, _ = univariate_tester.check_random(50, 10, np.random.default_rng(0), broken)
    assert not passed and "bits: predicted even" in capsys.readouterr().out


def test_hand_weights_hold_at_a_length_of_50000():
    passed, margin = univariate_tester.check_random(50_000, 3, np.random.default_rng(1))
    assert passed and margin > 0.26


def test_tester_defaults_are_the_reported_run():
    args = utils.parse_args(univariate_tester.build_parser(), [])
    assert (args.max_length, args.random_length, args.samples, args.seed) == (20, 100_000,
                                                                               10_000, 0)


def test_tester_cli_quick(tmp_path):
    result = run_script("univariate_tester.py", "--quick", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "SUCCESS" in result.stdout
    written = store.load_json(tmp_path / "univariate.json")
    assert written["passed"] and written["margin"] > 0.25
    assert written["script"] == "univariate_tester.py" and written["settings"]["quick"]
    assert written["random_length"] == 200 and written["max_length"] == 10


@pytest.mark.parametrize("flags", [["--random-length", "100000000"], ["--random-length", "-1"],
                                   ["--max-length", "25"], ["--samples", "0"],
                                   ["--samples", "nan"], ["--seed", "-1"]])
def test_tester_bad_flags_exit_2_with_one_line(flags):
    result = run_script("univariate_tester.py", *flags)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if "error:" in line] == [
        result.stderr.splitlines()[-1]]


# --- Q5-Q7: driver_parity.py ------------------------------------------------------

def test_parity_dataset_matches_the_skeleton():
    train = Parity("train", max_length=5)
    assert len(train) == 62
    assert len(Parity("test", max_length=6)) == 64
    x, y = train[5]  # the strings of length 2 start at index 2: 00, 01, 10, 11
    assert x.tolist() == [1.0, 1.0] and y.item() == 0


def test_pad_collate_shapes_and_lengths():
    batch = [(torch.tensor([1.0, 0.0, 1.0]), torch.tensor(0.0)),
             (torch.tensor([1.0]), torch.tensor(1.0)), (torch.tensor([]), torch.tensor(0.0))]
    x, y, lengths = pad_collate(batch)
    assert x.shape == (3, 3) and x.dtype == torch.float32
    assert x.tolist() == [[1, 0, 1], [1, 0, 0], [0, 0, 0]]
    assert y.tolist() == [0, 1, 0] and y.dtype == torch.long
    assert lengths.tolist() == [3, 1, 0]


def test_score_is_the_same_alone_and_in_a_padded_batch():
    torch.manual_seed(0)
    model = ParityLSTM(hidden_dim=5).eval()
    strings = [torch.tensor([1.0, 1.0]), torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0]),
               torch.tensor([])]
    x, _, lengths = pad_collate([(s, s.sum() % 2) for s in strings])
    with torch.no_grad():
        batched = model(x, lengths)
        for row, string in enumerate(strings):
            alone = model(string[None], torch.tensor([len(string)]))
            assert torch.allclose(batched[row], alone[0], atol=1e-6)
    assert str(model) == "LSTM-5"


def test_empty_string_scores_as_the_initial_state():
    model = ParityLSTM(hidden_dim=3)
    scores = model(torch.zeros(1, 0), torch.tensor([0]))
    assert torch.equal(scores[0], model.classifier.bias)


def test_accuracy_by_length_agrees_with_scoring_every_string():
    torch.manual_seed(1)
    model = ParityLSTM(hidden_dim=3)
    by_length = accuracy_by_length(model, max_length=7, chunk=16)  # exercise the depth-first split
    assert by_length == pytest.approx([accuracy(model, Parity("test", n)) for n in range(8)])


def test_prefix_scores_equal_scoring_each_prefix_alone():
    torch.manual_seed(2)
    model = ParityLSTM(hidden_dim=3)
    strings = random_strings(np.random.default_rng(3), 9, 12)
    by_prefix = accuracy_by_prefix(model, strings, budget=2 * 12 * 3)  # two strings at a time
    x = torch.as_tensor(strings, dtype=torch.float32)
    with torch.no_grad():
        alone = [(model(x[:, :n], torch.full((9,), n)).argmax(1).numpy()
                  == strings[:, :n].sum(1) % 2).mean() for n in range(1, 13)]
    assert by_prefix == pytest.approx(alone)


def test_validation_strings_come_before_the_test_strings():
    validation, test = validation_and_test_strings(6, 2000, seed=4)
    assert validation.shape == (VALIDATION_SAMPLES, 6) and test.shape == (2000, 6)
    both = random_strings(np.random.default_rng(4), len(validation) + len(test), 6)
    assert np.array_equal(np.vstack([validation, test]), both)
    assert [len(s) for s in validation_and_test_strings(4, 10, 0)] == [10, 10]


def test_training_repeats_with_the_same_seed_and_can_fit():
    recipe = {"epochs": 150, "lr": 0.05, "weight_decay": 1e-5, "batch_size": 100, "restarts": 0,
              "give_up_after": None}

    def train():
        return driver_parity.runParityExperiment(8, 3, 2, recipe, torch.device("cpu"), 4)[1]
    first, second = train(), train()
    assert first["history"]["loss"] == second["history"]["loss"]
    assert first["fit"] and first["epochs_to_fit"] <= 150
    assert first["acc_by_length"][1:3] == [1.0, 1.0]


def test_defaults_are_the_reported_runs():
    """No flags: LSTM-64, seed 42, the skeleton's settings; the Q7 answers are configs."""
    args = driver_parity.parse_args([])
    assert args.config == "lstm64" and args.hidden_dims == [64] and args.seeds == 1
    assert (args.seed, args.lr, args.weight_decay, args.batch_size, args.epochs, args.max_length,
            args.eval_max_length) == (42, 0.003, 1e-5, 100, 2000, 5, 20)
    assert (args.long_length, args.long_samples) == (1000, 10_000)
    sweep = driver_parity.parse_args(["--config", "sweep"])
    assert sweep.hidden_dims == [1, 2, 3, 4, 8, 16, 64] and sweep.seeds == 5
    hidden1 = driver_parity.parse_args(["--config", "hidden1"])
    assert {key: getattr(hidden1, key) for key in CONFIGS["hidden1"]} == CONFIGS["hidden1"]
    assert (hidden1.lr, hidden1.restarts, hidden1.give_up_after) == (0.03, 3, 500)
    decay = driver_parity.parse_args(["--config", "lstm64_decay"])
    assert (decay.hidden_dims, decay.seeds, decay.weight_decay, decay.lr) == ([64], 5, 1e-4, 0.003)
    assert sweep.long_length == 0 and hidden1.long_length == decay.long_length == 1000


def test_quick_runs_write_results_and_the_table(tmp_path):
    out = tmp_path / "parity"
    for config in ("lstm64", "sweep", "hidden1", "lstm64_decay"):
        assert driver_parity.main(["--quick", "--out", str(out), "--config", config]) == 0
    assert univariate_tester.main(["--quick", "--out", str(out)]) == 0
    assert report.main(["--quick", "--out", str(out)]) == 0
    single = store.load_json(out / "lstm64.json")
    assert single["complete"] and single["script"] == "driver_parity.py"
    assert len(single["runs"][0]["acc_by_length"]) == 9  # lengths 0..8 in a quick run
    long = single["runs"][0]["long"]  # quick: 200 strings of 50 bits, every prefix
    assert long["lengths"] == list(range(1, 51))
    assert len(long["test_acc"]) == len(long["validation_acc"]) == 50
    assert (long["validation_strings"], long["test_strings"]) == (200, 200)
    assert all(0 <= acc <= 1 for acc in long["test_acc"])
    assert store.load_json(out / "sweep.json")["runs"][0]["long"] is None
    sweep = store.load_json(out / "sweep.json")
    assert [(r["hidden_dim"], r["seed"]) for r in sweep["runs"]] == [(1, 42), (1, 43), (2, 42),
                                                                       (2, 43)]
    for name in ("lstm64_generalization.png", "lstm64_training.png", "sweep.png", "hidden1.png",
                 "long_strings.png"):
        assert (out / name).is_file()
    table = report.report_table(tmp_path)
    assert "| LSTM-8 |" in table and "| 1 | lr 0.003" in table
    assert "| 1 (`hidden1`) | lr 0.03" in table
    assert "margin min |h - 0.5| = 0.2616" in table
    assert "| LSTM-8, weight decay 1e-4 (`lstm64_decay`) | 42-43 |" in table
    assert "200 validation and 200 test strings of 50 random bits" in table


def test_interrupted_sweep_keeps_finished_models_and_a_damaged_file_reruns(tmp_path, capsys):
    out = tmp_path / "parity"
    flags = ["--quick", "--out", str(out), "--config", "sweep"]
    driver_parity.main(flags)
    complete = store.load_json(out / "sweep.json")
    partial = {**complete, "complete": False,
               "runs": [{**complete["runs"][0], "seconds": 123.0}]}
    store.save_json(partial, out / "sweep.json")
    driver_parity.main(flags)
    resumed = store.load_json(out / "sweep.json")
    assert resumed["runs"][0]["seconds"] == 123.0  # kept, not trained again
    assert [r["acc_by_length"] for r in resumed["runs"]] == [r["acc_by_length"]
                                                             for r in complete["runs"]]
    assert "kept from the interrupted run" in capsys.readouterr().out

    (out / "sweep.json").write_text('{"runs": [')
    driver_parity.main(flags)
    assert "is damaged" in capsys.readouterr().err
    again = store.load_json(out / "sweep.json")
    assert again["complete"] and len(again["runs"]) == 4
    (out / "hidden1.json").write_text("{")
    assert "| 1 | lr 0.003" in report.report_table(tmp_path)  # skipped with a warning
    assert "skipping" in capsys.readouterr().err


@pytest.mark.parametrize("flags", [
    ["--quick", "--max-length", "30"], ["--max-length", "0"], ["--lr", "nan"], ["--lr", "-1"],
    ["--lr", "0"], ["--epochs", "0"], ["--epochs", "1000000000"], ["--seeds", "0"],
    ["--hidden-dims", "0"], ["--hidden-dims", "4", "-2"], ["--batch-size", "0"],
    ["--restarts", "-1"], ["--give-up-after", "0"], ["--eval-max-length", "30"],
    ["--weight-decay", "-1"], ["--weight-decay", "nan"], ["--long-length", "20000"],
    ["--long-samples", "0"],
    ["--tag", "a/b"], ["--seed", "99999999999"], ["--config", "nosuch"],
])
def test_bad_flags_exit_2_with_one_line(flags, capsys):
    with pytest.raises(SystemExit) as stop:
        driver_parity.parse_args(flags)
    assert stop.value.code == 2
    assert len([line for line in capsys.readouterr().err.splitlines() if "error:" in line]) == 1


def test_bad_flag_from_the_command_line_is_usage_and_one_line():
    result = run_script("driver_parity.py", "--quick", "--max-length", "30")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].endswith("30 must be in [1, 12]")


def test_long_table_counts_the_seeds_on_target():
    def record(seed, test_acc):
        return {"hidden_dim": 1, "seed": seed,
                "long": {"validation_strings": 10, "test_strings": 20, "lengths": [1, 2, 3],
                         "validation_acc": [1.0, 1.0, 0.9], "test_acc": test_acc}}
    result = {"runs": [record(42, [1.0, 1.0, 1.0]), record(43, [1.0, 0.95, 0.5])]}
    table = report.long_table({"hidden1": result})
    assert table[2] == ("| LSTM-1, lr 0.03, restarts (`hidden1`) | 42-43 | 0.9000 | 0.5000 "
                        "| 0.5000 | 1/2, 1/2 | 2 |")
    assert table[-1] == ("Q6: 10 validation and 20 test strings of 3 random bits, scored after "
                         "every prefix.")


def test_sweep_figure_zooms_on_the_lengths_scored(tmp_path, monkeypatch):
    saved = []
    monkeypatch.setattr(figures.plots, "save_figure", lambda fig, path: saved.append(fig))
    records = [{"hidden_dim": 2, "acc_by_length": [1.0] + [0.5] * 8, "fit": False,
                "epochs_to_fit": None, "epochs_trained": 30}]
    figures.plot_sweep(records, 5, tmp_path / "sweep.png")
    zoom = saved[0].axes[1]
    assert zoom.get_title() == "the same, 0.95 to 1 (lengths 1..8)"
    assert zoom.get_ylim()[0] == 0.95 and zoom.get_xlim() == (0.5, 8.5)


def test_report_without_runs_names_the_command_that_makes_one(tmp_path):
    result = subprocess.run([sys.executable, "parity/report.py", "--quick", "--out", str(tmp_path)],
                            cwd=utils.REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr == (f"error: no parity runs in {tmp_path}; make one with: "
                             f"python driver_parity.py --quick --out {tmp_path}\n")
