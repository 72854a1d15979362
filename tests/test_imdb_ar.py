"""Autoregressive LSTMs: the synthetic generators, target construction and
masking, the sampler, the three validity checkers, token-budget batching and a
--quick run per language."""
import json
import math
import random
import re

import pytest
import torch

import utils
from imdb import autoregressive as ar
from imdb.classify import make_batches
from imdb.data_rnn import SPECIALS, load_brackets, load_ndfa, load_toy
from imdb.grammar_checks import bracket_levels, is_ndfa, is_nested, is_toy_sentence, known_word_fraction


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
    assert sum("".join(i2w[i] for i in s) == "()" for s in sequences) / 4000 == pytest.approx(9 / 16, abs=0.03)


def test_entropy_per_token_matches_the_generated_data():
    """The closed forms against -log P of every generated sequence, summed."""
    sequences, (i2w, _) = load_ndfa(n=20_000, seed=5)
    nats = 0.0
    for seq in sequences:
        k = (len(seq) - 2) // 4
        nats -= math.log(1 / 4) if k == 0 else math.log(1 / 4) + k * math.log(3 / 4) + math.log(1 / 3)
    assert nats / sum(len(s) + 1 for s in sequences) == pytest.approx(ar.entropy_per_token("ndfa"), rel=0.02)
    sequences, _ = load_brackets(n=20_000, seed=5)
    nats = -sum((len(s) // 2 - 1) * math.log(7 / 16) + len(s) // 2 * math.log(9 / 16) for s in sequences)
    assert nats / sum(len(s) + 1 for s in sequences) == pytest.approx(ar.entropy_per_token("brackets"), rel=0.02)
    assert ar.entropy_per_token("toy") is None


# --- Validity checkers ----------------------------------------------------------------

def test_ndfa_checker():
    assert all(map(is_ndfa, ["ss", "sabc!s", "suvw!uvw!s", "sklm!klm!klm!s"]))
    assert not any(map(is_ndfa, ["", "s", "sabc!uvw!s", "sabc!", "abc!s", "sabcs", "sabc!s!", "ss ss"]))


def test_bracket_checker_levels():
    assert bracket_levels("(()())") == {"balanced": True, "nested": True, "in_language": True}
    assert bracket_levels("()()") == {"balanced": True, "nested": True, "in_language": False}
    assert bracket_levels("())(") == {"balanced": True, "nested": False, "in_language": False}
    assert bracket_levels("(()") == {"balanced": False, "nested": False, "in_language": False}
    assert not bracket_levels("(x)")["balanced"]
    assert is_nested("") and not bracket_levels("")["in_language"]  # the empty Dyck word


def test_toy_checker():
    good = ["the cat walks", "a nice dog ran quickly briefly", "the man goes ( on a busy mouse )",
            "a woman went but the bunny runs ( while a cat walked ) impatiently", "the dog ran with the cat"]
    bad = ["the cat", "cat walks", "the cat walks ( on a dog", "the cat walks on", "the  cat walks",
           "the cat walks ", "a quick quick dog ran", "the cat walks ( but )", "the dog ran briefly the cat"]
    assert all(map(is_toy_sentence, good))
    assert not any(map(is_toy_sentence, bad))
    assert known_word_fraction("the cat wlaks ( to") == 0.8 and known_word_fraction("a dog ran") == 1.0


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
    texts, valid, extras = ar.judge("brackets", "", out + [([4], False)], i2w)
    assert texts[0] == "()" and valid == [True, True, True, False] and texts[3].endswith("[no .end]")
    assert extras[0]["in_language"] and not extras[3]["balanced"]


# --- Batching ---------------------------------------------------------------------

def test_batches_respect_the_token_budget_and_cover_every_sequence_once():
    sequences, (_, w2i) = load_brackets(n=500, seed=0)
    lengths = [len(s) for s in ar.add_start_end(sequences, w2i)]
    budget = max(lengths) + 10
    batches = make_batches(lengths, max_tokens=budget)
    assert sorted(i for batch in batches for i in batch) == list(range(500))
    assert all(len(batch) * max(lengths[i] for i in batch) <= budget for batch in batches)


# --- Runs ---------------------------------------------------------------------------

@pytest.mark.parametrize("data", list(ar.LANGUAGES))
def test_quick_run_writes_results(tmp_path, data):
    results_root, tmp_path = tmp_path, tmp_path / "imdb_ar"
    result = ar.main(["--data", data, "--quick", "--out", str(tmp_path), "--n", "200", "--hidden", "8"])
    assert len(result["history"]) == 2 and len(result["batches"]["loss"]) == len(result["batches"]["grad_norm"])
    for name in (f"{data}.json", f"{data}.png", "summary.json", f"samples/{data}_epoch02.txt", f"checkpoints/{data}.pt"):
        assert (tmp_path / name).is_file(), name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary[data]["valid"]) == {"0.0", "0.5", "1.0"} and summary[data]["epochs"] == 2
    kept = torch.load(tmp_path / f"checkpoints/{data}.pt", weights_only=True)["epoch"]
    assert kept == summary[data]["kept_epoch"] == ar.best_epoch(result["history"])
    assert re.search(r"temperature 0.5: \d+/4 valid", (tmp_path / f"samples/{data}_epoch01.txt").read_text())
    assert f"| {data} | e=16, h=8," in ar.report_table(results_root)


def test_kept_checkpoint_is_the_first_epoch_with_most_valid_samples_at_low_temperature():
    history = [{"epoch": 1, "valid": {"0.0": 0.2, "0.5": 0.4, "1.0": 0.9}},
               {"epoch": 2, "valid": {"0.0": 1.0, "0.5": 0.9, "1.0": 0.1}},
               {"epoch": 3, "valid": {"0.0": 0.9, "0.5": 1.0, "1.0": 0.9}},
               {"epoch": 4, "valid": {"0.0": 0.5, "0.5": 0.6, "1.0": 1.0}}]
    assert ar.best_epoch(history) == 2
    assert ar.best_epoch([{"epoch": 1, "valid": {"1.0": 0.3}}, {"epoch": 2, "valid": {"1.0": 0.5}}]) == 2


def test_same_seed_same_numbers(tmp_path):
    runs = [ar.main(["--data", "ndfa", "--quick", "--n", "200", "--epochs", "1", "--cosine",
                     "--out", str(tmp_path / str(i))]) for i in range(2)]
    assert runs[0]["batches"] == runs[1]["batches"]
    assert runs[0]["history"][0]["valid"] == runs[1]["history"][0]["valid"]


def test_bad_flags_are_user_errors(tmp_path):
    with pytest.raises(utils.UserError, match="max-tokens"):
        ar.main(["--data", "brackets", "--quick", "--max-tokens", "3", "--out", str(tmp_path)])
    with pytest.raises(utils.UserError, match="temperatures"):
        ar.parse_args(["--data", "toy", "--temperatures", "cold"])
