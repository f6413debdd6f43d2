"""How claims' values read on screen: local times, countdowns, money, state and code labels.

Times are stored in UTC and shown in the desk's local time. Nothing here
imports a widget, so every panel and model formats the same way.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from atoz_desk.domain.money import format_money
from atoz_desk.domain.states import ClaimState, Role

DASH = "—"

_INCIDENT_LABELS = {
    "property_damage": "Property damage",
    "personal_injury": "Personal injury",
    "both": "Damage + injury",
}


def humanize(code: str | None) -> str:
    """`seller_defense_upheld` → `Seller defense upheld`."""
    if not code:
        return DASH
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def incident_label(incident_type: str) -> str:
    return _INCIDENT_LABELS.get(incident_type, humanize(incident_type))


def state_label(state: str | None) -> str:
    if not state:
        return DASH
    try:
        return ClaimState(state).label
    except ValueError:
        return humanize(state)


def is_open_state(state: str) -> bool:
    try:
        return ClaimState(state).is_open
    except ValueError:
        return False


def role_label(role: Role | str | None) -> str:
    if role is None:
        return "system"
    return humanize(role.value if isinstance(role, Role) else role).lower()


def local_time(at: datetime | None) -> str:
    """A stored UTC time as the desk's local wall-clock time."""
    return at.astimezone().strftime("%Y-%m-%d %H:%M") if at is not None else DASH


def local_date(on: date | datetime | None) -> str:
    if on is None:
        return DASH
    if isinstance(on, datetime):
        on = on.astimezone().date()
    return on.isoformat()


def money(amount: Decimal | None, currency: str = "USD") -> str:
    return format_money(amount, currency) if amount is not None else DASH


def _span(delta: timedelta) -> str:
    """A short span: `3d 4h`, `5h 20m`, `12m` (the two largest units)."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days >= 10:
        return f"{days}d"
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {mins}m" if mins else f"{hours}h"
    return f"{max(mins, 1)}m"


def countdown(due: datetime, now: datetime) -> tuple[str, bool]:
    """(`2d 4h left` or `overdue 3d`, overdue?) for a deadline."""
    if due < now:
        return f"overdue {_span(now - due)}", True
    return f"{_span(due - now)} left", False


def age(filed: datetime, now: datetime) -> str:
    """How long ago a claim was filed: `45m`, `6h`, `12d`, `3mo`, `1y 2mo`."""
    seconds = max((now - filed).total_seconds(), 0)
    minutes, hours, days = seconds / 60, seconds / 3600, int(seconds // 86400)
    if hours < 1:
        return f"{int(minutes)}m"
    if days < 1:
        return f"{int(hours)}h"
    if days < 60:
        return f"{days}d"
    months = days // 30
    if months < 12:
        return f"{months}mo"
    years, months = divmod(months, 12)
    return f"{years}y {months}mo" if months else f"{years}y"


def first_upper(message: str) -> str:
    """Service messages start lower-case so they read inside sentences; alone they start upper."""
    return message[:1].upper() + message[1:]
