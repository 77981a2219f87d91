"""``research.candles``: stored candles of the workbench, with what is missing fetched first.

The same path as a dashboard backtest: the shared ``candles`` table, filled by the
``CandleLoader`` through the exchange's public ccxt API (or the local replay/fake the
workbench points at with ``ARISTOBOT_EXCHANGE_URL_OVERRIDES``), then read back as float64.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime
from typing import Any, TypeAlias, TypeVar

import pandas as pd

from aristobot.backtest import candle_store
from aristobot.backtest.candle_loader import CandleLoader, CandleRequest, LoadReport
from aristobot.domain.timeframe import Timeframe
from aristobot.errors import ValidationError
from aristobot.exchanges.catalog import display_name
from aristobot.exchanges.factory import create_exchange, url_overrides
from aristobot.exchanges.handle import ExchangeHandle
from aristobot.research import messages as msg
from aristobot.research.workbench import Workbench, workbench

T = TypeVar("T")
When: TypeAlias = datetime | date | str | pd.Timestamp


def utc(value: When, name: str = "date") -> datetime:
    """Return ``value`` as an aware UTC datetime (naive dates and text are taken as UTC)."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValidationError(reason=msg.DATE_UNREADABLE.format(name=name, value=value)) from None
    if ts is pd.NaT:
        raise ValidationError(reason=f"{name} manquante")
    ts = ts.tz_localize(UTC) if ts.tzinfo is None else ts.tz_convert(UTC)
    out: datetime = ts.to_pydatetime()
    return out


def run_sync(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, even inside Jupyter's running loop."""
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="research") as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


def candles(
    exchange: str,
    symbol: str,
    timeframe: Timeframe | str,
    start: When,
    end: When,
    *,
    fetch: bool = True,
    progress: bool = True,
    bench: Workbench | None = None,
) -> pd.DataFrame:
    """Return the candles whose open time is in ``[start, end)``, oldest first.

    Columns ``open high low close volume`` (float64), indexed by UTC open time. Candles the
    workbench's database lacks are fetched from ``exchange`` first (a progress bar shows it)
    and stored for next time; ``fetch=False`` reads only what is stored.
    """
    wb = bench or workbench()
    req = CandleRequest(exchange.strip().lower(), symbol.strip().upper(),
                        Timeframe.parse(timeframe), utc(start, msg.START), utc(end, msg.END))
    if req.end <= req.start:
        raise ValidationError(reason=msg.DATES_ORDER)
    if fetch:
        load(wb, req, progress=progress)
    with wb.sessions() as s:
        return candle_store.read_candles(s, req.exchange, req.symbol, req.timeframe,
                                         req.start, req.end)


def load(wb: Workbench, req: CandleRequest, *, progress: bool = True) -> LoadReport:
    """Fetch and store the candles of ``req`` the database lacks (see ``CandleLoader``)."""
    bar = _bar(req) if progress else None

    async def go() -> LoadReport:
        overrides = url_overrides(wb.settings.exchange_url_overrides,
                                  wb.settings.binance_rest_url)
        raw = create_exchange(req.exchange, override_url=overrides.get(req.exchange))
        handle = ExchangeHandle(raw, display_name(req.exchange))
        try:
            loader = CandleLoader(wb.sessions, handle,
                                  progress=None if bar is None else _advance(bar))
            return await loader.load(req)
        finally:
            await handle.close()

    try:
        return run_sync(go)
    finally:
        if bar is not None:
            bar.close()


def _bar(req: CandleRequest) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=100, unit="%", bar_format="{desc} {bar} {n:.0f} %",
                desc=f"{req.symbol} {req.timeframe.value}")


def _advance(bar: Any) -> Callable[[float], None]:
    def report(pct: float) -> None:
        bar.n = pct
        bar.refresh()

    return report
