"""The handout's hw2 folder: mlp_scan.py (section 2), hw2.py (section 3), train_demo.py.

Running `python hw2/train_demo.py` puts hw2/ first on sys.path, where `hw2` then
names hw2/hw2.py rather than this package; re-exporting the CNN here makes
`from hw2 import CNN` work both ways."""
from hw2.hw2 import CNN, INPUT_WIDTH, NUM_CLASSES  # noqa: F401
