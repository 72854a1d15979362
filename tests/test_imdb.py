"""IMDb classification: the course loader contract, batching, padding invariance,
the Elman layer against a step-by-step reference, a --quick run per model, the
default config, refused flags and an interrupted run.

All on a tiny pickle in the official format, written to tmp_path."""
import gzip
import json
import pickle
import random

import pytest
import torch
from torch import nn

import utils
from imdb import classify, report
from reproduce.parts import IMDB
from imdb.configs import CLASSIFY, Q4_MODELS
from imdb.data_rnn import load_imdb, make_batches, pad_batch, padding_fraction, random_batches
from imdb.models import MODELS, Classifier, Elman, reverse_within_lengths, skeleton_forward

WORDS = [".pad", ".start", ".end", ".unk", "the", "film", "good", "bad", "plot", "actor", "great",
         "awful"]


def write_fixture(folder, n_train=60, n_test=20, seed=1):
    """imdb.word.pkl.gz with sorted reviews; 'good'/'great' mark label 0, 'bad'/'awful' label 1."""
    rng = random.Random(seed)
    sequences, labels = {}, {}
    for split, n in (("train", n_train), ("test", n_test)):
        items = []
        for _ in range(n):
            label = rng.randrange(2)
            cue = [6, 10] if label == 0 else [7, 11]
            seq = [rng.choice([4, 5, 8, 9, rng.randrange(12, 30)])
                   for _ in range(rng.randrange(3, 25))]
            seq.insert(rng.randrange(len(seq)), rng.choice(cue))
            items.append((seq, label))
        items.sort(key=lambda item: len(item[0]))
        sequences[split] = [s for s, _ in items]
        labels[split] = [y for _, y in items]
    i2w = WORDS + [f"w{i}" for i in range(12, 30)]
    w2i = {w: i for i, w in enumerate(i2w)}
    with gzip.open(folder / "imdb.word.pkl.gz", "wb") as handle:
        pickle.dump((sequences, labels, i2w, w2i), handle)
    return sequences, labels


@pytest.fixture
def data(tmp_path):
    return tmp_path, write_fixture(tmp_path)


def test_split_sizes_and_course_validation_indices(data):
    folder, (sequences, labels) = data
    state = random.getstate()
    (xt, yt), (xv, yv), (i2w, w2i), numcls = load_imdb(val=12, seed=3, data_dir=folder)
    assert random.getstate() == state, "load_imdb must not touch the global random state"
    assert (len(xt), len(xv), numcls) == (48, 12, 2) and len(i2w) == len(w2i) == 30
    random.seed(3)  # what the course script does
    held = set(random.sample(range(60), k=12))
    assert xv == [s for i, s in enumerate(sequences["train"]) if i in held]
    assert yv == [y for i, y in enumerate(labels["train"]) if i in held]
    assert xt == [s for i, s in enumerate(sequences["train"]) if i not in held]
    (xt, yt), (xs, ys), _, _ = load_imdb(final=True, data_dir=folder)
    assert (xt, xs, ys) == (sequences["train"], sequences["test"], labels["test"])


def test_voc_maps_rare_words_to_unk(data):
    folder, (sequences, _) = data
    (xt, _), _, (i2w, w2i), _ = load_imdb(final=True, voc=8, data_dir=folder)
    assert i2w == WORDS[:8] and w2i[".unk"] == 3
    expected = [[t if t < 8 else 3 for t in seq] for seq in sequences["train"]]
    assert xt == expected


def test_missing_or_corrupt_file_is_one_line_error(tmp_path, monkeypatch):
    (tmp_path / "imdb.word.pkl.gz").write_bytes(b"not a gzip file")
    with pytest.raises(utils.DataError, match="not an IMDb pickle"):
        load_imdb(data_dir=tmp_path)
    monkeypatch.setattr(classify, "load_imdb",
                        lambda **kw: (_ for _ in ()).throw(utils.DataError("x")))
    with pytest.raises(utils.DataError):
        classify.main(["--config", "mlp", "--quick", "--out", str(tmp_path)])


def test_batches_group_similar_lengths_and_respect_caps():
    rng = random.Random(0)
    lengths = [rng.randrange(1, 100) for _ in range(500)]
    batches = make_batches(lengths, max_tokens=400)
    assert sorted(i for b in batches for i in b) == list(range(500))
    assert all(len(b) * max(lengths[i] for i in b) <= 400 for b in batches)
    assert padding_fraction(batches, lengths) < 0.05
    naive = random_batches(500, len(batches), seed=0)
    assert sorted(i for b in naive for i in b) == list(range(500))
    assert padding_fraction(naive, lengths) > 0.3
    tokens, lens = pad_batch([[5, 6, 7], [8]], pad=0)
    assert tokens.tolist() == [[5, 6, 7], [8, 0, 0]] and lens.tolist() == [3, 1]


@pytest.mark.parametrize("kind, options", [(kind, {}) for kind in MODELS] + [
    ("rnn", {"lin2": True}), ("lstm", {"lin2": True}), ("lstm", {"bidirectional": True}),
    ("rnn", {"lin2": True, "bidirectional": True})])
def test_padding_never_changes_a_prediction(kind, options):
    torch.manual_seed(0)
    # dropout is off in eval mode
    model = Classifier(kind, vocab_size=30, emb=8, hidden=6, dropout=0.5, **options).eval()
    reviews = [[4, 9, 13, 6], [5, 7, 8, 20, 21, 22, 23, 11, 9], [29]]
    tokens, lengths = pad_batch(reviews, pad=0)
    batched = model(tokens, lengths)
    for row, review in enumerate(reviews):
        alone = model(torch.tensor([review]), torch.tensor([len(review)]))
        torch.testing.assert_close(batched[row], alone[0], rtol=0, atol=1e-6)


# one review, one step, several of each: W_h's gradient pairs rows across reviews
@pytest.mark.parametrize("batch, steps", [(3, 6), (1, 6), (3, 1), (1, 1)])
def test_elman_matches_step_by_step_reference(batch, steps):
    torch.manual_seed(0)
    layer = Elman(insize=5, outsize=4, hsize=7).double()
    x = torch.randn(batch, steps, 5, dtype=torch.double, requires_grad=True)
    outs, last = layer(x)
    ref_outs, ref_last = skeleton_forward(layer, x)
    torch.testing.assert_close(outs, ref_outs)
    torch.testing.assert_close(last, ref_last)
    weights = torch.randn_like(outs)
    ours = torch.autograd.grad((outs * weights).sum() + last.sum(), [x, *layer.parameters()])
    theirs = torch.autograd.grad((ref_outs * weights).sum() + ref_last.sum(),
                                 [x, *layer.parameters()])
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b)
    h0 = torch.randn(batch, 7, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, h: layer(x, h), (x, h0))


def test_elman_layer_equals_nn_rnn_and_linear_with_copied_weights():
    """Outputs, last state and every gradient, in float32 as trained."""
    torch.manual_seed(0)
    layer, rnn, linear = Elman(6, 5, 8), nn.RNN(6, 8, batch_first=True), nn.Linear(8, 5)
    with torch.no_grad():
        w_x, w_h = layer.lin1.weight.split([6, 8], dim=1)
        rnn.weight_ih_l0.copy_(w_x)
        rnn.weight_hh_l0.copy_(w_h)
        rnn.bias_ih_l0.copy_(layer.lin1.bias)
        rnn.bias_hh_l0.zero_()
        linear.load_state_dict(layer.lin2.state_dict())
    x = torch.randn(4, 11, 6, requires_grad=True)
    outs, last = layer(x)
    states, ref_last = rnn(x)
    ref_outs = linear(states)
    torch.testing.assert_close(outs, ref_outs)
    torch.testing.assert_close(last, ref_last[0])
    weights = torch.randn_like(outs)
    ours = torch.autograd.grad((outs * weights).sum() + last.sum(), [x, *layer.parameters()])
    theirs = torch.autograd.grad((ref_outs * weights).sum() + ref_last.sum(),
                                 [x, rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0,
                                  linear.weight, linear.bias])
    grad_x, grad_w1, *rest = ours
    torch.testing.assert_close(grad_x, theirs[0])
    torch.testing.assert_close(grad_w1, torch.cat(theirs[1:3], dim=1))
    for a, b in zip(rest, theirs[3:]):
        torch.testing.assert_close(a, b)


def test_torch_rnn_with_lin2_is_the_elman_classifier():
    """lin1 on [x, h] is W_ih x + W_hh h + (b_ih + b_hh): with those weights copied,
    nn.RNN plus lin2 computes exactly what the Elman classifier does."""
    torch.manual_seed(0)
    elman = Classifier("elman", vocab_size=30, emb=5, hidden=7).double()
    rnn = Classifier("rnn", vocab_size=30, emb=5, hidden=7, lin2=True).double()
    with torch.no_grad():
        rnn.embedding.weight.copy_(elman.embedding.weight)
        w_x, w_h = elman.layer2.lin1.weight.split([5, 7], dim=1)
        rnn.layer2.weight_ih_l0.copy_(w_x)
        rnn.layer2.weight_hh_l0.copy_(w_h)
        rnn.layer2.bias_ih_l0.copy_(elman.layer2.lin1.bias)
        rnn.layer2.bias_hh_l0.zero_()
        rnn.lin2.load_state_dict(elman.layer2.lin2.state_dict())
        rnn.out.load_state_dict(elman.out.state_dict())
    tokens, lengths = pad_batch([[4, 9, 13, 6], [5, 7, 8, 20, 21], [29]], pad=0)
    torch.testing.assert_close(rnn(tokens, lengths), elman(tokens, lengths))


def test_reverse_within_lengths_keeps_padding_in_place():
    x = torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0]])[..., None]
    lengths = torch.tensor([3, 2])
    assert reverse_within_lengths(x, lengths)[..., 0].tolist() == [[3, 2, 1, 0], [5, 4, 0, 0]]
    assert torch.equal(reverse_within_lengths(reverse_within_lengths(x, lengths), lengths), x)


def test_elman_hidden_size_differs_from_input_size():
    outs, last = Elman(insize=3, outsize=2, hsize=9)(torch.randn(4, 5, 3))
    assert outs.shape == (4, 5, 2) and last.shape == (4, 9)


@pytest.mark.parametrize("kind", MODELS)
def test_quick_run_per_model(data, tmp_path, kind):
    folder, _ = data
    out = tmp_path / "out"
    result = classify.main(["--config", kind, "--quick", "--val", "12", "--data-dir", str(folder),
                            "--out", str(out), "--seed", "2"])
    saved = json.loads((out / f"{kind}_val_seed2.json").read_text())
    assert (out / f"{kind}_val_seed2.png").is_file()
    assert (out / f"{kind}_val_seed2.pt").is_file()
    assert saved["val_acc"] == result["val_acc"] and 0 <= saved["val_acc"] <= 1
    assert saved["complete"] and saved["script"] == "imdb/classify.py"
    assert classify.plot_title(saved) == (
        f"{kind}: trained on {saved['train_reviews']:,} reviews, validation split, seed 2")
    assert len(saved["history"]) == classify.QUICK["epochs"] == saved["settings"]["epochs"]


def test_same_seed_same_numbers_and_final_scores_test(data, tmp_path):
    folder, _ = data
    argv = ["--config", "mlp", "--quick", "--final", "--data-dir", str(folder)]
    first = classify.main(argv + ["--out", str(tmp_path / "a")])
    second = classify.main(argv + ["--out", str(tmp_path / "b")])
    assert first["test_acc"] is not None and first["val_acc"] is None
    assert [h["train_loss"] for h in first["history"]] == \
        [h["train_loss"] for h in second["history"]]
    assert first["test_acc"] == second["test_acc"]


def test_the_default_is_the_reported_lstm():
    """No flags: the bidirectional LSTM whose test runs REPORT.md gives, on validation."""
    parser = classify.build_parser()
    args = utils.parse_args(parser, [])
    assert args.config == "lstm" == list(CLASSIFY)[0] and not args.final
    assert {key: getattr(args, key) for key in CLASSIFY["lstm"]} == CLASSIFY["lstm"]
    assert (args.model, args.bidirectional, args.epochs, args.max_tokens) == ("lstm", True, 4, 8192)
    assert "bidirectional LSTM" in parser.format_help()
    declared = {run.name: run.argv for run in IMDB.runs}
    assert declared["lstm_val_seed0"] == ("imdb/classify.py", "--config", "lstm",
                                          "--out", "results/imdb")
    assert declared["lstm_final_seed1"][1:] == ("--config", "lstm", "--final", "--seed", "1",
                                                "--out", "results/imdb")
    # flags after the config change single settings; the tuning configs change one option
    args = utils.parse_args(parser, ["--config", "rnn", "--max-len", "256"])
    assert (args.max_len, args.lin2, args.epochs) == (256, True, 8)
    assert not utils.parse_args(parser, ["--config", "lstm_uni"]).bidirectional


@pytest.mark.parametrize("flag, value", [
    ("--lr", "nan"), ("--lr", "-1"), ("--lr", "0"), ("--lr", "inf"),
    ("--clip", "nan"), ("--clip", "-1"), ("--clip", "1e400"),
    ("--dropout", "nan"), ("--dropout", "-0.1"), ("--dropout", "1"),
    ("--emb", "0"), ("--emb", "-3"), ("--hidden", "1000000000"), ("--epochs", "0"),
    ("--epochs", "99999"), ("--max-tokens", "0"), ("--max-tokens", "1e9"), ("--voc", "3"),
    ("--max-len", "0"), ("--val", "0"), ("--val", "25000"), ("--seed", "-1"),
    ("--seed", str(2 ** 32)), ("--tag", "../x"), ("--config", "gru"), ("--model", "gru")])
def test_bad_flags_are_refused_before_any_work(data, tmp_path, capsys, flag, value):
    folder, _ = data
    with pytest.raises(SystemExit) as stop:
        classify.main(["--quick", flag, value, "--data-dir", str(folder),
                       "--out", str(tmp_path / "out")])
    assert stop.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error[-1].startswith("classify.py: error:") or "error:" in error[-1]
    assert not (tmp_path / "out").exists()


def test_options_of_the_torch_rnns_only(data, tmp_path):
    folder, _ = data
    for argv in (["--config", "elman", "--lin2"], ["--config", "mlp", "--bidirectional"],
                 ["--config", "lstm", "--model", "mlp"]):
        with pytest.raises(utils.UserError, match="rnn and lstm"):
            classify.main([*argv, "--quick", "--data-dir", str(folder), "--out", str(tmp_path)])
    with pytest.raises(utils.UserError):
        load_imdb(val=1000, data_dir=folder)


def test_ctrl_c_keeps_the_finished_epochs(data, tmp_path, monkeypatch):
    """An interrupt during epoch 2 leaves epoch 1's JSON, curves and checkpoint."""
    folder, _ = data
    calls = []
    train_epoch = classify.train_epoch

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return train_epoch(*args, **kwargs)
    monkeypatch.setattr(classify, "train_epoch", interrupted)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        classify.main(["--config", "elman", "--quick", "--val", "12", "--data-dir", str(folder),
                       "--out", str(out)])
    saved = json.loads((out / "elman_val_seed0.json").read_text())
    assert [h["epoch"] for h in saved["history"]] == [1] and not saved["complete"]
    assert saved["val_acc"] == saved["history"][0]["val_acc"] is not None
    assert (out / "elman_val_seed0.png").is_file()
    kept = torch.load(out / "elman_val_seed0.pt", weights_only=True)
    assert kept["epoch"] == 1 and kept["settings"] == saved["settings"]
    assert not list(out.glob(".*.lock")), "the run's lock is released"
    # a later report skips the unfinished run
    assert "elman" not in report.summarize(out)["models"]


def test_every_tuning_row_sits_under_the_model_it_tunes():
    """Plain nn.RNN and nn.RNN + lin2 are two models; the one-direction LSTM tunes the LSTM."""
    assert report.tuned_model(CLASSIFY["rnn_no_lin2"] | {"config": "rnn_no_lin2"}) == \
        "rnn_no_lin2"
    assert report.tuned_model(CLASSIFY["rnn"] | {"config": "rnn"}) == "rnn"
    assert report.tuned_model(CLASSIFY["lstm_uni"] | {"config": "lstm_uni"}) == "lstm"
    declared = {run.name for run in IMDB.runs}
    assert {f"{model}_{split}_seed{seed}" for model in Q4_MODELS
            for split, seed in (("val", 0), ("final", 0), ("final", 1))} <= declared


def test_report_collects_runs_into_summary_and_tables(data, tmp_path):
    folder, _ = data
    out = tmp_path / "results" / "imdb"
    common = ["--config", "mlp", "--quick", "--val", "12", "--data-dir", str(folder),
              "--out", str(out)]
    classify.main(common)
    classify.main(common + ["--tag", "lr1e-2", "--lr", "1e-2"])
    for seed in ("0", "1"):
        classify.main(common + ["--final", "--seed", seed])
    classify.main(["--config", "q2", "--quick", "--val", "12", "--data-dir", str(folder),
                   "--out", str(out)])
    summary = report.summarize(out)
    assert len(summary["models"]["mlp"]["test_acc"]) == 2
    assert summary["models"]["mlp"]["val_acc"] is not None and "q2" in summary["handout_sizes"]
    assert [(run["run"], run["chosen"]) for run in summary["tuning"]] == \
        [("mlp_val_seed0", True), ("mlp_val_seed0_lr1e-2", False)]
    table = report.report_table(tmp_path / "results")
    assert table.startswith("| model |") and "| MLP |" in table and "lr1e-2" in table
    assert "Q2 (`q2_val_seed0`" in table
    report.main(["--out", str(out)])
    assert (out / "accuracy.png").is_file()
    assert json.loads((out / "imdb_summary.json").read_text())["script"] == "imdb/report.py"
