"""``reelab positions``: parse -> spec -> positions as of a session -> publish the folder."""

from __future__ import annotations

import argparse

__all__ = ["positions"]


def positions(args: argparse.Namespace) -> int:
    """reelab positions: the template's positions after the close of --asof and its next-session orders."""
    from .. import ops
    from ..data import MarketData
    from ..spec import RunSpec

    spec = RunSpec.from_args(args)
    result = ops.positions(spec, args.asof, MarketData.load(spec), strict=args.strict)
    folder = result.save(args.out / f"positions-{spec.template}-{args.asof:%Y-%m-%d}")
    print(result.summary())
    print(f"wrote {folder}/ (positions.csv, manifest.json)")
    return 0
