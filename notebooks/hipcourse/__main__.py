"""Entry point for ``python -m hipcourse <command>`` (see :mod:`hipcourse.cli`)."""

import sys

from hipcourse.cli import main

if __name__ == "__main__":
    sys.exit(main())
