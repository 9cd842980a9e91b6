"""``reelab prices update`` and ``reelab prices verify``: the user's price store."""

from __future__ import annotations

import argparse
import sys

__all__ = ["prices_update", "prices_verify"]


def prices_update(args: argparse.Namespace) -> int:
    """reelab prices update: fetch, check and stitch the sessions the store lacks, then say what changed.

    Exit 0 when the store is up to date (written or already current); a missing network raises
    :class:`~signals.errors.PriceSourceUnavailable` (exit 1, nothing written); refused tickers
    (:class:`~backtests.prices._store.UpdateRefused`: a jump, bad data) exit 2 after the summary, their
    files unchanged and the others written; other bad input is exit 2 with nothing written.
    """
    from ..prices._update import UpdateRefused, update_prices

    accept = [item for group in args.accept for item in group]
    try:
        report = update_prices(
            tickers=args.tickers, start=args.start, data_dir=args.data_dir, accept=accept, rebuild=args.rebuild
        )
    except UpdateRefused as refused:
        print(refused.report.summary())
        raise
    print(report.summary())
    written = [update.ticker for update in report.updates if update.written]
    print(f"wrote {len(written)} file(s) to {report.store}" if written else f"{report.store} is already up to date")
    return 0


def prices_verify(args: argparse.Namespace) -> int:
    """reelab prices verify: every check of every ticker's prices; exit 0 when all pass, else 2 (one line on stderr)."""
    from ..prices._health import verify_prices

    report = verify_prices(args.tickers, data_dir=args.data_dir)
    print(report.summary())
    failing = {ticker: found for ticker, found in report.problems.items() if found}
    if failing:
        shown = "; ".join(f"{ticker}: {found[0]}" for ticker, found in list(failing.items())[:3])
        more = f" (and {len(failing) - 3} more tickers)" if len(failing) > 3 else ""
        print(f"reelab: error: prices verify: problems in {len(failing)} ticker(s): {shown}{more}", file=sys.stderr)
        return 2
    print("every check passed")
    return 0
