"""Validation the page and the library share: static checks, then a test run in a worker."""

from __future__ import annotations

from aristobot.core.strategy_validator import Issue, ValidationReport, validate_source
from aristobot.errors import AristobotError
from aristobot.strategies.pool import StrategyPool


async def test_code(pool: StrategyPool, code: str) -> ValidationReport:
    """« Tester la syntaxe »: static checks, then build and call every method on sample candles.

    Returns a report whose issues carry the user's line numbers (French); notes describe the
    test run when it passed.
    """
    report = validate_source(code)
    if not report.ok:
        return report
    try:
        notes = await pool.check(code)
    except AristobotError as e:
        line = e.context.get("line") or 0
        return ValidationReport((Issue(int(line), 0, e.user_message(), "runtime"),),
                                report.class_name)
    return ValidationReport((), report.class_name, tuple(notes))
