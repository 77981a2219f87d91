"""What a broker can be opened on, as the broker form sees it (the service's view of ccxt).

Pages ask this module, never the exchange adapter: the choices (« paper » first, then every
ccxt exchange), what each one needs (credentials, sandbox) and the French credential labels.
"""

from __future__ import annotations

from aristobot.exchanges.catalog import PAPER, ExchangeInfo, exchange_ids, exchange_info
from aristobot.exchanges.messages import CREDENTIAL_LABELS

__all__ = ["CREDENTIAL_LABELS", "PAPER", "ExchangeInfo", "exchange_ids", "exchange_info"]
