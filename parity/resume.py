"""Resuming driver_parity.py: the models an interrupted run with the same settings
has already finished."""
import sys

import store


def finished_models(path, settings):
    """{(hidden size, seed): record} of an interrupted run with these settings at
    `path`; a damaged file is skipped with a warning (its models run again)."""
    if not path.exists():
        return {}
    try:
        previous = store.load_json(path)
    except (OSError, ValueError) as err:
        print(f"warning: {path} is damaged ({err}); running every model again",
              file=sys.stderr)
        return {}
    if previous.get("complete", True) or previous.get("settings") != settings:
        return {}
    return {(record["hidden_dim"], record["seed"]): record for record in previous["runs"]}
