"""``reelab prices update``: fetch the missing sessions into the user's price store."""

from __future__ import annotations

import argparse

__all__ = ["prices_update"]


def prices_update(args: argparse.Namespace) -> int:
    """reelab prices update: fetch, check and stitch the sessions the store lacks, then say what changed.

    Exit 0 when the store is up to date (written or already current); a missing network raises
    :class:`~signals.errors.PriceSourceUnavailable` (exit 1), bad input a ReelabError (exit 2), and
    in both cases the store is unchanged.
    """
    from .._store import update_prices

    report = update_prices(tickers=args.tickers, start=args.start, data_dir=args.data_dir)
    print(report.summary())
    written = [update.ticker for update in report.updates if update.written]
    print(f"wrote {len(written)} file(s) to {report.store}" if written else f"{report.store} is already up to date")
    return 0
