"""What the web app asks of the timers: today's overview figures stored ahead of the leaders
(jiesu.assessment.aggregates; the refresh itself is the timer assessment.refresh_aggregates)."""

from jiesu.assessment import aggregates
from jiesu.web import selectors


@aggregates.prefill
def overview_today(*, now):
    selectors.stored_overview(now=now)
