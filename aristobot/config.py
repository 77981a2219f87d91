"""Settings: the only place that reads ``os.environ`` and ``.env``."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from aristobot import messages
from aristobot.errors import ConfigError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


BINANCE_WS_URL = "wss://stream.binance.com:9443"
BINANCE_REST_URL = "https://api.binance.com"
#: Hosts the AI assistant may reach (server-side fetches): local Ollama and OpenRouter.
AI_ALLOWED_HOSTS = ("localhost", "127.0.0.1", "::1", "openrouter.ai")


class Secret(str):
    """A string whose repr never shows the value."""

    def __repr__(self) -> str:
        return "Secret('***')"


def _bool(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = env.get(key)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(key=key, reason=messages.bool_expected(raw))


def _int(env: Mapping[str, str], key: str, default: int, minimum: int = 0) -> int:
    raw = env.get(key)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(key=key, reason=messages.int_expected(raw)) from None
    if value < minimum:
        raise ConfigError(key=key, reason=messages.at_least(minimum, value))
    return value


def _symbols(env: Mapping[str, str], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(key)
    if raw is None or raw.strip() == "":
        return default
    out = tuple(s.strip().upper() for s in raw.split(",") if s.strip())
    for s in out:
        if not s.isalnum():
            raise ConfigError(key=key, reason=messages.invalid_symbol(s))
    return out


def _url_overrides(env: Mapping[str, str], key: str) -> dict[str, str]:
    raw = env.get(key, "").strip()
    out: dict[str, str] = {}
    for item in (i.strip() for i in raw.split(",") if i.strip()):
        name, sep, url = item.partition("=")
        name, url = name.strip().lower(), url.strip().rstrip("/")
        if not sep or not name or not url.startswith(("http://", "https://")):
            raise ConfigError(key=key, reason=messages.invalid_url_override(item))
        out[name] = url
    return out


def _hosts(env: Mapping[str, str], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(key)
    if raw is None or raw.strip() == "":
        return default
    out = tuple(h.strip().lower().strip("[]") for h in raw.split(",") if h.strip())
    for h in out:
        if not h or any(c in h for c in "/@?#\\ "):
            raise ConfigError(key=key, reason=messages.invalid_host(h))
    return out


def load_dotenv_file(path: Path) -> dict[str, str]:
    """Read ``KEY=VALUE`` lines of a .env file (no interpolation, quotes stripped)."""
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable, read once at start-up. Tests build it directly."""

    var_dir: Path
    database_url: str
    redis_url: str | None = None
    bus_namespace: str = ""
    secret_key: Secret | None = None
    old_secret_keys: tuple[Secret, ...] = ()
    debug_aristobot: bool = False
    binance_ws_url: str = BINANCE_WS_URL
    binance_rest_url: str = BINANCE_REST_URL
    heartbeat_symbols: tuple[str, ...] = ("BTCUSDT",)
    embedded_services: bool = True
    max_users: int = 5
    paper_starting_capital: str = "10000"
    cookie_secret: Secret | None = None
    strategy_workers: int = 2
    strategy_call_timeout_s: int = 5
    strategy_memory_mb: int = 1024
    backtest_slots: int = 2
    backtest_slots_per_user: int = 1
    backtest_queue_per_user: int = 5
    backtest_max_s: int = 900
    max_live_strategies: int = 20
    candle_wait_s: float = 20.0  # how long the engine waits for the boundary's candle
    log_level: str = "INFO"
    #: Existing Dask scheduler for sweeps ("tcp://host:8786"); None = a LocalCluster.
    dask_scheduler: str | None = None
    #: Workers of the LocalCluster (0 = one per CPU core) and memory limit of each, in MB.
    dask_workers: int = 0
    dask_worker_memory_mb: int = 1024
    #: A login session ends after this many hours without a request (absolute limit: 7 days).
    session_idle_hours: int = 12
    #: Hosts the AI assistant may call from the server (anything else is refused).
    ai_allowed_hosts: tuple[str, ...] = AI_ALLOWED_HOSTS
    # Test/dev only: ccxt id -> base URL replacing the exchange's API origin (a local fake).
    exchange_url_overrides: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, str] = field(default_factory=dict, repr=False)  # other ARISTOBOT_* keys

    @property
    def is_embedded(self) -> bool:
        """True when running on SQLite + the in-process bus."""
        return self.redis_url is None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, root: Path | None = None) -> Settings:
        """Build settings from ``env`` (default: ``.env`` under ``root`` then ``os.environ``)."""
        root = root or Path.cwd()
        if env is None:
            merged = load_dotenv_file(root / ".env")
            merged.update(os.environ)
            env = merged
        var_dir = Path(env.get("ARISTOBOT_VAR_DIR", str(root / "var"))).resolve()
        db_url = (
            env.get("ARISTOBOT_DATABASE_URL", "").strip() or f"sqlite:///{var_dir}/aristobot.db"
        )
        if not (db_url.startswith("sqlite") or db_url.startswith("postgresql")):
            raise ConfigError(
                key="ARISTOBOT_DATABASE_URL",
                reason=messages.ONLY_SQLITE_OR_POSTGRES,
            )
        redis_url = env.get("ARISTOBOT_REDIS_URL", "").strip() or None
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(key="ARISTOBOT_REDIS_URL", reason=messages.REDIS_URL_EXPECTED)
        secret = env.get("ARISTOBOT_SECRET_KEY", "").strip() or None
        old = tuple(
            Secret(s.strip())
            for s in env.get("ARISTOBOT_OLD_SECRET_KEYS", "").split(",")
            if s.strip()
        )
        level = env.get("ARISTOBOT_LOG_LEVEL", "INFO").upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ConfigError(key="ARISTOBOT_LOG_LEVEL", reason=messages.unknown_log_level(level))
        capital = env.get("ARISTOBOT_PAPER_CAPITAL", "10000").strip()
        try:
            from decimal import Decimal, InvalidOperation

            if Decimal(capital) <= 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            raise ConfigError(key="ARISTOBOT_PAPER_CAPITAL",
                              reason=messages.positive_amount_expected(capital)) from None
        dask_scheduler = env.get("ARISTOBOT_DASK_SCHEDULER", "").strip() or None
        if dask_scheduler and not dask_scheduler.startswith(("tcp://", "tls://", "inproc://")):
            raise ConfigError(key="ARISTOBOT_DASK_SCHEDULER",
                              reason=messages.scheduler_address_expected(dask_scheduler))
        return cls(
            var_dir=var_dir,
            database_url=db_url,
            redis_url=redis_url,
            bus_namespace=env.get("ARISTOBOT_BUS_NAMESPACE", ""),
            secret_key=Secret(secret) if secret else None,
            old_secret_keys=old,
            debug_aristobot=_bool(env, "DEBUG_ARISTOBOT", False),
            binance_ws_url=env.get("ARISTOBOT_BINANCE_WS_URL", BINANCE_WS_URL).rstrip("/"),
            binance_rest_url=env.get("ARISTOBOT_BINANCE_REST_URL", BINANCE_REST_URL).rstrip("/"),
            heartbeat_symbols=_symbols(env, "ARISTOBOT_HEARTBEAT_SYMBOLS", ("BTCUSDT",)),
            # Default: services run inside the dashboard process when there is no Redis.
            embedded_services=_bool(env, "ARISTOBOT_EMBEDDED_SERVICES", redis_url is None),
            max_users=_int(env, "ARISTOBOT_MAX_USERS", 5, minimum=1),
            paper_starting_capital=capital,
            cookie_secret=Secret(env["ARISTOBOT_COOKIE_SECRET"])
            if env.get("ARISTOBOT_COOKIE_SECRET")
            else None,
            strategy_workers=_int(env, "ARISTOBOT_STRATEGY_WORKERS", 2, minimum=1),
            strategy_call_timeout_s=_int(env, "ARISTOBOT_STRATEGY_TIMEOUT_S", 5, minimum=1),
            strategy_memory_mb=_int(env, "ARISTOBOT_STRATEGY_MEMORY_MB", 1024, minimum=64),
            backtest_slots=_int(env, "ARISTOBOT_BACKTEST_SLOTS", 2, minimum=1),
            backtest_slots_per_user=_int(env, "ARISTOBOT_BACKTEST_SLOTS_PER_USER", 1, minimum=1),
            backtest_queue_per_user=_int(env, "ARISTOBOT_BACKTEST_QUEUE_PER_USER", 5, minimum=1),
            backtest_max_s=_int(env, "ARISTOBOT_BACKTEST_MAX_S", 900, minimum=1),
            max_live_strategies=_int(env, "ARISTOBOT_MAX_LIVE_STRATEGIES", 20, minimum=1),
            candle_wait_s=float(_int(env, "ARISTOBOT_ENGINE_CANDLE_WAIT_S", 20, minimum=1)),
            log_level=level,
            dask_scheduler=dask_scheduler,
            dask_workers=_int(env, "ARISTOBOT_DASK_WORKERS", 0, minimum=0),
            dask_worker_memory_mb=_int(env, "ARISTOBOT_DASK_WORKER_MEMORY_MB", 1024, minimum=256),
            session_idle_hours=_int(env, "ARISTOBOT_SESSION_IDLE_HOURS", 12, minimum=1),
            ai_allowed_hosts=_hosts(env, "ARISTOBOT_AI_ALLOWED_HOSTS", AI_ALLOWED_HOSTS),
            exchange_url_overrides=_url_overrides(env, "ARISTOBOT_EXCHANGE_URL_OVERRIDES"),
            extra={
                k: v
                for k, v in env.items()
                if k.startswith("ARISTOBOT_") and "SECRET" not in k and "KEY" not in k
            },
        )


def ensure_secret_key(settings: Settings) -> Secret:
    """Return SECRET_KEY; in embedded mode generate it once into ``var/secret_key`` (0600)."""
    if settings.secret_key:
        return settings.secret_key
    if not settings.is_embedded:
        raise ConfigError(key="ARISTOBOT_SECRET_KEY", reason=messages.SECRET_KEY_REQUIRED)
    path = settings.var_dir / "secret_key"
    settings.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    os.chmod(path, 0o600)
    return Secret(path.read_text().strip())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process settings, read once from the environment (entry points only)."""
    return Settings.from_env()


def child_env(s: Settings) -> dict[str, str]:
    """The environment of a child service process: this process's, with ``s`` written back
    as ``ARISTOBOT_*`` variables (the child reads exactly the parent's settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARISTOBOT_")}
    env.update(s.extra)
    env.update({"ARISTOBOT_DATABASE_URL": s.database_url, "ARISTOBOT_VAR_DIR": str(s.var_dir),
                "ARISTOBOT_BUS_NAMESPACE": s.bus_namespace, "ARISTOBOT_LOG_LEVEL": s.log_level,
                "ARISTOBOT_BINANCE_REST_URL": s.binance_rest_url,
                "ARISTOBOT_BINANCE_WS_URL": s.binance_ws_url,
                "ARISTOBOT_PAPER_CAPITAL": s.paper_starting_capital,
                "ARISTOBOT_EXCHANGE_URL_OVERRIDES": ",".join(
                    f"{k}={v}" for k, v in s.exchange_url_overrides.items())})
    if s.redis_url:
        env["ARISTOBOT_REDIS_URL"] = s.redis_url
    if s.secret_key:
        env["ARISTOBOT_SECRET_KEY"] = str(s.secret_key)
    if s.old_secret_keys:
        env["ARISTOBOT_OLD_SECRET_KEYS"] = ",".join(str(k) for k in s.old_secret_keys)
    return env
