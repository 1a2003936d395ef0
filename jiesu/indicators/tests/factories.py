"""Small catalogues and boards built by hand for the pure tests."""

import datetime as dt

from jiesu.indicators.catalogue import parse_catalogue


def spec_doc(code: str, **extra) -> dict:
    doc = {
        "code": code,
        "name": extra.pop("name", code),
        "owner": "区城管委",
        "unit": "%",
        "area": extra.pop("area", code),
    }
    doc.update(extra)
    return doc


def catalogue(*indicators: dict, **rules):
    doc = {"indicators": list(indicators)}
    doc.update(rules)
    return parse_catalogue(version="t1", effective_from=dt.date(2024, 1, 1), doc=doc)


def month(y: int, m: int) -> dt.date:
    return dt.date(y, m, 1)
