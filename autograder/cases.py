"""Where a run's cases come from. Every run draws them from a seed of its own, made fresh
by the runner (or given with --seed to repeat a run), so no hand-in can know a test's
inputs or answers before the run: answers recorded in one run are wrong in the next.

Each test's generator and the student process's NumPy seed are derived from the run's
seed and the test's name. Every float drawn is exactly a float32 (drawn in float64,
rounded through float32, kept in float64): a hand-in that stores its parameters as
float32 holds the very values torch float64 computes with.
"""
import secrets
import zlib

import numpy as np

SEED_BITS = 32  # the range of --seed, which NumPy's legacy seeding accepts


def fresh_seed():
    """A run's seed, unpredictable to any hand-in."""
    return secrets.randbits(SEED_BITS)


def draw(test, seed):
    """`test`'s case in the run of `seed`, and the NumPy seed of its student process."""
    sequence = np.random.SeedSequence(seed, spawn_key=(zlib.crc32(test.name.encode()),))
    for_case, for_student = sequence.spawn(2)
    case = float32_exact(test.case(np.random.default_rng(for_case)))
    return case, int(for_student.generate_state(1)[0])


def float32_exact(value):
    """`value` with every float array rounded through float32 (still float64); integer
    arrays, numbers and strings as they are."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32).astype(np.float64)
    if isinstance(value, dict):
        return {key: float32_exact(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(float32_exact(item) for item in value)
    return value
