"""Manual trading: order placement journaled in trades, paper order matching.

The market rules and amount conversions it applies are pure: :mod:`aristobot.core.order_rules`.
"""
