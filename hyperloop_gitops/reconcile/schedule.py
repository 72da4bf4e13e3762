"""Scheduled composition: weekly slots (``composition.slots``, times in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hyperloop_gitops.model.dataset import Slot

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _slot_at_or_before(slot: Slot, now: datetime) -> datetime:
    hour, minute = (int(x) for x in slot.time.split(":"))
    days_back = (now.weekday() - WEEKDAYS.index(slot.day)) % 7
    candidate = (now - timedelta(days=days_back)).replace(
        hour=hour, minute=minute, second=0, microsecond=0
    )
    if candidate > now:
        candidate -= timedelta(days=7)
    return candidate


def last_slot(slots: list[Slot], now: datetime) -> datetime | None:
    """The latest slot at or before ``now``; ``None`` without slots."""
    now = now.astimezone(UTC)
    return max((_slot_at_or_before(s, now) for s in slots), default=None)


def next_slot(slots: list[Slot], now: datetime) -> datetime | None:
    """The first slot after ``now``; ``None`` without slots."""
    now = now.astimezone(UTC)
    return min(
        (_slot_at_or_before(s, now) + timedelta(days=7) for s in slots),
        default=None,
    )


def slot_passed(slots: list[Slot], now: datetime, last_train: datetime | None) -> bool:
    """A slot came after the dataset's last train (or there was never a train)."""
    latest = last_slot(slots, now)
    if latest is None:
        return False
    return last_train is None or latest > last_train.astimezone(UTC)
