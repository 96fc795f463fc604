"""Typed helpers that read settings from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} must be set.")
    return value


def env_csp(name: str, base: dict[str, list[str]]) -> dict[str, list[str]]:
    """``base`` with the sources in ``name`` added, written as in the header:
    ``img-src https://tiles.example.org; connect-src https://sentry.example.org``. Inline code stays
    refused: the pages need none, so 'unsafe-inline' or 'unsafe-eval' here is a mistake."""
    policy = {directive: list(sources) for directive, sources in base.items()}
    for part in os.environ.get(name, "").split(";"):
        words = part.split()
        if not words:
            continue
        directive, sources = words[0].lower(), words[1:]
        if not directive.replace("-", "").isalpha() or {"'unsafe-inline'", "'unsafe-eval'"} & set(sources):
            raise ImproperlyConfigured(f"{name}: {part.strip()!r} is not a directive this policy accepts")
        known = policy.setdefault(directive, [])
        known += [source for source in sources if source not in known]
    return policy
