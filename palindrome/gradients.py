"""How much gradient reaches the first digit, the only one the label depends on.

    python palindrome/gradients.py            # both measurements below
    python palindrome/gradients.py --quick

Q1.1: ||dL/dh(t)|| over t for an untrained RNN and LSTM at T = --length
(gradient_norms.json, gradient_norms.png).
Q1.6: the LSTM trained at T = --collapse_length with each forget-gate
initialisation of --lstm_inits (b_f = 1, chrono), otherwise as the sweep. Before
training and at every validation check, on a fixed batch of validation
palindromes: ||dL/dx(1)|| and ||dL/dh(1)||, the mean forget gate f(t) at every t,
and the cell path's gain from c(1) to c(T-1), the mean of f(2) ⋯ f(T-1)
(collapse.json, collapse.png). The training flags default to the sweep's
(palindrome/configs.py).
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse

import torch
from torch import nn

import store
from palindrome import report, training
from palindrome.configs import LSTM_RECIPE
from palindrome.dataset import VALIDATION_SEED, PalindromeDataset

PROBE_SIZE = 256


def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--length", type=utils.bounded_int(2, training.MAX_LENGTH), default=100,
                        help="T of the untrained networks' gradient norms (default: %(default)s)")
    parser.add_argument("--collapse_length", type=utils.bounded_int(3, training.MAX_LENGTH),
                        default=40, help="T of the trained LSTMs (default: %(default)s)")
    parser.add_argument("--lstm_inits", nargs="+", choices=training.LSTM_INITS,
                        default=["one", "chrono"],
                        help="forget-gate initialisations compared (default: %(default)s)")
    parser.add_argument("--train_steps", type=utils.bounded_int(1, 1_000_000), default=20000,
                        help="safety cap on each LSTM's training steps (default: %(default)s)")
    training.add_model_args(parser)
    parser.set_defaults(**{key: value for key, value in LSTM_RECIPE.items()
                           if key != "lstm_init"})
    return training.accept_dashes(utils.add_common_args(parser, "palindrome"))


def gradient_norms(seed, input_dim, num_hidden, length, batch_size=PROBE_SIZE):
    """||dL/dh(t)|| for t = 1..T-1 of an untrained RNN and LSTM (same seed, same batch).

    Computed in float64: the RNN's gradient at early steps underflows float32 to 0.
    """
    digits, labels = PalindromeDataset(length, seed=seed).batch(batch_size)
    inputs = training.encode(digits, input_dim).double()
    norms = {}
    for model_type, model_class in training.MODELS.items():
        utils.seed_everything(seed)
        model = model_class(length - 1, input_dim, num_hidden, training.NUM_DIGITS).double()
        logits, states = model(inputs, keep_states=True)
        grads = torch.autograd.grad(nn.functional.cross_entropy(logits, labels), states)
        norms[model_type] = [g.norm().item() for g in grads]
    return norms


def lstm_probe(length, input_dim):
    """A function of an LSTM giving the first digit's gradient norms and the forget
    gates on PROBE_SIZE validation palindromes (float64, so nothing underflows)."""
    digits, labels = PalindromeDataset(length, seed=VALIDATION_SEED).batch(PROBE_SIZE)
    inputs = training.encode(digits, input_dim).double()

    def probe(model):
        model = model.double()
        x = inputs.clone().requires_grad_(True)
        logits, states = model(x, keep_states=True)
        grad_x, grad_h = torch.autograd.grad(nn.functional.cross_entropy(logits, labels),
                                             (x, states[0]))
        with torch.no_grad():
            forget = model.forget_gates(x, states)
        model.float()
        return {"grad_x1": grad_x[:, 0].norm().item(), "grad_h1": grad_h.norm().item(),
                "forget_mean": forget.mean((0, 2)).tolist(),
                "cell_gain": forget[:, 1:].prod(1).mean().item()}
    return probe


def train_collapse(args, device):
    """Train one LSTM per --lstm_inits at --collapse_length with the probe; their records."""
    records = {}
    for lstm_init in args.lstm_inits:
        config = argparse.Namespace(**{**vars(args), "model_type": "LSTM",
                                       "lstm_init": lstm_init, "num_classes": training.NUM_DIGITS,
                                       "input_length": args.collapse_length - 1})
        probe = lstm_probe(args.collapse_length, args.input_dim)
        records[lstm_init] = training.train(config, device, probe=probe)
    return records


def main(argv=None):
    parser = build_parser()
    args = utils.parse_args(parser, argv)
    if args.quick:
        training.quick_settings(args)
        args.length, args.collapse_length = 20, 6
        args.train_steps = min(args.train_steps, 300)
    out = utils.output_dir(args)
    header = {"script": "palindrome/gradients.py", "settings": utils.run_settings(args),
              "environment": utils.environment()}
    with store.run_lock(out, "gradients"):
        norms = gradient_norms(args.seed, args.input_dim, args.num_hidden, args.length)
        store.save_json({"palindrome_length": args.length, "num_hidden": args.num_hidden,
                         "norms": norms}, out / "gradient_norms.json")
        report.plot_gradients(norms, args.num_hidden, out / "gradient_norms.png")
        records = train_collapse(args, utils.pick_device(args.device))
        store.save_json({**header, "palindrome_length": args.collapse_length,
                         "runs": records}, out / "collapse.json")
        report.plot_collapse(records, out / "collapse.png")
    print(f"wrote {out / 'gradient_norms.png'} and {out / 'collapse.png'} (numbers in .json)")
    return 0


if __name__ == "__main__":
    utils.run_main(main)
