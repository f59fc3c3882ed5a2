"""``python -m compactmodel.library.check FILE...``: check generated model files against their content stamp.

For designers who ``.include`` the library in plain ngspice: exits 0 and prints ``ok FILE`` for
each intact file, or prints the one-line reason (edited, truncated, binary, missing) and exits 1.
Without arguments it checks the shipped package data.
"""

from __future__ import annotations

import argparse
import sys

from . import LibraryIntegrityError, check_file, verify_library


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m compactmodel.library.check", description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", metavar="FILE",
                    help="generated model files (.lib, .va) to check; default: the shipped package data")
    paths = ap.parse_args(argv).files
    status = 0
    try:
        targets = paths or [str(p) for p in verify_library()]
    except LibraryIntegrityError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for path in targets:
        try:
            check_file(path)
            print(f"ok {path}")
        except LibraryIntegrityError as err:
            print(f"error: {err}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
