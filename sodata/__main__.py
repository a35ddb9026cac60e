"""Command line: ``python -m sodata {download,standin} ...``."""
import argparse
import sys
from pathlib import Path


def _scale(text: str) -> str:
    from sodata.standin import SCALES

    if text not in SCALES:
        raise argparse.ArgumentTypeError(f"unknown scale {text!r}: use one of {', '.join(SCALES)}")
    return text


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a non-negative integer, got {text!r}") from None
    if seed < 0:
        raise argparse.ArgumentTypeError(f"seed must be a non-negative integer, got {seed}")
    return seed


def _knob(text: str) -> tuple[str, int | float]:
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"knob must look like NAME=VALUE, got {text!r}")
    try:
        number = float(value) if any(c in value for c in ".eE") else int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"knob {name} needs a number, got {value!r}") from None
    return name.strip(), number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sodata", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    download = commands.add_parser("download", help="download the real data (make data)")
    download.add_argument("assets", nargs="*",
                          help="asset names: stackoverflow, googlenews (the default: both), "
                               "stopwords (optional; a copy ships with hw_utils)")

    standin = commands.add_parser(
        "standin", help="generate the stand-in data (make standin)",
        description="Generate the stand-in data set (NOT the real data) into a folder; an "
                    "existing matching data set is reused.")
    standin.add_argument("--scale", default="sample", type=_scale,
                         help="tiny (tests), sample (the default data set) or full (benchmarks)")
    standin.add_argument("--seed", type=_seed, default=0, help="a non-negative integer")
    standin.add_argument("--out", type=Path, default=None,
                         help="output folder (default: data/standin-SCALE)")
    standin.add_argument("--knob", action="append", default=[], metavar="NAME=VALUE",
                         type=_knob, help="override a generator knob, e.g. --knob oov_rate=0.1 "
                                          "(see sodata/standin/config.py)")

    args = parser.parse_args(argv)
    if args.command == "download":
        from sodata.assets import AssetError, DataMissingError, download_all

        try:
            download_all(args.assets or None)
        except (AssetError, DataMissingError, KeyError) as error:
            message = error.args[0] if isinstance(error, KeyError) else error
            print(f"error: {message}", file=sys.stderr)
            return 1
    else:
        from sodata.datasets import standin_root
        from sodata.standin import generate

        try:
            out = generate(scale=args.scale, seed=args.seed,
                           out=args.out or standin_root(args.scale, args.seed), **dict(args.knob))
        except (ValueError, OSError) as error:
            parser.exit(2, f"python -m sodata standin: error: {error}\n")
        print(f"stand-in data set ready in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
