"""palindrome/: data, the two hand-written models against torch's cells, training."""
import ast
import math
import subprocess
import sys

import pytest
import torch
from torch import nn

import store
import utils
from palindrome import ablation, experiment, gradients, report, training
from palindrome.configs import ABLATION, CONFIGS
from palindrome.dataset import PalindromeDataset, generate_palindrome, generate_palindromes
from palindrome.lstm import LSTM
from palindrome.vanilla_rnn import VanillaRNN


@pytest.mark.parametrize("length", [2, 3, 5, 10, 11])
def test_generate_palindrome_reads_the_same_backwards(length):
    generator = torch.Generator().manual_seed(length)
    palindrome = generate_palindrome(length, generator)
    assert palindrome.shape == (length,)
    assert torch.equal(palindrome, palindrome.flip(0))
    batch = generate_palindromes(100, length, generator)
    assert torch.equal(batch, batch.flip(1)) and batch.min() >= 0 and batch.max() <= 9


def test_dataset_items_batches_and_fixed_sets():
    dataset = PalindromeDataset(7, seed=1)
    digits, label = dataset[0]
    assert digits.shape == (6,) and label == int(digits[0])
    inputs, labels = dataset.batch(64)
    assert inputs.shape == (64, 6) and torch.equal(labels, inputs[:, 0].long())
    other = PalindromeDataset(7, seed=2)
    assert torch.equal(dataset.test(50)[0], other.test(50)[0])
    assert torch.equal(dataset.validation(50)[0], other.validation(50)[0])
    assert not torch.equal(dataset.batch(64)[0], inputs)  # endless: fresh draws


def test_validation_and_test_sets_are_separate_draws():
    dataset = PalindromeDataset(21, seed=0)
    validation, test = dataset.validation(500)[0], dataset.test(500)[0]
    assert not torch.equal(validation, test)
    shared = {tuple(row.tolist()) for row in validation} & {tuple(row.tolist()) for row in test}
    assert len(shared) <= 1  # 10^11 palindromes of length 21: the sets are independent draws


def test_vanilla_rnn_matches_torch_rnn_cell():
    torch.manual_seed(0)
    model, cell = VanillaRNN(6, 3, 8, 10), nn.RNNCell(3, 8)
    with torch.no_grad():
        cell.weight_ih.copy_(model.W_hx), cell.weight_hh.copy_(model.W_hh)
        cell.bias_ih.copy_(model.b_h), cell.bias_hh.zero_()
    x = torch.randn(4, 6, 3)
    h = torch.zeros(4, 8)
    for t in range(6):
        h = cell(x[:, t], h)
    torch.testing.assert_close(model(x), h @ model.W_ph.T + model.b_p)


def test_lstm_matches_torch_lstm_cell():
    torch.manual_seed(0)
    model, cell = LSTM(6, 3, 8, 10), nn.LSTMCell(3, 8)
    torch_order = ("i", "f", "g", "o")  # torch stacks its gates in this order
    with torch.no_grad():
        cell.weight_ih.copy_(torch.cat([getattr(model, f"W_{g}x") for g in torch_order]))
        cell.weight_hh.copy_(torch.cat([getattr(model, f"W_{g}h") for g in torch_order]))
        cell.bias_ih.copy_(torch.cat([getattr(model, f"b_{g}") for g in torch_order]))
        cell.bias_hh.zero_()
    x = torch.randn(4, 6, 3)
    h = c = torch.zeros(4, 8)
    for t in range(6):
        h, c = cell(x[:, t], (h, c))
    torch.testing.assert_close(model(x), h @ model.W_ph.T + model.b_p)


def test_parameters_are_named_as_the_equations():
    rnn_names = {"W_hx", "W_hh", "b_h", "W_ph", "b_p"}
    assert {n for n, _ in VanillaRNN(5, 1, 4, 10).named_parameters()} == rnn_names
    lstm_names = {f"{kind}_{g}{s}" for g in "gifo"
                  for kind, s in (("W", "x"), ("W", "h"), ("b", ""))}
    assert {n for n, _ in LSTM(5, 1, 4, 10).named_parameters()} == lstm_names | {"W_ph", "b_p"}
    assert torch.all(LSTM(5, 1, 4, 10).b_f == 1)


def test_chrono_initialisation():
    torch.manual_seed(0)
    model = LSTM(99, 10, 256, 10, chrono=100)
    assert torch.all(model.b_f >= 0) and torch.all(model.b_f <= math.log(99))
    assert model.b_f.std() > 0.5  # time scales spread over 1 ... 99, not one value
    torch.testing.assert_close(model.b_i, -model.b_f)
    assert math.log(99) - model.b_f.max() < 0.1  # up to T_max - 1 = 99 steps
    with pytest.raises(ValueError):
        LSTM(5, 1, 4, 10, chrono=2)
    torch.manual_seed(0)
    forget_only = LSTM(99, 10, 256, 10, chrono=100, chrono_input_gate=False)
    assert torch.equal(forget_only.b_f, model.b_f)  # the same draw, b_i left as torch's
    assert forget_only.b_i.abs().max() <= 1 / 16 and not torch.equal(forget_only.b_i, model.b_i)


def test_recurrent_initialisations():
    torch.manual_seed(0)
    eye = torch.eye(16)
    orthogonal = VanillaRNN(5, 1, 16, 10, init="orthogonal").W_hh.detach()
    torch.testing.assert_close(orthogonal @ orthogonal.T, eye)
    assert torch.equal(VanillaRNN(5, 1, 16, 10, init="identity").W_hh.detach(), eye)
    uniform = VanillaRNN(5, 1, 16, 10).W_hh.detach()
    assert uniform.abs().max() <= 1 / 4 and not torch.equal(uniform, orthogonal)


def test_build_model_follows_the_init_flags():
    config = tiny_config(model_type="LSTM", lstm_init="chrono", input_length=9, num_hidden=32)
    model = training.build_model(config)
    assert torch.all(model.b_f <= math.log(9)) and torch.equal(model.b_i, -model.b_f)
    assert torch.all(training.build_model(tiny_config(model_type="LSTM")).b_f == 1)
    forget_only = training.build_model(tiny_config(model_type="LSTM", lstm_init="chrono_forget",
                                                   input_length=9, num_hidden=32))
    assert torch.all(forget_only.b_f <= math.log(9))
    assert forget_only.b_i.abs().max() <= 1 / math.sqrt(32)
    rnn = training.build_model(tiny_config(rnn_init="identity"))
    assert torch.equal(rnn.W_hh.detach(), torch.eye(8))


def test_forget_gates_are_the_forward_pass_gates():
    torch.manual_seed(0)
    model, cell = LSTM(6, 3, 8, 10, chrono=6), nn.LSTMCell(3, 8)
    torch_order = ("i", "f", "g", "o")
    with torch.no_grad():
        cell.weight_ih.copy_(torch.cat([getattr(model, f"W_{g}x") for g in torch_order]))
        cell.weight_hh.copy_(torch.cat([getattr(model, f"W_{g}h") for g in torch_order]))
        cell.bias_ih.copy_(torch.cat([getattr(model, f"b_{g}") for g in torch_order]))
        cell.bias_hh.zero_()
    x = torch.randn(4, 6, 3)
    _, states = model(x, keep_states=True)
    forget = model.forget_gates(x, states)
    h = torch.zeros(4, 8)
    for t in range(6):
        expected = torch.sigmoid(x[:, t] @ model.W_fx.T + h @ model.W_fh.T + model.b_f)
        torch.testing.assert_close(forget[:, t], expected)
        h = states[t]


@pytest.mark.parametrize("module", ["palindrome/vanilla_rnn.py", "palindrome/lstm.py"])
def test_no_high_level_recurrent_or_linear_modules(module):
    forbidden = {"RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "Linear", "linear",
                 "Bilinear"}
    tree = ast.parse((utils.REPO_ROOT / module).read_text())
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not used & forbidden
    for model in (VanillaRNN(5, 1, 4, 10), LSTM(5, 1, 4, 10)):
        assert list(model.children()) == []  # nothing but our own parameters


def test_gradient_reaches_early_steps_of_lstm_not_rnn():
    norms = gradients.gradient_norms(seed=0, input_dim=10, num_hidden=32, length=60,
                                     batch_size=32)
    assert len(norms["RNN"]) == len(norms["LSTM"]) == 59
    assert norms["RNN"][0] < 1e-4 * norms["RNN"][-1]
    assert norms["LSTM"][0] > norms["RNN"][0] * 100


TINY = ["--device", "cpu", "--num_hidden", "8", "--eval_every", "10", "--eval_size", "200",
        "--val_size", "100"]


def tiny_config(**overrides):
    """A train.py namespace for a run of 30 steps at T = 4."""
    config = training.train_parser().parse_args([*TINY, "--input_length", "3",
                                                 "--train_steps", "30"])
    vars(config).update(overrides)
    return config


def quiet(_):
    pass


def test_same_seed_same_run():
    first, second = (training.train(tiny_config(), log=quiet) for _ in range(2))
    assert [h["loss"] for h in first["history"]] == [h["loss"] for h in second["history"]]
    assert first["test_accuracy"] == second["test_accuracy"]
    other = training.train(tiny_config(seed=1), log=quiet)
    assert [h["loss"] for h in other["history"]] != [h["loss"] for h in first["history"]]


def test_record_is_saved_after_every_evaluation_and_kept_on_ctrl_c():
    saved = []
    record = training.train(tiny_config(), log=quiet, save=lambda r: saved.append(dict(r)))
    assert [r["steps"] for r in saved] == [10, 20, 30, 30]
    assert [r["finished"] for r in saved] == [False, False, False, True]
    assert saved[0]["test_accuracy"] is None and saved[-1] == record

    def interrupt_at_step_20(line):
        if "step    20" in line:
            raise KeyboardInterrupt
    saved.clear()
    with pytest.raises(KeyboardInterrupt):
        training.train(tiny_config(), log=interrupt_at_step_20,
                       save=lambda r: saved.append(dict(r)))
    assert saved[-1]["steps"] == 20 and not saved[-1]["finished"]


def test_plateau_rule():
    plateau = training.Plateau(steps=300, min_gain=0.01)
    assert plateau.update(100, 0.10) is None
    assert plateau.update(200, 0.105) is None and plateau.best_step == 200  # best, not a gain
    assert plateau.update(300, 0.50) is None  # a gain: the 300 steps start again
    assert plateau.update(500, 0.40) is None
    assert plateau.update(600, 0.505) == "plateau"  # 300 steps since the last gain
    assert (plateau.best, plateau.best_step) == (0.505, 600)
    assert training.Plateau(steps=300, min_gain=0.01).update(100, 1.0) == "solved"


def test_test_set_is_scored_once_with_the_best_validation_weights(monkeypatch):
    calls = []
    real_test = PalindromeDataset.test

    def counted(self, size):
        calls.append(size)
        return real_test(self, size)
    monkeypatch.setattr(PalindromeDataset, "test", counted)
    record = training.train(tiny_config(train_steps=60, learning_rate=0.01), log=quiet)
    assert calls == [200] and record["test_accuracy"] is not None
    best = max(h["validation_accuracy"] for h in record["history"])
    assert record["best_validation_accuracy"] == best
    assert record["best_step"] == next(h["step"] for h in record["history"]
                                       if h["validation_accuracy"] == best)
    assert record["stop"] in ("solved", "cap") and record["steps"] <= 60
    calls.clear()
    assert training.train(tiny_config(eval_size=0), log=quiet)["test_accuracy"] is None
    assert calls == []


def test_plateau_stops_a_run_that_does_not_learn():
    config = tiny_config(input_length=30, train_steps=1000, plateau_steps=50, min_gain=0.2)
    record = training.train(config, log=quiet)
    assert record["stop"] == "plateau" and record["steps"] < 1000


def sweep(tmp_path, *flags):
    """experiment.py in-process with tiny settings; returns its stdout and stderr."""
    argv = [*TINY, "--models", "RNN", "LSTM", "--lengths", "3", "4", "--seeds", "1",
            "--rnn_train_steps", "30", "--lstm_train_steps", "30", "--out", str(tmp_path), *flags]
    return experiment.main(argv)


def test_sweep_figures_and_table(tmp_path, capsys):
    assert sweep(tmp_path) == 0
    runs = sorted((tmp_path / "runs").glob("*.json"))
    assert [p.name for p in runs] == ["LSTM_T3_seed0.json", "LSTM_T4_seed0.json",
                                      "RNN_T3_seed0.json", "RNN_T4_seed0.json"]
    record = store.load_json(runs[0])
    assert record["script"] == "palindrome/experiment.py" and record["finished"]
    assert record["settings"]["lstm_train_steps"] == 30
    assert "rnn_train_steps" not in record["settings"]
    assert record["settings"]["lstm_init"] == "chrono" and "rnn_init" not in record["settings"]
    assert (tmp_path / "accuracy_vs_length.png").stat().st_size > 0
    (tmp_path / "palindrome").mkdir()
    (tmp_path / "runs").rename(tmp_path / "palindrome" / "runs")
    table = report.report_table(tmp_path)
    assert "| RNN |" in table and "| LSTM |" in table and "T=4" in table
    assert "at the step limit (30 steps): RNN at T=3 (1), T=4 (1), LSTM at" in table
    assert "RNN: orthogonal W_hh, lr 0.001, clip 1" in table


def test_ablation_gradients_and_tuning_in_the_table(tmp_path):
    assert ablation.main([*TINY, "--length", "4", "--seeds", "1", "--train_steps", "20",
                          "--out", str(tmp_path / "palindrome")]) == 0
    runs = sorted((tmp_path / "palindrome" / "ablation").glob("*.json"))
    assert [p.name for p in runs] == sorted(f"{slug}_seed0.json" for slug in ABLATION)
    forget_one = store.load_json(tmp_path / "palindrome" / "ablation" / "forget_one_seed0.json")
    assert forget_one["changes"] == {"lstm_init": "one"}
    assert forget_one["settings"]["lstm_init"] == "chrono"  # the command's, not the variant's
    assert gradients.main(["--quick", "--out", str(tmp_path / "palindrome")]) == 0
    collapse = store.load_json(tmp_path / "palindrome" / "collapse.json")
    assert set(collapse["runs"]) == {"one", "chrono"}
    probe = collapse["runs"]["one"]["history"][-1]
    assert len(probe["forget_mean"]) == collapse["palindrome_length"] - 1
    assert probe["grad_x1"] > 0 and 0 < probe["cell_gain"] < 1
    start = collapse["runs"]["one"]["probe_at_start"]["forget_mean"]
    assert abs(sum(start) / len(start) - 0.73) < 0.1  # σ(1), before any training
    for name in ("gradient_norms.png", "gradient_norms.json", "collapse.png"):
        assert (tmp_path / "palindrome" / name).stat().st_size > 0
    experiment.main([*TINY, "--config", "rnn_tuning", "--lengths", "4", "--rnn_train_steps",
                     "20", "--out", str(tmp_path / "palindrome" / "rnn_tuning" / "uniform")])
    sweep(tmp_path / "palindrome")
    table = report.report_table(tmp_path)
    assert "| the sweep's settings: chrono" in table and "| b_f = 1 instead of chrono |" in table
    assert "| RNN, T = 4, seed 0: W_hh | lr 0.001, clip 1 |" in table and "| orthogonal | " in table
    assert "- b_f = 1 (step 0 → " in table and "): mean f 0.73 → " in table


def test_resume_keeps_finished_runs_and_retrains_damaged_or_changed_ones(tmp_path, capsys):
    sweep(tmp_path)
    capsys.readouterr()
    damaged = experiment.run_path(tmp_path, "RNN", 3, 0)
    damaged.write_text('{"settings": {"num_hid')
    unfinished = experiment.run_path(tmp_path, "LSTM", 4, 0)
    partial = store.load_json(unfinished)
    store.save_json({**partial, "finished": False}, unfinished)
    kept = experiment.run_path(tmp_path, "LSTM", 3, 0)
    before = kept.stat().st_mtime_ns
    sweep(tmp_path)
    out, err = capsys.readouterr()
    assert err.count("warning: cannot read") == 1 and str(damaged) in err
    assert out.count("have ") == 2 and kept.stat().st_mtime_ns == before
    assert store.load_json(damaged)["finished"] and store.load_json(unfinished)["finished"]
    sweep(tmp_path, "--lstm_learning_rate", "0.005", "--rnn_learning_rate", "0.005")
    assert capsys.readouterr().out.count("have ") == 0


def test_resume_retrains_a_run_made_in_another_environment(tmp_path, capsys):
    sweep(tmp_path)
    capsys.readouterr()
    elsewhere = experiment.run_path(tmp_path, "RNN", 4, 0)
    record = store.load_json(elsewhere)
    store.save_json({**record, "environment": {**record["environment"], "cpu": "another"}},
                    elsewhere)
    sweep(tmp_path)
    assert capsys.readouterr().out.count("have ") == 3
    assert store.load_json(elsewhere)["environment"] == utils.environment()


def test_no_figure_for_validation_only_or_one_length_sweeps(tmp_path):
    run = {"model_type": "RNN", "seed": 0, "palindrome_length": 40, "test_accuracy": None}
    report.plot_accuracy([run, {**run, "palindrome_length": 50}], tmp_path / "val.png")
    report.plot_accuracy([{**run, "test_accuracy": 0.5}], tmp_path / "one.png")
    assert not list(tmp_path.glob("*.png"))
    report.plot_accuracy([{**run, "test_accuracy": 0.5},
                          {**run, "palindrome_length": 50, "test_accuracy": 0.4}],
                         tmp_path / "two.png")
    assert (tmp_path / "two.png").stat().st_size > 0


def test_quick_run_learns_t5(tmp_path):
    result = subprocess.run([sys.executable, "palindrome/train.py", "--quick", "--model_type",
                             "LSTM", "--device", "cpu", "--out", str(tmp_path)],
                            cwd=utils.REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    record = store.load_json(tmp_path / "train_LSTM_T5_seed0.json")
    assert record["palindrome_length"] == 5 and record["test_accuracy"] >= 0.99
    assert record["script"] == "palindrome/train.py" and record["settings"]["quick"]
    assert (tmp_path / "train_LSTM_T5_seed0.png").is_file()


def test_defaults_are_the_reported_runs():
    args = utils.parse_args(training.train_parser(), [])
    assert (args.model_type, args.input_length, args.input_dim) == ("RNN", 4, 1)
    assert (args.num_hidden, args.learning_rate, args.train_steps) == (128, 0.001, 10000)
    sweep_args = utils.parse_args(experiment.build_parser(), [])
    assert sweep_args.config == "sweep" and sweep_args.models == ["RNN", "LSTM"]
    assert sweep_args.lengths == [5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 100]
    assert sweep_args.input_dim == 10 and sweep_args.lstm_init == "chrono"
    assert CONFIGS["rnn_tuning"]["eval_size"] == 0  # tuning never scores the test set
    for script in (ablation, gradients):
        args = utils.parse_args(script.build_parser(), [])
        assert (args.learning_rate, args.max_norm, args.input_dim) == (
            sweep_args.lstm_learning_rate, sweep_args.lstm_max_norm, 10)
    assert utils.parse_args(ablation.build_parser(), []).lstm_init == "chrono"


@pytest.mark.parametrize("script, args", [
    ("palindrome/train.py", ["--val_size", "0"]),
    ("palindrome/train.py", ["--plateau_steps", "0"]),
    ("palindrome/train.py", ["--min_gain", "1"]),
    ("palindrome/train.py", ["--lstm_init", "zero"]),
    ("palindrome/train.py", ["--rnn_init", "eye"]),
    ("palindrome/train.py", ["--num_classes", "5"]),
    ("palindrome/train.py", ["--input_dim", "3"]),
    ("palindrome/train.py", ["--input_length", "0"]),
    ("palindrome/train.py", ["--quick", "--input_length", "-3"]),
    ("palindrome/train.py", ["--batch_size", "0"]),
    ("palindrome/train.py", ["--learning_rate", "nan"]),
    ("palindrome/train.py", ["--max_norm", "-1"]),
    ("palindrome/train.py", ["--train_steps", "99999999999"]),
    ("palindrome/train.py", ["--seed", "-1"]),
    ("palindrome/train.py", ["--eval_size", "-1"]),
    ("palindrome/experiment.py", ["--learning_rate", "0"]),
    ("palindrome/experiment.py", ["--models", "GRU"]),
    ("palindrome/experiment.py", ["--lengths", "5", "x"]),
    ("palindrome/experiment.py", ["--lengths", "1"]),
    ("palindrome/experiment.py", ["--seeds", "0"]),
    ("palindrome/experiment.py", ["--lstm_train_steps", "-5"]),
    ("palindrome/experiment.py", ["--config", "nope"]),
    ("palindrome/experiment.py", ["--rnn_max_norm", "0"]),
    ("palindrome/ablation.py", ["--length", "2"]),
    ("palindrome/ablation.py", ["--seeds", "0"]),
    ("palindrome/gradients.py", ["--lstm_inits", "two"]),
    ("palindrome/gradients.py", ["--collapse_length", "1"]),
])
def test_bad_flags_are_refused_before_any_work(tmp_path, script, args):
    result = subprocess.run([sys.executable, script, *args, "--out", str(tmp_path / "out")],
                            cwd=utils.REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("usage: ") and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].count("error: ") == 1
    assert not (tmp_path / "out").exists()


def test_unusable_output_folder_is_one_line(tmp_path):
    (tmp_path / "file").write_text("")
    result = subprocess.run([sys.executable, "palindrome/train.py", "--quick", "--out",
                             str(tmp_path / "file")], cwd=utils.REPO_ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
