"""IMDb sentiment (assignment 3B, parts 1-3) and next-token LSTMs on synthetic grammars
(part 4): the course loaders, the MLP, Elman, RNN and LSTM classifiers, and the
autoregressive model with its sampler and grammar checks."""
