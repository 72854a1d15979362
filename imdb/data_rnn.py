"""Data for assignment 3B: the IMDb sentiment set (load_imdb) and the synthetic
grammars for the autoregressive models (load_ndfa, load_brackets, load_toy).

The interface is the course's data script's, so course code runs against it.
"""

# --- IMDb sentiment (load_imdb) ----------------------------------------------


# --- Synthetic grammars (load_ndfa, load_brackets, load_toy) -----------------
