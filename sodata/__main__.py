"""Command line: ``python -m sodata {download,verify,standin,pin} ...``."""
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

    commands.add_parser("verify", help="hash the downloaded real data and the stand-ins in the "
                                       "cache folder again (a full check; use is checked cheaply)")

    standin = commands.add_parser(
        "standin", help="generate the stand-in data (make standin)",
        description="Generate the stand-in data set (NOT the real data) into a folder; an "
                    "existing matching data set is reused.")
    standin.add_argument("--scale", default="sample", type=_scale,
                         help="tiny (tests), sample (the default data set) or full (benchmarks)")
    standin.add_argument("--seed", type=_seed, default=0, help="a non-negative integer")
    standin.add_argument("--out", type=Path, default=None,
                         help="output folder (default: data/standin-SCALE, with -seedN and the "
                              "knobs that differ from the scale's in its name)")
    standin.add_argument("--knob", action="append", default=[], metavar="NAME=VALUE",
                         type=_knob, help="override a generator knob, e.g. --knob oov_rate=0.1 "
                                          "(see sodata/standin/config.py)")

    pin = commands.add_parser(
        "pin", help="for maintainers: regenerate the default stand-ins and write their sha256 "
                    "into sodata/standin/pins.py (after an intended generator change)")
    pin.add_argument("--scale", action="append", type=_scale, default=None,
                     help="pin only this scale (repeatable; default: tiny, sample and full)")
    pin.add_argument("--check", action="store_true",
                     help="compare with the table instead of writing it; exit 1 on a difference")

    args = parser.parse_args(argv)
    try:
        if args.command == "download":
            return _download(args.assets)
        if args.command == "verify":
            return _verify()
        if args.command == "pin":
            return _pin(args.scale, args.check)
        return _standin(parser, args)
    except KeyboardInterrupt as interrupted:
        print(interrupted or "interrupted", file=sys.stderr)
        return 130


def _download(names: list[str]) -> int:
    from sodata.assets import AssetError, DataMissingError
    from sodata.downloader import download_all
    from sodata.paths import DataFolderError

    try:
        download_all(names or None)
    except (AssetError, DataMissingError, DataFolderError, KeyError) as error:
        message = error.args[0] if isinstance(error, KeyError) else error
        print(f"error: {message}", file=sys.stderr)
        return 1
    return 0


def _verify() -> int:
    """Hash every real asset against its marker and every stand-in against its manifest."""
    from sodata.assets import ASSETS
    from sodata.paths import data_dir, file_in_the_way
    from sodata.standin import generation_of
    from sodata.standin.writer import check_dataset
    from sodata.verified import check_verified, is_verified

    folder = data_dir()
    if problem := file_in_the_way(folder):
        return _nothing_verified(problem)
    if not folder.is_dir():
        return _nothing_verified(f"the data folder {folder} does not exist")
    checked = failed = 0
    for asset in ASSETS.values():
        if not is_verified(asset) and not any(path.exists() for path in asset.used_files(folder)):
            continue  # never downloaded: nothing to check
        problem = check_verified(asset)
        checked, failed = checked + 1, failed + (problem is not None)
        print(f"{asset.name}: {problem or 'verified (sha256)'}")
    for named in sorted(folder.glob("standin-*")):
        problem, basis = check_dataset(generation_of(named))
        checked, failed = checked + 1, failed + (problem is not None)
        print(f"{named.name}: {problem or f'verified against {basis}'}")
    if not checked:
        return _nothing_verified(f"nothing to verify in {folder}")
    return 1 if failed else 0


def _nothing_verified(problem: str) -> int:
    print(f"error: {problem}: no real data downloaded (`make data`) and no stand-in generated "
          f"(`make standin`) there to verify", file=sys.stderr)
    return 1


def _pin(scales: list[str] | None, check: bool) -> int:
    from sodata.standin import pinning

    scales = tuple(scales or pinning.PINNED_SCALES)
    if not check:
        table = pinning.repin(scales)
        print(f"pinned {', '.join(scales)} in {pinning.TABLE} "
              f"(generator v{next(iter(table))}): review the diff and commit it")
        return 0
    found = [line for scale in scales for line in pinning.differences(scale)]
    print("\n".join(found) or f"{', '.join(scales)}: the generator writes the pinned files")
    return 1 if found else 0


def _standin(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from sodata.datasets import standin_root
    from sodata.standin import generate
    from sodata.standin.config import make_knobs

    try:
        knobs = dict(args.knob)
        out = args.out or standin_root(args.scale, args.seed,
                                       make_knobs(args.scale, knobs).as_dict())
        out = generate(scale=args.scale, seed=args.seed, out=out, **knobs)
    except (ValueError, OSError) as error:
        parser.exit(2, f"python -m sodata standin: error: {error}\n")
    print(f"stand-in data set ready in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
