"""Multinomial naive Bayes over a name's character n-grams: a baseline of its own
(names_rnn/baselines.py), and a second opinion that train.py can mix into a
network's predictions, since the two err on different names.
"""
import torch


def ngrams(name, max_n):
    """The character n-grams of `name`, n = 1 to max_n, lower-cased between ^ and $."""
    text = f"^{name.lower()}$"
    return [text[i:i + n] for n in range(1, max_n + 1) for i in range(len(text) - n + 1)]


class NaiveBayes:
    """Multinomial naive Bayes over character n-grams, additive smoothing `alpha`;
    n-grams never seen in training are ignored. Build one with `fit`; a checkpoint
    keeps its `state()`, and NaiveBayes(**state) rebuilds it."""

    def __init__(self, max_n, vocabulary, log_likelihood, log_prior):
        self.max_n, self.vocabulary = max_n, vocabulary
        self.log_likelihood, self.log_prior = log_likelihood, log_prior

    @classmethod
    def fit(cls, pairs, n_classes, max_n, alpha):
        """Count the n-grams of (name, label) training pairs."""
        grams = [ngrams(name, max_n) for name, _ in pairs]
        vocabulary = {gram: i for i, gram in enumerate(sorted(set().union(*grams)))}
        rows = torch.tensor([label for (_, label), names in zip(pairs, grams) for _ in names],
                            dtype=torch.long)
        columns = torch.tensor([vocabulary[gram] for names in grams for gram in names],
                               dtype=torch.long)
        table = torch.zeros(n_classes, len(vocabulary), dtype=torch.float64)
        table.index_put_((rows, columns), torch.ones(len(rows), dtype=torch.float64),
                         accumulate=True)
        table += alpha
        log_likelihood = (table / table.sum(1, keepdim=True)).log()
        prior = torch.bincount(torch.tensor([label for _, label in pairs]), minlength=n_classes)
        log_prior = (prior.double() + 1e-12).log()  # a language absent from training
        return cls(max_n, vocabulary, log_likelihood, log_prior)

    def scores(self, names):
        """(names, n_classes) log joint probabilities of each name and language, up to
        one constant (the prior is kept as log counts)."""
        rows = []
        for name in names:
            ids = [self.vocabulary[g] for g in ngrams(name, self.max_n) if g in self.vocabulary]
            rows.append(self.log_prior + self.log_likelihood[:, ids].sum(1))
        return torch.stack(rows) if rows else torch.zeros(0, len(self.log_prior))

    def log_probs(self, names):
        """(names, n_classes) float32 log posterior probabilities of the languages."""
        return self.scores(names).log_softmax(1).float()

    def predict(self, names):
        """The most likely language of each name."""
        return self.scores(names).argmax(1)

    def state(self):
        return {"max_n": self.max_n, "vocabulary": self.vocabulary,
                "log_likelihood": self.log_likelihood, "log_prior": self.log_prior}
