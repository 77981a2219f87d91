"""Memory-bomb replies against a real pool, run in a process started under an address-space
cap by ``tests/integration/strategies/test_reply_bombs.py`` (so that a regression fails with
MemoryError there instead of taking the machine down). Prints one JSON object:
{case: the French error the pool reported, or what happened instead}.
"""

from __future__ import annotations

import asyncio
import json
import warnings

from aristobot.core.backtest.types import BacktestParams
from aristobot.errors import StrategyError
from aristobot.strategies import StrategyPool
from aristobot.strategies.samples import sample_candles
from tests.support.crafted_replies import (
    OLD_PICKLES,
    big_error_pickle_pieces,
    body,
    prefixed,
    writer_of,
    writer_strategy,
)
from tests.support.jobs import TEST_POOL_OPTIONS

_HUGE_ARRAY = prefixed(body({"k": "ok", "r": {"trades": {}, "equity": 0, "stats": {},
                                              "lookahead": None, "cancelled": False,
                                              "meta": {}},
                             "a": [["f8", [2**37]]]}, b"\0" * 64))
#: (case, call, strategy code)
CASES = [
    ("bytearray_2g", "decide", writer_of(prefixed(OLD_PICKLES["bytearray_2g"]))),
    ("range_check", "check", writer_of(prefixed(OLD_PICKLES["range_check"]))),
    ("error_text_300m", "decide", writer_strategy(big_error_pickle_pieces(300))),
    ("array_1tib_job", "job", writer_of(_HUGE_ARRAY)),
]


#: A case, or the pool's close, still running after this is reported instead of stalling the
#: parent test until its own (10 min) time-out.
BOUND_S = 120.0


async def _run(pool: StrategyPool, call: str, code: str) -> str:
    async with asyncio.timeout(BOUND_S):
        return await _run_case(pool, call, code)


async def _run_case(pool: StrategyPool, call: str, code: str) -> str:
    candles = sample_candles(500)
    try:
        if call == "decide":
            d = await pool.decide(code, candles, 1000.0, None, owner=1)
            return str(d.error)[:300]
        if call == "check":
            return f"notes: {len(await pool.check(code, owner=1))}"
        result = await pool.run_job("aristobot.backtest.job:run_job",
                                    {"code": code, "candles": candles,
                                     "params": BacktestParams()}, owner=1, timeout_s=60)
        return f"result: {type(result).__name__}"
    except StrategyError as e:
        return e.user_message()[:300]
    except BaseException as e:  # noqa: BLE001 - MemoryError, RecursionError...: the regression
        return f"{type(e).__name__}: {str(e)[:200]}"


async def _main() -> None:
    warnings.simplefilter("ignore")
    pool = StrategyPool(1, memory_mb=768, call_timeout_s=20.0, **TEST_POOL_OPTIONS)
    try:
        out = {case: await _run(pool, call, code) for case, call, code in CASES}
    finally:
        async with asyncio.timeout(BOUND_S):
            await pool.aclose()
    print(json.dumps(out))


def main() -> None:
    asyncio.run(_main())
