"""Start AtoZ Desk: `python main.py [--database-url URL] [--demo]`."""

import sys

from atoz_desk.app import main

if __name__ == "__main__":
    sys.exit(main())
