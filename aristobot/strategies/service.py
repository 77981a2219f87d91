"""The library's validation and save path: static checks, a test run in a worker, then storage.

Pages call these (never ``repository`` directly for code): ``test_code`` is « Tester la
syntaxe »; ``create`` and ``save`` run the same test before writing, so no page can store code
the library would refuse. The test runs in one of the owner's own workers.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from aristobot.core.strategy_validator import Issue, ValidationReport, validate_source
from aristobot.errors import PoolBusy, PoolClosed, StrategyError, StrategyInvalid
from aristobot.strategies import repository as repo
from aristobot.strategies.pool import StrategyPool


async def test_code(pool: StrategyPool, code: str, *, owner: int | None) -> ValidationReport:
    """« Tester la syntaxe »: static checks, then build and call every method on sample candles.

    Returns a report whose issues carry the user's line numbers (French); notes describe the
    test run when it passed. A busy or stopped pool raises (``PoolBusy`` / ``PoolClosed``): that
    says nothing about the code.
    """
    report = validate_source(code)
    if not report.ok:
        return report
    try:
        notes = await pool.check(code, owner=owner)
    except (PoolBusy, PoolClosed):
        raise
    except StrategyError as e:
        line = e.context.get("line") or 0
        return ValidationReport((Issue(int(line), 0, e.user_message(), "runtime"),),
                                report.class_name)
    return ValidationReport((), report.class_name, tuple(notes))


async def _require_valid(pool: StrategyPool, code: str, owner: int) -> ValidationReport:
    report = await test_code(pool, code, owner=owner)
    if not report.ok:
        raise StrategyInvalid(reason=report.summary(), issues=report.issues, report=report)
    return report


async def create(sessions: sessionmaker[Session], pool: StrategyPool, user_id: int, name: str,
                 code: str, *, description: str = "", timeframe: str = "1h",
                 window_size: int = 500) -> repo.StrategyRecord:
    """Create a strategy after the full validation (raises ``StrategyInvalid`` otherwise)."""
    await _require_valid(pool, code, user_id)
    with sessions.begin() as s:
        return repo.create_strategy(s, user_id, name, code, description=description,
                                    timeframe=timeframe, window_size=window_size)


async def save(sessions: sessionmaker[Session], pool: StrategyPool, user_id: int,
               strategy_id: int, *, code: str, timeframe: str | None = None,
               window_size: int | None = None,
               description: str | None = None) -> tuple[repo.StrategyRecord, ValidationReport]:
    """Store ``code`` (and settings) after the full validation; return the record and report.

    Settings are checked first (cheap, French errors); refused code raises ``StrategyInvalid``
    whose context holds the ``report`` (issues located in the user's code).
    """
    if timeframe is not None:
        repo.validate_timeframe(timeframe)
    if window_size is not None:
        repo.validate_window(window_size)
    with sessions() as s:
        repo.get_strategy(s, user_id, strategy_id)  # « introuvable » before any test run
    report = await _require_valid(pool, code, user_id)
    with sessions.begin() as s:
        record = repo.update_strategy(s, user_id, strategy_id, code=code, timeframe=timeframe,
                                      window_size=window_size, description=description)
    return record, report
