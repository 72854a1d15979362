"""Scoring predicted languages: a name is right when the prediction is any of the
languages it carries (a name in two language files has two right answers).

Shared by the networks (names_rnn/model.py) and the baselines, so that both count
alike. The confusion row is a name's first language (data.name_groups) and a right
answer counts on its diagonal, so the trace is the number of right answers.
"""
import torch


def accepted_labels(label_sets, n_classes):
    """(names, n_classes) bool: True where a name carries that language."""
    rows = [row for row, labels in enumerate(label_sets) for _ in labels]
    columns = [label for labels in label_sets for label in labels]
    accepted = torch.zeros(len(label_sets), n_classes, dtype=torch.bool)
    accepted[rows, columns] = True
    return accepted


def confusion_counts(labels, predicted, accepted):
    """[first language, predicted language] counts of these predictions; `labels`
    holds each name's first language, `accepted` its row of accepted_labels."""
    n_classes = accepted.shape[1]
    right = accepted.gather(1, predicted[:, None]).squeeze(1)
    cells = labels * n_classes + torch.where(right, labels, predicted)
    return torch.bincount(cells, minlength=n_classes ** 2).view(n_classes, n_classes)


def accuracy(confusion):
    return int(torch.as_tensor(confusion).trace()) / int(torch.as_tensor(confusion).sum())


def mean_recall(confusion):
    """The recall of each language (row), averaged over the languages with names: every
    language counts alike, however many names it has."""
    confusion = torch.as_tensor(confusion, dtype=torch.float64)
    support = confusion.sum(1)
    return float((confusion.diagonal()[support > 0] / support[support > 0]).mean())
