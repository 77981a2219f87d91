"""Turn a description (French or English) into strategy code in the template's shape.

The reply is extracted from the model's text, validated statically and, when a pool is given,
test-run in a worker; one repair round sends the problems back to the model. Only a valid
suggestion is offered as such (``Suggestion.ok``); the page inserts it on request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aristobot.core.strategy_validator import ALLOWED_MODULES, ValidationReport, validate_source
from aristobot.strategies import messages as text
from aristobot.strategies.ai.clients import AIClient
from aristobot.strategies.pool import StrategyPool
from aristobot.strategies.template import TEMPLATE

_MODULES = ", ".join(sorted(ALLOWED_MODULES - {"aristobot", "__future__"}))
_FENCE = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.DOTALL | re.IGNORECASE)

SYSTEM_PROMPT = f"""You write trading strategies for Aristobot in Python.
Answer with ONE Python code block and nothing else. The code must follow this template exactly:
one class deriving `Strategy` (already defined, do not import it), built with
`(self, candles, balance, position=None)`, and the five methods `should_long(self) -> bool`,
`should_short(self) -> bool`, `calculate_position_size(self) -> float` (a quote amount, e.g.
`self.balance * 0.1`), `calculate_stop_loss(self) -> float` and
`calculate_take_profit(self) -> float` (fractions of the entry price, e.g. 0.02).
`candles` is a pandas DataFrame with columns open, high, low, close, volume (oldest first).
Use `import pandas_ta_classic as ta` for indicators (ta.ema, ta.sma, ta.rsi, ta.macd, ta.bbands,
ta.atr...). Only these modules may be imported: {_MODULES}.
Tunable numbers (indicator lengths, thresholds) go in the class attribute
`params = {{"fast": 10, "slow": 20}}` (a literal dict: names → int, float or bool defaults) and
are read as `self.params["fast"]`, also in `__init__`; the optimiser varies them.
No file, network, eval/exec or dunder attributes. Comments may be in French.
Template:
```python
{TEMPLATE}```"""


@dataclass(frozen=True, slots=True)
class Suggestion:
    code: str
    report: ValidationReport
    raw: str  # the model's full reply

    @property
    def ok(self) -> bool:
        return bool(self.code) and self.report.ok


def extract_code(reply: str) -> str:
    """Return the longest fenced code block of ``reply`` (or the reply itself)."""
    blocks = _FENCE.findall(reply or "")
    code = max(blocks, key=len) if blocks else (reply or "")
    return code.strip("\n") + "\n" if code.strip() else ""


def build_messages(description: str, current_code: str | None = None) -> list[dict[str, str]]:
    user = f"Strategy to write:\n{description.strip()}"
    if current_code and current_code.strip():
        user += f"\n\nCurrent code (improve it if relevant):\n```python\n{current_code}```"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


async def _validate(code: str, pool: StrategyPool | None, owner: int | None) -> ValidationReport:
    if pool is None:
        return validate_source(code)
    from aristobot.strategies.service import test_code

    return await test_code(pool, code, owner=owner)


async def generate_strategy(client: AIClient, description: str, *,
                            current_code: str | None = None,
                            pool: StrategyPool | None = None,
                            owner: int | None = None) -> Suggestion:
    """Ask the model for code, validate it, give it one chance to fix what failed.

    The test run happens in ``owner``'s workers (the user who asked)."""
    if not description.strip():
        from aristobot.errors import AIError

        raise AIError(reason=text.DESCRIBE_FIRST)
    messages = build_messages(description, current_code)
    raw = await client.complete(messages)
    code = extract_code(raw)
    report = await _validate(code, pool, owner)
    if report.ok:
        return Suggestion(code, report, raw)
    messages += [
        {"role": "assistant", "content": raw},
        {"role": "user", "content": "The code has these problems, fix them and answer with "
                                    f"the full code block only:\n{report.summary()}"},
    ]
    raw = await client.complete(messages)
    code = extract_code(raw)
    return Suggestion(code, await _validate(code, pool, owner), raw)
