"""Autoregressive LSTMs: the synthetic generators, target construction and
masking, the sampler, the three validity checkers, token-budget batching, a
--quick run per language, the printed samples and refused flags."""
import json
import math
import random

import pytest
import torch

import utils
from imdb import autoregressive as ar
from imdb import report
from imdb.configs import AUTOREGRESSIVE
from imdb.data_rnn import (SPECIALS, entropy_per_token, load_brackets, load_ndfa, load_toy,
                           make_batches)
from imdb.grammar_checks import (bracket_levels, is_ndfa, is_nested, is_toy_sentence,
                                 known_word_fraction)


# --- Generators --------------------------------------------------------------------

@pytest.mark.parametrize("load, check", [
    (load_ndfa, is_ndfa),
    (load_brackets, lambda s: bracket_levels(s)["in_language"]),
    (load_toy, is_toy_sentence),
])
def test_generators_make_sorted_strings_of_their_language(load, check):
    state = random.getstate()
    sequences, (i2w, w2i) = load(n=300, seed=4, char=True)
    assert random.getstate() == state, "generators must not touch the global random state"
    assert len(sequences) == 300 and i2w[:4] == SPECIALS and i2w[4:] == sorted(i2w[4:])
    assert all(w2i[t] == i for i, t in enumerate(i2w))
    assert [len(s) for s in sequences] == sorted(len(s) for s in sequences)
    texts = ["".join(i2w[i] for i in seq) for seq in sequences]
    assert all(check(text) for text in texts)
    assert all(min(seq) >= 4 for seq in sequences), "no special tokens inside the sequences"


def test_generators_are_deterministic_and_honour_the_seed():
    assert load_brackets(n=200, seed=1) == load_brackets(n=200, seed=1)
    assert load_ndfa(n=200, seed=1)[0] != load_ndfa(n=200, seed=2)[0]
    words, (i2w, _) = load_toy(n=50, char=False, seed=3)
    assert "(" in i2w and "mouse" in i2w and " " not in i2w and len(words) == 50


def test_ndfa_and_brackets_follow_the_course_distributions():
    sequences, (i2w, _) = load_ndfa(n=4000, seed=0)
    texts = ["".join(i2w[i] for i in s) for s in sequences]
    repeats = [(len(t) - 2) // 4 for t in texts]
    assert abs(sum(r == 0 for r in repeats) / len(repeats) - 0.25) < 0.03  # P(k=0) = 1/4
    assert abs(sum(repeats) / len(repeats) - 3.0) < 0.3  # E[k] = (3/4)/(1/4)
    sequences, (i2w, _) = load_brackets(n=4000, seed=0)
    share = sum("".join(i2w[i] for i in s) == "()" for s in sequences) / 4000
    assert share == pytest.approx(9 / 16, abs=0.03)


def test_entropy_per_token_matches_the_generated_data():
    """The closed forms against -log P of every generated sequence, summed."""
    sequences, (i2w, _) = load_ndfa(n=20_000, seed=5)
    nats = 0.0
    for seq in sequences:
        k = (len(seq) - 2) // 4
        nats -= math.log(1 / 4) if k == 0 else \
            math.log(1 / 4) + k * math.log(3 / 4) + math.log(1 / 3)
    per_token = nats / sum(len(s) + 1 for s in sequences)
    assert per_token == pytest.approx(entropy_per_token("ndfa"), rel=0.02)
    sequences, _ = load_brackets(n=20_000, seed=5)
    nats = -sum((len(s) // 2 - 1) * math.log(7 / 16) + len(s) // 2 * math.log(9 / 16)
                for s in sequences)
    per_token = nats / sum(len(s) + 1 for s in sequences)
    assert per_token == pytest.approx(entropy_per_token("brackets"), rel=0.02)
    assert entropy_per_token("toy") is None


# --- Validity checkers ----------------------------------------------------------------

def test_ndfa_checker():
    assert all(map(is_ndfa, ["ss", "sabc!s", "suvw!uvw!s", "sklm!klm!klm!s"]))
    assert not any(map(is_ndfa, ["", "s", "sabc!uvw!s", "sabc!", "abc!s", "sabcs", "sabc!s!",
                                 "ss ss"]))


def test_bracket_checker_levels():
    assert bracket_levels("(()())") == {"balanced": True, "nested": True, "in_language": True}
    assert bracket_levels("()()") == {"balanced": True, "nested": True, "in_language": False}
    assert bracket_levels("())(") == {"balanced": True, "nested": False, "in_language": False}
    assert bracket_levels("(()") == {"balanced": False, "nested": False, "in_language": False}
    assert not bracket_levels("(x)")["balanced"]
    assert is_nested("") and not bracket_levels("")["in_language"]  # the empty Dyck word


def test_toy_checker():
    good = ["the cat walks", "a nice dog ran quickly briefly", "the man goes ( on a busy mouse )",
            "a woman went but the bunny runs ( while a cat walked ) impatiently",
            "the dog ran with the cat"]
    bad = ["the cat", "cat walks", "the cat walks ( on a dog", "the cat walks on", "the  cat walks",
           "the cat walks ", "a quick quick dog ran", "the cat walks ( but )",
           "the dog ran briefly the cat"]
    assert all(map(is_toy_sentence, good))
    assert not any(map(is_toy_sentence, bad))
    assert known_word_fraction("the cat wlaks ( to") == 0.8
    assert known_word_fraction("a dog ran") == 1.0


# --- Targets, masking, sampling -----------------------------------------------------

def test_targets_shift_left_with_a_pad_column():
    tokens = torch.tensor([[1, 5, 6, 2], [1, 7, 2, 0]])
    assert ar.shift_targets(tokens, 0).tolist() == [[5, 6, 2, 0], [7, 2, 0, 0]]


def test_loss_is_unchanged_by_extra_padding():
    torch.manual_seed(0)
    model = ar.NextTokenLSTM(vocab_size=9, emb=8, hidden=8)
    batch = torch.tensor([[1, 5, 6, 7, 2], [1, 4, 2, 0, 0]])
    loss, count = ar.next_token_loss(model, batch, pad=0)
    padded = torch.cat([batch, torch.zeros(2, 6, dtype=torch.long)], dim=1)
    loss_padded, count_padded = ar.next_token_loss(model, padded, pad=0)
    assert count == count_padded == 4 + 2
    assert loss_padded.item() == pytest.approx(loss.item(), rel=1e-6)
    alone, _ = ar.next_token_loss(model, batch[1:, :3], pad=0)
    logits, _ = model(batch)
    by_hand = torch.nn.functional.cross_entropy(logits[1, :2], batch[1, 1:3], reduction="sum")
    assert alone.item() == pytest.approx(by_hand.item() / 2, rel=1e-6)


def test_temperature_zero_is_argmax_and_low_temperature_sharpens():
    logits = torch.tensor([[0.1, 2.0, -1.0], [3.0, 0.0, 2.9]])
    assert ar.sample(logits, 0.0).tolist() == [1, 0]
    assert ar.sample(logits[0], 0.0).item() == 1
    generator = torch.Generator().manual_seed(0)
    cold = ar.sample(logits[1].expand(2000, 3), 0.05, generator)
    assert (cold == 0).float().mean() > 0.8
    warm = ar.sample(logits[1].expand(2000, 3), 1.0, generator)
    assert 0.4 < (warm == 0).float().mean() < 0.6


def test_generate_stops_at_end_and_judges_samples():
    class Fixed(torch.nn.Module):
        """Always predicts the token after the last one: 4, 5, then .end (2)."""
        def forward(self, tokens, state=None):
            last = tokens[:, -1]
            nxt = torch.where(last == 1, 4, torch.where(last == 4, 5, 2))
            return torch.nn.functional.one_hot(nxt, 6).float()[:, None] * 10, state
    model = Fixed()
    model.dummy = torch.nn.Parameter(torch.zeros(1))
    out = ar.generate(model, [1], count=3, temperature=0.0, max_len=10, end=2)
    assert out == [([4, 5], True)] * 3
    i2w = SPECIALS + ["(", ")"]
    judged, extras = ar.judge("brackets", "", out + [([4], False)], i2w)
    assert judged == {"text": ["()", "()", "()", "("], "ended": [True, True, True, False],
                      "valid": [True, True, True, False]}
    assert extras[0]["in_language"] and not extras[3]["balanced"]
    assert ar.shown("(", False, False) == "BAD ( [no .end]"


# --- Batching ---------------------------------------------------------------------

def test_batches_respect_the_token_budget_and_cover_every_sequence_once():
    sequences, (_, w2i) = load_brackets(n=500, seed=0)
    lengths = [len(s) for s in ar.add_start_end(sequences, w2i)]
    budget = max(lengths) + 10
    batches = make_batches(lengths, max_tokens=budget)
    assert sorted(i for batch in batches for i in batch) == list(range(500))
    assert all(len(batch) * max(lengths[i] for i in batch) <= budget for batch in batches)


# --- Runs ---------------------------------------------------------------------------

@pytest.mark.parametrize("config", ["ndfa", "brackets", "toy"])
def test_quick_run_writes_results(tmp_path, config, capsys):
    results_root, out = tmp_path, tmp_path / "imdb" / "autoregressive"
    result = ar.main(["--config", config, "--quick", "--out", str(out), "--n", "200",
                      "--hidden", "8"])
    assert len(result["history"]) == 2
    assert len(result["batches"]["loss"]) == len(result["batches"]["grad_norm"])
    for name in (f"{config}.json", f"{config}.png", f"samples/{config}_epoch02.txt",
                 f"{config}.pt"):
        assert (out / name).is_file(), name
    saved = json.loads((out / f"{config}.json").read_text())
    assert saved["complete"] and saved["settings"]["n"] == 200
    last = saved["history"][-1]
    assert set(last["valid"]) == set(last["samples"]) == {"0.0", "0.5", "1.0"}
    for key, samples in last["samples"].items():
        assert len(samples["text"]) == len(samples["valid"]) == saved["settings"]["samples"]
        assert sum(samples["valid"]) / len(samples["valid"]) == last["valid"][key]
    kept = torch.load(out / f"{config}.pt", weights_only=True)["epoch"]
    assert kept == saved["kept_epoch"] == ar.lowest_held_out_loss(result["history"])
    assert all(entry["val_loss"] > 0 for entry in saved["history"])
    assert f"| {config} | e=16, h=8," in report.ar_report_table(results_root)
    # Q6: ten samples printed per temperature after every epoch
    printed = [line for line in capsys.readouterr().out.splitlines()
               if line.startswith(("    ok ", "    BAD "))]
    assert len(printed) == ar.PRINTED * 3 * 2 == 60


def test_the_default_is_the_ndfa_at_the_handouts_sizes():
    args = utils.parse_args(ar.build_parser(), [])
    assert args.config == "ndfa" == list(AUTOREGRESSIVE)[0]
    assert (args.data, args.emb, args.hidden, args.layers, args.epochs) == ("ndfa", 32, 16, 1, 3)
    assert args.temperatures == [0.0, 0.5, 1.0] and args.samples == 100


def test_quick_caps_every_size(tmp_path):
    result = ar.main(["--quick", "--n", "1000000", "--epochs", "1000", "--out", str(tmp_path)])
    assert result["settings"]["n"] == ar.QUICK["n"] and len(result["history"]) == 2


def test_same_seed_same_numbers(tmp_path):
    runs = [ar.main(["--config", "ndfa", "--quick", "--n", "200", "--epochs", "1", "--cosine",
                     "--out", str(tmp_path / str(i))]) for i in range(2)]
    assert runs[0]["batches"] == runs[1]["batches"]
    assert runs[0]["history"][0]["samples"] == runs[1]["history"][0]["samples"]


@pytest.mark.parametrize("flag, value", [
    ("--temperatures", "0,nan"), ("--temperatures", "cold"), ("--temperatures", "0,-1"),
    ("--temperatures", "0,,1"), ("--temperatures", "inf"), ("--clip", "-1"), ("--clip", "nan"),
    ("--lr", "0"), ("--lr", "nan"), ("--n", "2000000000"), ("--n", "0"), ("--n", "-5"),
    ("--samples", "0"), ("--max-sample-len", "0"), ("--layers", "4"), ("--emb", "0"),
    ("--hidden", "99999999"), ("--epochs", "0"), ("--max-tokens", "-1"), ("--seed", "-1"),
    ("--tag", "a/b"), ("--config", "dyck")])
def test_bad_flags_are_refused_before_any_work(tmp_path, capsys, flag, value):
    with pytest.raises(SystemExit) as stop:
        ar.main(["--quick", flag, value, "--out", str(tmp_path / "out")])
    assert stop.value.code == 2 and "error:" in capsys.readouterr().err.splitlines()[-1]
    assert not (tmp_path / "out").exists()


def test_a_budget_below_the_longest_sequence_is_one_line(tmp_path):
    with pytest.raises(utils.UserError, match="max-tokens"):
        ar.main(["--config", "brackets", "--quick", "--max-tokens", "3", "--out", str(tmp_path)])


def test_kept_checkpoint_is_the_first_epoch_with_the_lowest_held_out_loss():
    history = [{"epoch": 1, "val_loss": 0.5}, {"epoch": 2, "val_loss": 0.3},
               {"epoch": 3, "val_loss": 0.4}, {"epoch": 4, "val_loss": 0.3}]
    assert ar.lowest_held_out_loss(history) == 2


def test_held_out_strings_are_drawn_apart_from_training():
    args = utils.parse_args(ar.build_parser(), ["--config", "brackets", "--quick"])
    utils.apply_quick(args, ar.QUICK)
    ((train, _), (held_out, batches)), (_, w2i) = ar.load_sequences(args)
    assert len(train) == ar.QUICK["n"] and len(held_out) == ar.QUICK["val"]
    assert sorted(i for batch in batches for i in batch) == list(range(len(held_out)))
    same_seed = ar.add_start_end(load_brackets(n=len(held_out), seed=args.seed)[0], w2i)
    assert held_out != same_seed  # a stream of its own, not the training seed's
