"""Signals of the timers: an alert from a timer's result or a failed run. jiesu.notify listens and
tells the administrators; the timers do not know who is told or how."""

from django.dispatch import Signal

# timer: str, slot: str, message: str (Chinese), failed: bool
timer_alert = Signal()
