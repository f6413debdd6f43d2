import sys

from atoz_desk.cli import main

if __name__ == "__main__":
    sys.exit(main())
