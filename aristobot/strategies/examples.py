"""The seed's EMA 10/20 crossover example, verbatim (it must validate and run unchanged),
and the same strategy with its lengths declared as tunable ``params`` (for sweeps)."""

from __future__ import annotations

#: Section 4.5 of the specification, character for character (``import pandas_ta as ta``).
EMA_CROSS_EXAMPLE = '''import pandas_ta as ta

class MaNouvelleStrategie(Strategy):
    def __init__(self, candles, balance, position=None):
        self.candles = candles
        self.balance = balance
        self.position = position

        # On suppose que candles est un DataFrame Pandas avec au moins la colonne 'close'
        self.candles["ema10"] = ta.ema(self.candles["close"], length=10)
        self.candles["ema20"] = ta.ema(self.candles["close"], length=20)

    def should_long(self) -> bool:
        """
        Buy signal : EMA 10 crosses above EMA 20
        """
        if len(self.candles) < 21:
            return False  # Pas assez de données

        ema10_now = self.candles["ema10"].iloc[-1]
        ema10_prev = self.candles["ema10"].iloc[-2]

        ema20_now = self.candles["ema20"].iloc[-1]
        ema20_prev = self.candles["ema20"].iloc[-2]

        # Croisement haussier : ema10 vient de passer au-dessus de ema20
        return ema10_prev < ema20_prev and ema10_now > ema20_now

    def should_short(self) -> bool:
        """
        Sell signal (optionnel pour spot) : EMA 10 crosses below EMA 20
        """
        if len(self.candles) < 21:
            return False

        ema10_now = self.candles["ema10"].iloc[-1]
        ema10_prev = self.candles["ema10"].iloc[-2]

        ema20_now = self.candles["ema20"].iloc[-1]
        ema20_prev = self.candles["ema20"].iloc[-2]

        return ema10_prev > ema20_prev and ema10_now < ema20_now

    def calculate_position_size(self) -> float:
        # Par exemple 10% du capital
        return self.balance * 0.1

    def calculate_stop_loss(self) -> float:
        # Stop à -2% par exemple
        return 0.02

    def calculate_take_profit(self) -> float:
        # TP à +4% par exemple
        return 0.04
'''

#: The same strategy importing the library under its real name.
EMA_CROSS_EXAMPLE_CLASSIC = EMA_CROSS_EXAMPLE.replace(
    "import pandas_ta as ta", "import pandas_ta_classic as ta", 1
)

#: The seed's EMA cross with its two lengths declared as parameters (``self.params``): same
#: trades as ``EMA_CROSS_EXAMPLE`` with the defaults, and sweepable.
EMA_CROSS_PARAMS_EXAMPLE = '''import pandas_ta_classic as ta

class CroisementEMA(Strategy):
    # Paramètres réglables : longueurs des deux moyennes mobiles exponentielles
    params = {"fast": 10, "slow": 20}

    def __init__(self, candles, balance, position=None):
        self.candles = candles
        self.balance = balance
        self.position = position
        fast = self.params["fast"]
        slow = self.params["slow"]
        self.candles["ema_fast"] = ta.ema(self.candles["close"], length=fast)
        self.candles["ema_slow"] = ta.ema(self.candles["close"], length=slow)

    def should_long(self) -> bool:
        # Croisement haussier : la moyenne rapide passe au-dessus de la lente
        if len(self.candles) < self.params["slow"] + 1:
            return False
        fast_now = self.candles["ema_fast"].iloc[-1]
        fast_prev = self.candles["ema_fast"].iloc[-2]
        slow_now = self.candles["ema_slow"].iloc[-1]
        slow_prev = self.candles["ema_slow"].iloc[-2]
        return fast_prev < slow_prev and fast_now > slow_now

    def should_short(self) -> bool:
        # Croisement baissier : sortie de position en spot
        if len(self.candles) < self.params["slow"] + 1:
            return False
        fast_now = self.candles["ema_fast"].iloc[-1]
        fast_prev = self.candles["ema_fast"].iloc[-2]
        slow_now = self.candles["ema_slow"].iloc[-1]
        slow_prev = self.candles["ema_slow"].iloc[-2]
        return fast_prev > slow_prev and fast_now < slow_now

    def calculate_position_size(self) -> float:
        return self.balance * 0.1

    def calculate_stop_loss(self) -> float:
        return 0.02

    def calculate_take_profit(self) -> float:
        return 0.04
'''
