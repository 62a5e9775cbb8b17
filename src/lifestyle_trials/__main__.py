"""``python -m lifestyle_trials <verb>``: the command line (see :mod:`lifestyle_trials.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
