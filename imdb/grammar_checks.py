"""Judge sampled strings automatically: is a sample a sentence of the language the
model was trained on? One checker per synthetic language of `imdb/data_rnn.py`.

Each takes the decoded string (seed included, no `.start`/`.end`) and returns a
bool, except `bracket_levels`, which grades brackets at three strictnesses.
"""
import re
from functools import lru_cache

from imdb.data_rnn import TOY_GRAMMAR

NDFA = re.compile(r"s(abc!)*s|s(uvw!)*s|s(klm!)*s")


def is_ndfa(string):
    """The whole string is one of the NDFA's words repeated between two "s"."""
    return NDFA.fullmatch(string) is not None


def bracket_levels(string):
    """Three checks, from the handout's loose one to the training language:

    balanced: as many "(" as ")" (the handout's check for long strings);
    nested: additionally no prefix closes more than it opened (a Dyck word);
    in_language: nested, non-empty, and no proper prefix is balanced, so one
    outer pair spans the string, as every training string does.
    """
    if set(string) - set("()"):
        return {"balanced": False, "nested": False, "in_language": False}
    depths, depth = [], 0
    for char in string:
        depth += 1 if char == "(" else -1
        depths.append(depth)
    balanced = depth == 0
    nested = balanced and min(depths, default=0) >= 0
    in_language = nested and bool(string) and all(d > 0 for d in depths[:-1])
    return {"balanced": balanced, "nested": nested, "in_language": in_language}


def is_nested(string):
    return bracket_levels(string)["nested"]


# The toy grammar, written without its left recursion (S -> S ADV means a sentence
# is a base sentence followed by any number of adverbs):
#   S    -> BASE ADV*
#   BASE -> NP VP | NP VP PREP NP | NP VP ( PREP NP ) | NP VP CON S | NP VP ( CON S )
#   NP   -> (a | the) [ADJ] N
WORDS = {symbol: frozenset(TOY_GRAMMAR[symbol])
         for symbol in ("_adv", "_prep", "_con", "_noun", "_vp", "_adj")}


def is_toy_sentence(string):
    """The string is single-space-separated words that the toy grammar derives from S."""
    tokens = tuple(string.split(" "))
    return len(tokens) in _sentence_ends(tokens, 0)


def known_word_fraction(string):
    """Share of the space-separated pieces of `string` that are words of the toy
    grammar (the handout's first bar: "mostly words that occur in the training data")."""
    pieces = string.split(" ")
    known = set().union(*WORDS.values(), {"a", "the", "(", ")"})
    return sum(piece in known for piece in pieces) / len(pieces)


def _noun_phrase_end(tokens, i):
    """Where a noun phrase starting at `i` ends, or None."""
    if i < len(tokens) and tokens[i] in ("a", "the"):
        if i + 1 < len(tokens) and tokens[i + 1] in WORDS["_noun"]:
            return i + 2
        if (i + 2 < len(tokens) and tokens[i + 1] in WORDS["_adj"]
                and tokens[i + 2] in WORDS["_noun"]):
            return i + 3
    return None


def _word(tokens, i, symbol):
    return i < len(tokens) and tokens[i] in WORDS[symbol]


@lru_cache(maxsize=4096)
def _sentence_ends(tokens, i):
    """Every j such that tokens[i:j] derives from S (a frozenset; the grammar is ambiguous)."""
    subject = _noun_phrase_end(tokens, i)
    if subject is None or not _word(tokens, subject, "_vp"):
        return frozenset()
    k = subject + 1
    bases = {k}
    if _word(tokens, k, "_prep") and _noun_phrase_end(tokens, k + 1) is not None:
        bases.add(_noun_phrase_end(tokens, k + 1))
    if _word(tokens, k, "_con"):
        bases |= _sentence_ends(tokens, k + 1)
    if k < len(tokens) and tokens[k] == "(":
        inner = set()
        if _word(tokens, k + 1, "_prep") and _noun_phrase_end(tokens, k + 2) is not None:
            inner.add(_noun_phrase_end(tokens, k + 2))
        if _word(tokens, k + 1, "_con"):
            inner |= _sentence_ends(tokens, k + 2)
        bases |= {m + 1 for m in inner if m < len(tokens) and tokens[m] == ")"}
    ends = set()
    for end in bases:
        ends.add(end)
        while _word(tokens, end, "_adv"):
            end += 1
            ends.add(end)
    return frozenset(ends)


CHECKERS = {"ndfa": is_ndfa, "brackets": is_nested, "toy": is_toy_sentence}

