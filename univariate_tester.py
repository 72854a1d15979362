"""Q4: a univariate LSTM with hand-set weights that computes the parity of a bit string.

All inputs, states and the twelve weights are scalars (the handout's equations 1-6).
The weights below implement PARITY(t) = x_t XOR PARITY(t-1) as
(x OR p) AND (x NAND p): the candidate g is the OR, the input gate i is the NAND,
the forget gate is shut so that c_t = i_t * g_t, and the output gate is open so
that h_t = tanh(c_t). That gives h ~ +0.76 after an odd number of ones and
h ~ -0.76 or ~0 after an even number, so "odd iff h > 0.5" reads the parity.

Like the course tester (every string of length 14) it stops at the first wrong
string and prints it; by default it checks every string of every length 0..20
(vectorised with NumPy) and 10,000 random strings of length 100,000 in float64,
scored after every prefix (so each length 1..100,000 has 10,000 uniform random
strings), reports the margin (the smallest |h - 0.5| seen) and proves, by interval
arithmetic, that h stays on the right side of 0.5 at every length. Exit status 0
when every string passes, 1 otherwise.

    python univariate_tester.py                  # the reported run (REPORT.md, Q4)
    python univariate_tester.py --max-length 14 --random-length 0   # the course tester's check
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import time

import numpy as np

import store
from parity.data import random_strings

# The handout's twelve scalars (see REPORT.md section 2 for why each has its value).
WEIGHTS = {
    "w_ix": -30.0, "w_ih": -30.0, "b_i": 40.0,   # input gate: x NAND (h odd)
    "w_fx": 0.0, "w_fh": 0.0, "b_f": -20.0,      # forget gate: always shut
    "w_ox": 0.0, "w_oh": 0.0, "b_o": 20.0,       # output gate: always open
    "w_gx": 60.0, "w_gh": 40.0, "b_g": -20.0,    # candidate: x OR (h odd), as +-1
}
THRESHOLD = 0.5  # predict odd iff the final h is above this
QUICK = {"max_length": 10, "random_length": 200, "samples": 500}  # upper bounds for --quick


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + exp(-z)), without overflow


def lstm_step(weights, x, h, c):
    """One step of the univariate LSTM (equations 1-6); works on scalars or arrays."""
    w = weights
    i = sigmoid(w["w_ix"] * x + w["w_ih"] * h + w["b_i"])
    f = sigmoid(w["w_fx"] * x + w["w_fh"] * h + w["b_f"])
    o = sigmoid(w["w_ox"] * x + w["w_oh"] * h + w["b_o"])
    g = np.tanh(w["w_gx"] * x + w["w_gh"] * h + w["b_g"])
    c = f * c + i * g
    return o * np.tanh(c), c


def margin_of(h):
    return float(np.abs(h - THRESHOLD).min())


def first_wrong(h, parity):
    """Index of the first string whose prediction (odd iff h > 0.5) is wrong, or None."""
    wrong = np.flatnonzero((h > THRESHOLD) != (parity == 1))
    return int(wrong[0]) if len(wrong) else None


def report_failure(string, h, parity):
    predicted = "odd" if h > THRESHOLD else "even"
    print(f"FAILED on {string or '(empty)'}: predicted {predicted} (h = {h:.4f}), "
          f"parity {'odd' if parity else 'even'}")


def check_all_lengths(max_length, weights=WEIGHTS):
    """Every string of every length 0..max_length; stops at the first failure.

    The strings of length L+1 are those of length L followed by 0 or by 1, so the
    states of all 2^(L+1) strings come from one step on the 2^L states before:
    2^(N+1) steps in all instead of N * 2^N.
    Returns (passed, margin over the strings checked, number of strings checked)."""
    h, c, parity = np.zeros(1), np.zeros(1), np.zeros(1, dtype=np.int64)
    margin, checked = np.inf, 0
    for length in range(max_length + 1):
        if length:  # children of string s are s0 (index 2s) and s1 (index 2s + 1)
            (h0, c0), (h1, c1) = lstm_step(weights, 0.0, h, c), lstm_step(weights, 1.0, h, c)
            h, c = np.stack([h0, h1], axis=1).ravel(), np.stack([c0, c1], axis=1).ravel()
            parity = np.stack([parity, 1 - parity], axis=1).ravel()
        first = first_wrong(h, parity)
        if first is not None:
            report_failure(format(first, f"0{length}b") if length else "", h[first], parity[first])
            return False, margin, checked
        margin, checked = min(margin, margin_of(h)), checked + len(h)
        print(f"length {length:2d}: all {len(h):>9,} strings correct (margin {margin_of(h):.4f})")
    return True, margin, checked


def check_random(length, samples, rng, weights=WEIGHTS, block=1000):
    """`samples` uniform random strings of `length` bits, checked after every prefix.

    All strings advance one bit at a time, so the state after each prefix is at
    hand: the check covers every length 1..`length`, each with `samples` uniform
    random strings. Bits are drawn `block` steps at a time (a 10,000 x 100,000
    array would need 1 GB). Returns (passed, margin over every prefix)."""
    h, c = np.zeros(samples), np.zeros(samples)
    parity = np.zeros(samples, dtype=np.int64)
    margin = np.inf
    for start in range(0, length, block):
        # one row per step: row t holds bit t of every string
        for step, bits in enumerate(random_strings(rng, min(block, length - start), samples)):
            h, c = lstm_step(weights, bits, h, c)
            parity ^= bits
            first = first_wrong(h, parity)
            if first is not None:
                print(f"FAILED on random string {first} after {start + step + 1:,} bits: "
                      f"predicted {'odd' if h[first] > THRESHOLD else 'even'} "
                      f"(h = {h[first]:.4f}), parity {'odd' if parity[first] else 'even'}")
                return False, margin
            margin = min(margin, margin_of(h))
    print(f"random: all {samples:,} strings right after every prefix of length 1..{length:,} "
          f"(margin {margin:.4f})")
    return True, margin


def interval_step(weights, x, h, c):
    """Bounds on (h', c') after reading bit x, for any h in [h0, h1] and c in [c0, c1].

    Every pre-activation is linear in h and the nonlinearities are increasing, so
    each gate's range comes from the two ends of the h interval; products of
    intervals take the extremes of their corner products."""
    def gate(fn, wx, wh, b):
        ends = fn(weights[wx] * x + weights[wh] * np.array(h) + weights[b])
        return ends.min(), ends.max()

    def product(a, b):
        corners = [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]]
        return min(corners), max(corners)

    i = gate(sigmoid, "w_ix", "w_ih", "b_i")
    f = gate(sigmoid, "w_fx", "w_fh", "b_f")
    o = gate(sigmoid, "w_ox", "w_oh", "b_o")
    g = gate(np.tanh, "w_gx", "w_gh", "b_g")
    fc, ig = product(f, c), product(i, g)
    c_new = (fc[0] + ig[0], fc[1] + ig[1])
    return product(o, np.tanh(c_new)), c_new


def invariant_intervals(weights=WEIGHTS, pad=1e-6, max_iterations=1000):
    """Find intervals E (even) and O (odd) of (h, c) that every reachable state lies in.

    Start from the initial state (h = c = 0, even), grow E and O by the images
    E --0--> E, O --1--> E, O --0--> O, E --1--> O until they stop growing, pad them
    slightly, and verify that they are closed under one more step. If they are and
    E lies below 0.5 and O above, induction on the length proves the classifier
    right for strings of every length. Returns a dict with the intervals and
    `proved` (False if no such pair was found)."""
    def hull(*boxes):
        return tuple((min(b[k][0] for b in boxes), max(b[k][1] for b in boxes)) for k in range(2))

    def inside(inner, outer):
        return all(outer[k][0] <= inner[k][0] and inner[k][1] <= outer[k][1] for k in range(2))

    def images(even, odd):
        return (hull(interval_step(weights, 0, *even), interval_step(weights, 1, *odd)),
                hull(interval_step(weights, 0, *odd), interval_step(weights, 1, *even)))

    even = ((0.0, 0.0), (0.0, 0.0))
    odd = interval_step(weights, 1, *even)
    for _ in range(max_iterations):
        new_even, new_odd = images(even, odd)
        new_even, new_odd = hull(even, new_even), hull(odd, new_odd)
        if new_even == even and new_odd == odd:
            break
        even, odd = new_even, new_odd
    even, odd = (tuple((lo - pad, hi + pad) for lo, hi in box) for box in (even, odd))
    next_even, next_odd = images(even, odd)
    closed = inside(next_even, even) and inside(next_odd, odd)
    separated = even[0][1] < THRESHOLD < odd[0][0]
    return {"even_h": even[0], "even_c": even[1], "odd_h": odd[0], "odd_c": odd[1],
            "proved": bool(closed and separated),
            "margin_bound": float(min(THRESHOLD - even[0][1], odd[0][0] - THRESHOLD))}


def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-length", type=utils.bounded_int(0, 24), default=20,
                        help="check every string of every length 0..N (default: %(default)s; "
                             "at most 24: 2^24 strings already need about 0.5 GB)")
    parser.add_argument("--random-length", type=utils.bounded_int(0, 1_000_000), default=100_000,
                        metavar="L", help="also check random strings of L bits after every "
                                          "prefix, 0 for none (default: %(default)s)")
    parser.add_argument("--samples", type=utils.bounded_int(1, 100_000), default=10_000,
                        help="how many random strings (default: %(default)s)")
    utils.add_common_args(parser, "parity")
    return parser


def main(argv=None):
    args = utils.apply_quick(utils.parse_args(build_parser(), argv), QUICK)
    out = utils.output_dir(args)
    utils.seed_everything(args.seed)

    start = time.perf_counter()
    print("weights: " + ", ".join(f"{name} = {value:g}" for name, value in WEIGHTS.items()))
    passed, margin, checked = check_all_lengths(args.max_length)
    result = {"script": "univariate_tester.py", "settings": utils.run_settings(args),
              "weights": WEIGHTS, "max_length": args.max_length, "strings_checked": checked,
              "environment": utils.environment()}
    if passed and args.random_length:
        passed, random_margin = check_random(args.random_length, args.samples,
                                             np.random.default_rng(args.seed))
        margin = min(margin, random_margin)
        result.update(random_length=args.random_length, random_samples=args.samples)
    proof = invariant_intervals()
    print(f"invariant intervals: even h in [{proof['even_h'][0]:.4f}, {proof['even_h'][1]:.4f}], "
          f"odd h in [{proof['odd_h'][0]:.4f}, {proof['odd_h'][1]:.4f}] -> "
          + ("correct at every length" if proof["proved"] else "no proof for every length"))
    result.update(passed=passed, margin=margin, invariant_intervals=proof,
                  seconds=round(time.perf_counter() - start, 2))
    store.save_json(result, out / "univariate.json")
    if not passed:
        return 1
    print(f"SUCCESS: every string classified correctly; margin (smallest |h - 0.5|) = {margin:.4f}")
    return 0


if __name__ == "__main__":
    utils.run_main(main)
