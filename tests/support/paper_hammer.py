"""A process that places market orders on one paper account as fast as it can (tests).

    python -m tests.support.paper_hammer DATABASE_URL BROKER_ID CAPITAL ORDERS

Prints ``ready``, waits for a line on stdin (so that several of them start together), then
places ``ORDERS`` market buys of 0.01 BTC at 100 USDT, every third one followed by a sell of
0.01 BTC, and prints a JSON line: fills and refusals (insufficient funds).
"""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal

import ccxt.async_support as ccxt

from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.exchanges.paper import FixedPrices, PaperExchange

PRICE = "100"
QTY = 0.01


async def hammer(url: str, broker_id: int, capital: Decimal, orders: int) -> dict[str, int]:
    engine = make_engine(url)
    ex = PaperExchange(make_sessionmaker(engine), broker_id, capital,
                       FixedPrices({"BTC/USDT": PRICE}))
    await ex.load_markets()
    print("ready", flush=True)
    sys.stdin.readline()
    out = {"buys": 0, "sells": 0, "refused": 0}
    for i in range(orders):
        for side in ("buy", "sell") if i % 3 == 2 else ("buy",):
            try:
                await ex.create_order("BTC/USDT", "market", side, QTY)
                out[f"{side}s"] += 1
            except ccxt.InsufficientFunds:
                out["refused"] += 1
    engine.dispose()
    return out


def main() -> None:
    url, broker_id, capital, orders = sys.argv[1:5]
    print(json.dumps(asyncio.run(hammer(url, int(broker_id), Decimal(capital), int(orders)))),
          flush=True)


if __name__ == "__main__":
    main()
