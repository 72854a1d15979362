"""Train the vanilla RNN or the LSTM to name the last digit of a palindrome.

    python palindrome/train.py                       # the sanity check: RNN, T = 5
    python palindrome/train.py --model_type LSTM     # the LSTM's sanity check
    python palindrome/train.py --model_type LSTM --input_length 19 --input_dim 10
    python palindrome/train.py --quick

Flags and defaults follow the exercise's train.py (input_length is T-1), except
that --input_length defaults to 4: the handout's sanity check, near-perfect
accuracy at T = 5 with the default parameters. The run's JSON,
<out>/train_<model>_T<T>_seed<seed>.json, is rewritten after every
validation check, and its curves, <name>.png, every 10 checks and at the end, so an
interrupted run keeps its learning curve ("finished": false); the model itself is
not saved (a run takes seconds to minutes, and nothing reads it afterwards).
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line
import store
from palindrome import report, training

PLOT_EVERY = 10  # validation checks between redrawn learning curves (and at the end)


def build_parser():
    return training.train_parser(__doc__)


def main(argv=None):
    parser = build_parser()
    args = utils.parse_args(parser, argv)
    if args.quick:
        training.quick_settings(args)
        args.input_length, args.train_steps = 4, min(args.train_steps, training.QUICK_STEPS)
    out = utils.output_dir(args)
    name = f"train_{args.model_type}_T{args.input_length + 1}_seed{args.seed}"
    path = out / f"{name}.json"
    header = {"script": "palindrome/train.py", "settings": utils.run_settings(args),
              "environment": utils.environment()}
    title = (f"{args.model_type}, T = {args.input_length + 1}, seed {args.seed}: "
             f"{args.num_hidden} hidden, batch {args.batch_size}, lr {args.learning_rate:g}")

    def save(record):
        store.save_json({**header, **record}, path)
        if record["finished"] or len(record["history"]) % PLOT_EVERY == 0:
            report.plot_learning_curve(record, f"{title}; step {record['steps']}",
                                       out / f"{name}.png")

    with store.run_lock(out, name):
        training.train(args, utils.pick_device(args.device), save=save)
    print(f"wrote {path} and {name}.png")
    return 0


if __name__ == "__main__":
    utils.run_main(main)
