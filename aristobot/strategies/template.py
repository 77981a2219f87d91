"""The base template every new strategy starts from (the seed's, section 4.5).

It adds one optional line to the seed's template, ``params = {}``: the declaration of tunable
parameters (``self.params["name"]``) that sweeps vary. Strategies without it run unchanged.
"""

from __future__ import annotations

TEMPLATE = '''import pandas_ta_classic as ta

# Template de base pour une nouvelle stratégie
class MaNouvelleStrategie(Strategy):
    # Paramètres réglables (optionnel) : valeurs par défaut, lues par self.params["nom"].
    # L'optimisation les fait varier ; nombres entiers, décimaux ou booléens uniquement.
    params = {}

    def __init__(self, candles, balance, position=None):
        self.candles = candles
        self.balance = balance
        self.position = position

    def should_long(self) -> bool:
        # Décide si on doit acheter
        return False

    def should_short(self) -> bool:
        # Pour le futures trading uniquement
        return False

    def calculate_position_size(self) -> float:
        # Calcule la taille de la position
        return 0.0

    def calculate_stop_loss(self) -> float:
        # Calcule le stop loss
        return 0.0

    def calculate_take_profit(self) -> float:
        # Calcule le take profit
        return 0.0
'''
