"""Where platform-computed indicator values come from: a registry of providers by indicator code.

A provider is a function `provider(*, month, kind, spec) -> {unit id: Provided}` giving one
month's values for the units of one kind (street / department). Two ways in:

- `register(code, provider)`: any app (the 督办 engine for 民生项目池完成率, the grid app for
  企安安 hazard rectification and grid figures) plugs its function in from its AppConfig.ready();
  a registered provider wins over everything else;
- the catalogue entry's `params: {compute: …}` names one of the built-in computations below
  (assessment figures, 七有/五性 scores, 每月一题 progress), so codes stay data.

An indicator with `source: platform` and neither is "waiting for its provider": its values may be
imported meanwhile (the catalogue names the provider in `provider:`). Once a provider exists, imports
of that indicator are refused — the platform computes it."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from jiesu.indicators.catalogue import IndicatorSpec


@dataclass(frozen=True)
class Provided:
    value: float | None  # None: no figure this month (e.g. too few callbacks), with the reason in detail
    detail: dict = field(default_factory=dict)


Provider = Callable[..., dict[int, Provided]]

_REGISTRY: dict[str, Provider] = {}


def register(code: str, provider: Provider) -> None:
    """Plug a provider in for the indicator `code` (replaces an earlier one)."""
    _REGISTRY[code] = provider


def unregister(code: str) -> None:
    _REGISTRY.pop(code, None)


def registered() -> dict[str, Provider]:
    return dict(_REGISTRY)


def _builtin(spec: IndicatorSpec) -> Provider | None:
    compute = spec.params.get("compute")
    if compute == "assessment":
        from jiesu.indicators.platform import assessment_figure

        return assessment_figure
    if compute == "dimension_score":
        from jiesu.indicators.dimensions import dimension_scores

        return dimension_scores
    if compute == "topic_progress":
        from jiesu.indicators.platform import topic_progress

        return topic_progress
    return None


BUILTINS = ("assessment", "dimension_score", "topic_progress")


def provider_for(spec: IndicatorSpec) -> Provider | None:
    """The function that computes `spec`, or None when its values are imported."""
    if spec.code in _REGISTRY:
        return _REGISTRY[spec.code]
    if spec.source == "platform":
        return _builtin(spec)
    return None


def compute(*, spec: IndicatorSpec, month: dt.date, kind: str) -> dict[int, Provided] | None:
    provider = provider_for(spec)
    return None if provider is None else provider(month=month, kind=kind, spec=spec)
