import sys

from analyzer.cli import main

if __name__ == "__main__":  # not when a worker process (parse/parallel.py) imports it
    sys.exit(main())
