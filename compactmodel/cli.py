"""Command line: ``spinbattery emit`` | ``spinbattery demo``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .parameters import ParameterError

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="spinbattery", description="Spin-texture battery compact model")
    sub = ap.add_subparsers(dest="command", required=True)
    em = sub.add_parser("emit", help="write netlists/spin_battery.lib and verilog-a/spin_battery.va")
    em.add_argument("--nseg", type=int, default=None, help="sections of the default model")
    em.add_argument("--check", action="store_true", help="only check the files are up to date")
    dm = sub.add_parser("demo", help="emit the models and run charge -> store -> release in ngspice")
    dm.add_argument("--out", type=Path, default=None, help="folder for the figure (default ./out)")
    ns = ap.parse_args(argv)
    try:
        if ns.command == "emit":
            from . import emit

            args = (["--nseg", str(ns.nseg)] if ns.nseg is not None else []) + (["--check"] if ns.check else [])
            return emit.main(args)
        if ns.command == "demo":
            from .demo import run_demo

            kwargs = {"outdir": ns.out} if ns.out else {}
            run_demo(**kwargs)
            return 0
    except (ParameterError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
