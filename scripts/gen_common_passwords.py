"""Regenerate aristobot/security/common_passwords.txt (dev time only, never at run time).

Source: the « passwords » frequency list of the PyPI package zxcvbn (MIT licence), most common
first; we keep the first 10,000 entries of 8 characters or more (shorter ones are refused by the
length rule anyway), lower-cased, plus a few French and project-specific ones.
Usage: pip install zxcvbn && python scripts/gen_common_passwords.py
"""

from __future__ import annotations

from pathlib import Path

from zxcvbn.frequency_lists import FREQUENCY_LISTS

EXTRA = ["aristobot", "aristobot-dev", "motdepasse", "motdepasse1", "azertyuiop", "azerty123",
         "bonjour123", "soleil123", "doudou123", "marseille", "chocolat", "jetaime123"]
OUT = Path(__file__).resolve().parents[1] / "aristobot" / "security" / "common_passwords.txt"


def main() -> None:
    seen: dict[str, None] = {}
    for pw in [*EXTRA, *FREQUENCY_LISTS["passwords"][:10_000]]:
        pw = pw.strip().lower()
        if len(pw) >= 8 and pw.isprintable():
            seen.setdefault(pw, None)
    OUT.write_text("# Most common passwords (8+ chars), from zxcvbn's list (MIT).\n"
                   + "\n".join(seen) + "\n")
    print(f"{len(seen)} passwords written to {OUT}")


if __name__ == "__main__":
    main()
