"""``python -m archcost``: the command line, as the ``archcost`` command."""

from .cli import main

if __name__ == "__main__":
    main()
