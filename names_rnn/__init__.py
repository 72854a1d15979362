"""Surnames to 18 languages with LSTMs and GRUs on packed batches (the week-8 homework
on the PyTorch char-RNN tutorial): data, model, train, predict, report."""
