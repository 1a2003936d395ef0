"""The assessment computed from the work-order event log in one SQL aggregation.

Two levels, both in the database: the inner query folds each candidate order's events (up to the
cycle end) into a row of facts — final unit, last valid callback, response and resolve times, the
deadline in force, exclusions, counters inside the cycle — and the outer query sums those facts per
unit (or per property project). "Last X" is taken without a second pass by packing (seq, value)
into one integer and keeping the MAX: seq grows with every event of an order.

The SQL text is the same on SQLite, PostgreSQL and DuckDB (the benchmark's reference) except for
four tiny helpers (JSON field, epoch seconds, integer division, parameters) chosen by `Dialect`."""

import contextlib
import contextvars
import copy
import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection, transaction

from jiesu.assessment.rules import Rules

UNIT_PACK = 1_000_000  # unit ids below a million
DUE_PACK = 10_000_000_000  # epoch seconds below 10^10 (year 2286)
ASSIGN_ACTIONS = ("dispatch", "redispatch", "rule_dispute")
DUE_ACTIONS = ("dispatch", "redispatch", "rule_dispute", "approve_extension", "reopen")


@dataclass(frozen=True)
class Dialect:
    vendor: str  # sqlite | postgresql | duckdb

    def json_text(self, key: str) -> str:
        if self.vendor == "postgresql":
            return f"(e.payload ->> '{key}')"
        if self.vendor == "duckdb":
            return f"json_extract_string(e.payload, '$.{key}')"
        return f"json_extract(e.payload, '$.{key}')"

    def json_flag(self, key: str) -> str:
        """1 when the JSON field is true, else 0."""
        if self.vendor == "sqlite":
            return f"(CASE WHEN json_extract(e.payload, '$.{key}') = 1 THEN 1 ELSE 0 END)"
        return f"(CASE WHEN {self.json_text(key)} = 'true' THEN 1 ELSE 0 END)"

    def epoch(self, expr: str, *, text: bool = False) -> str:
        """Whole epoch seconds of a timestamp column (or of an ISO text with offset)."""
        if self.vendor == "postgresql":
            value = f"CAST({expr} AS TIMESTAMPTZ)" if text else expr
            return f"CAST(floor(date_part('epoch', {value})) AS BIGINT)"
        if self.vendor == "duckdb":
            return f"CAST(floor(epoch(CAST({expr} AS TIMESTAMPTZ))) AS BIGINT)"
        return f"CAST(strftime('%%s', {expr}) AS INTEGER)"

    def idiv(self, a: str, b: int) -> str:
        return f"(({a}) // {b})" if self.vendor == "duckdb" else f"(({a}) / {b})"

    def time_param(self, value: dt.datetime):
        if self.vendor == "duckdb":
            return value
        return connection.ops.adapt_datetimefield_value(value)


@dataclass(frozen=True)
class Tables:
    events: str = "workorders_workorderevent"
    orders: str = "workorders_workorder"
    projects: str = "org_propertyproject"


@dataclass
class Counts:
    """Raw sums for one group; rates are derived in jiesu.assessment.compute."""

    received: int = 0
    callbacks: int = 0
    responded: int = 0
    solved: int = 0
    satisfaction_points: float = 0.0
    overdue: int = 0
    supervised: int = 0
    reopens: int = 0
    returns: int = 0


def _order_aggregates(d: Dialect, rules: Rules) -> list[tuple[str, str, str]]:
    """(column, aggregate over one order's events, how partial results combine). Every one is a
    MAX, MIN or SUM, so an order's events may be folded in parts and the parts folded again."""
    at = d.epoch("e.at")
    lead = d.json_text("lead_unit")
    # The action test comes first so that the JSON is only read for the events that carry it.
    assign = f"e.action IN ({', '.join(repr(a) for a in ASSIGN_ACTIONS)}) AND {lead} IS NOT NULL"
    unit_key = f"CAST(e.seq AS BIGINT) * {UNIT_PACK} + CAST({lead} AS BIGINT)"
    due = d.json_text("handling_due")
    sets_due = f"e.action IN ({', '.join(repr(a) for a in DUE_ACTIONS)}) AND {due} IS NOT NULL"
    due_key = f"CAST(e.seq AS BIGINT) * {DUE_PACK} + {d.epoch(due, text=True)}"
    sat = f"COALESCE(CAST({d.json_text('satisfaction')} AS BIGINT), 0)"
    reached = d.json_flag("reached")
    cb_key = f"CAST(e.seq AS BIGINT) * 1000 + {reached} * 100 + {sat} * 10 + {d.json_flag('solved')}"
    valid_cb = "e.action = 'callback'" + ("" if rules.denominator == "callbacks" else f" AND {reached} = 1")
    return [
        ("created_at", f"MAX(CASE WHEN e.action = 'create' THEN {at} END)", "MAX"),
        ("last_unit_key", f"MAX(CASE WHEN {assign} THEN {unit_key} END)", "MAX"),
        ("first_unit_key", f"MIN(CASE WHEN {assign} THEN {unit_key} END)", "MIN"),
        ("assigned_at", f"MAX(CASE WHEN {assign} THEN {at} END)", "MAX"),
        ("responded_at", f"MAX(CASE WHEN e.action = 'respond' THEN {at} END)", "MAX"),
        ("resolved_at", f"MAX(CASE WHEN e.action = 'resolve' THEN {at} END)", "MAX"),
        ("callback_key", f"MAX(CASE WHEN {valid_cb} THEN {cb_key} END)", "MAX"),
        ("callback_at", f"MAX(CASE WHEN {valid_cb} THEN {at} END)", "MAX"),
        ("due_key", f"MAX(CASE WHEN {sets_due} THEN {due_key} END)", "MAX"),
        ("due_set_at", f"MAX(CASE WHEN {sets_due} THEN {at} END)", "MAX"),
        ("returned_at", f"MAX(CASE WHEN e.action = 'return' THEN {at} END)", "MAX"),
        ("ruled_at", f"MAX(CASE WHEN e.action = 'rule_dispute' THEN {at} END)", "MAX"),
        ("unreasonable", "MAX(CASE WHEN e.action = 'mark_unreasonable' THEN 1 ELSE 0 END)", "MAX"),
        ("merged", "MAX(CASE WHEN e.action = 'merge' THEN 1 ELSE 0 END)", "MAX"),
        ("supervised", "SUM(CASE WHEN e.action = 'supervise' AND e.at >= :start THEN 1 ELSE 0 END)", "SUM"),
        ("reopens", "SUM(CASE WHEN e.action = 'reopen' AND e.at >= :start THEN 1 ELSE 0 END)", "SUM"),
    ]


def _facts_cte(d: Dialect, rules: Rules, t: Tables) -> str:
    """`facts`: one row per candidate order, its facts as of the cycle end.

    Candidates are the orders with an event in [lookback, end) — a deadline that falls due in the
    cycle was set at most `lookback_days` before it. Their events in that range are folded in one
    pass over the time index (`ranged`); orders that began before the range (few: long-running
    ones) get their earlier events folded too and both parts combined, so every event before the
    cycle end counts."""
    aggs = _order_aggregates(d, rules)
    folded = ",\n          ".join(f"{expr} AS {name}" for name, expr, _ in aggs)
    columns = ", ".join(name for name, _, _ in aggs)
    combined = ", ".join(f"{how}(p.{name}) AS {name}" for name, _, how in aggs)
    return f"""
    ranged AS MATERIALIZED (
        SELECT e.order_id AS order_id,
          {folded},
          MAX(CASE WHEN e.action = 'create' THEN 1 ELSE 0 END) AS has_create
        FROM {t.events} e
        WHERE e.at >= :lookback AND e.at < :end
        GROUP BY e.order_id),
    facts AS (
        SELECT order_id, {columns} FROM ranged WHERE has_create = 1
        UNION ALL
        SELECT p.order_id, {combined} FROM (
            SELECT order_id, {columns} FROM ranged WHERE has_create = 0
            UNION ALL
            SELECT e.order_id AS order_id,
              {folded}
            FROM {t.events} e
            WHERE e.at < :lookback AND e.order_id IN (SELECT order_id FROM ranged WHERE has_create = 0)
            GROUP BY e.order_id
        ) p GROUP BY p.order_id)"""


def _callback_terms(d: Dialect, rules: Rules) -> dict[str, str]:
    """The per-order tests on the facts `f` behind the callback-based sums (responded, solved,
    satisfaction points) and the exclusions, shared by the one-cycle and the many-cycle queries
    so that both count exactly alike."""
    code = f"(f.callback_key - {d.idiv('f.callback_key', 1000)} * 1000)"
    level = d.idiv(f"{code} - {d.idiv(code, 100)} * 100", 10)
    solved = f"({code} - {d.idiv(code, 10)} * 10)"
    limits = rules.response_limit_seconds()
    limit = "CASE f.urgency " + " ".join(f"WHEN '{u}' THEN {s}" for u, s in limits.items())
    limit += f" ELSE {limits['general']} END"
    responded = "f.responded_at >= f.assigned_at"
    if rules.response_numerator == "in_time":
        responded += f" AND f.responded_at - f.assigned_at <= ({limit})"
    resolved = f"{solved} = 1" if rules.resolution_numerator == "solved" else "f.resolved_at IS NOT NULL"
    weights = " ".join(f"WHEN {lvl} THEN {w!r}" for lvl, w in sorted(rules.satisfaction_weights.items()))
    excluded = []
    if rules.exclude_unreasonable:
        excluded.append("f.unreasonable = 1")
    if rules.exclude_merged:
        excluded.append("f.merged = 1")
    if rules.exclude_disputed:
        excluded.append(
            "(f.returned_at IS NOT NULL AND f.returned_at > COALESCE(f.assigned_at, 0)"
            " AND f.returned_at > COALESCE(f.ruled_at, 0))"
        )
    return {
        "responded": responded,
        "resolved": resolved,
        "points": f"(CASE {level} {weights} ELSE 0 END)",
        "keep": f"NOT ({' OR '.join(excluded)})" if excluded else "1 = 1",
    }


def _aggregate_sql(d: Dialect, rules: Rules, t: Tables, *, group: str) -> str:
    """Sum the facts per group: `unit` (the final or first lead unit), `project` or `company`."""
    unit_key = "f0.last_unit_key" if rules.attribution == "final" else "f0.first_unit_key"
    unit = f"({unit_key} - {d.idiv(unit_key, UNIT_PACK)} * {UNIT_PACK})"
    project = "o.property_project_id"
    if rules.red_black.match_names:
        # Orders without the link: the first project whose name appears in the address or content.
        project = (
            f"COALESCE(o.property_project_id, (SELECT MIN(pn.id) FROM {t.projects} pn"
            " WHERE o.address LIKE '%%' || pn.name || '%%' OR o.content LIKE '%%' || pn.name || '%%'))"
        )
    key = {
        "unit": unit,
        "project": project,
        "company": f"(SELECT pc.company_id FROM {t.projects} pc WHERE pc.id = {project})",
    }[group]
    cb = "(f.callback_at >= :start_s AND f.callback_at < :end_s)"
    terms = _callback_terms(d, rules)
    due = f"(f.due_key - {d.idiv('f.due_key', DUE_PACK)} * {DUE_PACK})"
    keep = terms["keep"]
    # Orders that can add to some sum: everything is before the end, so "in the cycle" is "≥ start".
    # Filtering before the join skips the candidates that only finished business before the cycle.
    due0 = due.replace("f.", "f0.")
    relevant = (
        f"(f0.created_at >= :start_s OR f0.callback_at >= :start_s OR {due0} >= :start_s"
        " OR f0.supervised > 0 OR f0.reopens > 0)"
    )
    sql = f"""
        WITH {_facts_cte(d, rules, t)}
        SELECT f.grp AS grp,
          SUM(CASE WHEN f.created_at >= :start_s AND f.created_at < :end_s THEN 1 ELSE 0 END) AS received,
          SUM(CASE WHEN {cb} THEN 1 ELSE 0 END) AS callbacks,
          SUM(CASE WHEN {cb} AND {terms["responded"]} THEN 1 ELSE 0 END) AS responded,
          SUM(CASE WHEN {cb} AND {terms["resolved"]} THEN 1 ELSE 0 END) AS solved,
          SUM(CASE WHEN {cb} THEN {terms["points"]} ELSE 0 END) AS satisfaction_points,
          SUM(CASE WHEN {due} >= :start_s AND {due} < :end_s AND NOT (f.resolved_at IS NOT NULL
                AND f.resolved_at >= f.due_set_at AND f.resolved_at <= {due}) THEN 1 ELSE 0 END) AS overdue,
          SUM(f.supervised) AS supervised,
          SUM(f.reopens) AS reopens
        FROM (SELECT f0.*, o.urgency AS urgency, {key} AS grp
              FROM facts f0 JOIN {t.orders} o ON o.id = f0.order_id
              WHERE {relevant}) f
        WHERE f.grp IS NOT NULL AND {keep}
        GROUP BY f.grp"""
    return sql


def _returns_sql(d: Dialect, t: Tables) -> str:
    unit = f"CAST({d.json_text('returned_by_unit')} AS BIGINT)"
    return f"""
        SELECT {unit} AS grp, COUNT(*) AS returns FROM {t.events} e
        WHERE e.action = 'return' AND e.at >= :start AND e.at < :end AND {unit} IS NOT NULL
        GROUP BY {unit}"""


def _bind(sql: str, values: dict) -> tuple[str, list]:
    """Turn the `:name` markers into positional %s parameters, in order of appearance."""
    params = []

    def marker(match):
        params.append(values[match.group(1)])
        return "%s"

    return _MARKER.sub(marker, sql), params


_MARKER = re.compile(r":(start_s|end_s|start|end|lookback)\b")


def build(
    *, dialect: Dialect, rules: Rules, start: dt.datetime, end: dt.datetime, group: str = "unit", tables=None
) -> list[tuple[str, list]]:
    """The statements (SQL, params) that compute the window [start, end); run them with `run`."""
    t = tables or Tables()
    tp = dialect.time_param
    values = {
        "start": tp(start),
        "end": tp(end),
        "lookback": tp(start - dt.timedelta(days=rules.lookback_days)),
        "start_s": int(start.timestamp()),
        "end_s": int(end.timestamp()),
    }
    statements = [_bind(_aggregate_sql(dialect, rules, t, group=group), values)]
    if group == "unit":
        statements.append(_bind(_returns_sql(dialect, t), values))
    return statements


def run(statements: list[tuple[str, list]], *, execute) -> dict[int, Counts]:
    """Execute the statements with `execute(sql, params) -> rows` and merge them per group."""
    result: dict[int, Counts] = {}
    main_sql, main_params = statements[0]
    for row in execute(main_sql, main_params):
        grp, received, callbacks, responded, solved, points, overdue, supervised, reopens = row
        result[int(grp)] = Counts(
            received=int(received or 0),
            callbacks=int(callbacks or 0),
            responded=int(responded or 0),
            solved=int(solved or 0),
            satisfaction_points=float(points or 0),
            overdue=int(overdue or 0),
            supervised=int(supervised or 0),
            reopens=int(reopens or 0),
        )
    for sql, params in statements[1:]:
        for grp, returns in execute(sql, params):
            result.setdefault(int(grp), Counts()).returns = int(returns)
    return result


def django_execute(sql: str, params: list):
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # JIT compiling this wide aggregate costs seconds and saves less; the per-order fold
            # wants its hash table in memory rather than spilled to disk.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute(sql, params)
        return cursor.fetchall()


# ---------------------------------------------------------------- many cycles in one pass

# The facts the callback-based sums need (see _callback_terms), folded per order and cycle.
_CALLBACK_FACTS = (
    "last_unit_key", "first_unit_key", "assigned_at", "responded_at", "resolved_at", "callback_key",
    "returned_at", "ruled_at", "unreasonable", "merged",
)  # fmt: skip


def _callback_months_sql(d: Dialect, rules: Rules, t: Tables, *, cycles: int) -> str:
    """Callbacks, responded, solved and satisfaction points per (cycle, unit) for `cycles`
    consecutive cycles, in one pass over their events.

    The one-cycle query folds an order's events up to the cycle end. Here each order's events are
    folded per cycle (bucket k = 1..n; bucket 0 holds the events before the first cycle, read only
    for orders created earlier) and a running MAX/MIN over the buckets gives the facts as of each
    cycle's end — the same values, since every fact is a MAX or MIN. An order counts in cycle k
    when its last valid callback up to the end of k lies in k, i.e. when bucket k has one, so only
    the buckets that exist are needed. Markers :b0 … :bn are the cycle boundaries."""
    aggs = {name: (expr, how) for name, expr, how in _order_aggregates(d, rules)}
    valid_cb = "e.action = 'callback'" + (
        "" if rules.denominator == "callbacks" else f" AND {d.json_flag('reached')} = 1"
    )
    folded = ",\n          ".join(f"{aggs[name][0]} AS {name}" for name in _CALLBACK_FACTS)
    columns = ", ".join(_CALLBACK_FACTS)
    bucket = "CASE " + " ".join(f"WHEN e.at < :b{k} THEN {k}" for k in range(cycles + 1)) + f" ELSE {cycles + 1} END"
    running = ",\n          ".join(f"{aggs[name][1]}({name}) OVER w AS {name}" for name in _CALLBACK_FACTS)
    unit_key = "f.last_unit_key" if rules.attribution == "final" else "f.first_unit_key"
    unit = f"({unit_key} - {d.idiv(unit_key, UNIT_PACK)} * {UNIT_PACK})"
    terms = _callback_terms(d, rules)
    return f"""
        WITH ranged AS MATERIALIZED (
            SELECT e.order_id AS order_id, e.k AS k,
              {folded},
              MAX(CASE WHEN {valid_cb} THEN 1 ELSE 0 END) AS has_cb,
              MAX(CASE WHEN e.action = 'create' THEN 1 ELSE 0 END) AS has_create
            FROM (SELECT e.*, {bucket} AS k FROM {t.events} e WHERE e.at >= :b0 AND e.at < :b{cycles}) e
            GROUP BY e.order_id, e.k),
        older AS (
            SELECT order_id FROM ranged GROUP BY order_id HAVING MAX(has_create) = 0 AND MAX(has_cb) = 1),
        parts AS (
            SELECT order_id, k, {columns}, has_cb FROM ranged
            WHERE order_id IN (SELECT order_id FROM ranged WHERE has_cb = 1)
            UNION ALL
            SELECT e.order_id AS order_id, 0 AS k,
              {folded},
              0 AS has_cb
            FROM {t.events} e
            WHERE e.at < :b0 AND e.order_id IN (SELECT order_id FROM older)
            GROUP BY e.order_id),
        running AS (
            SELECT order_id, k, has_cb,
              {running}
            FROM parts
            WINDOW w AS (PARTITION BY order_id ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
        SELECT f.k AS k, f.grp AS grp,
          COUNT(*) AS callbacks,
          SUM(CASE WHEN {terms["responded"]} THEN 1 ELSE 0 END) AS responded,
          SUM(CASE WHEN {terms["resolved"]} THEN 1 ELSE 0 END) AS solved,
          SUM({terms["points"]}) AS satisfaction_points
        FROM (SELECT r.*, o.urgency AS urgency, {unit.replace("f.", "r.")} AS grp
              FROM running r JOIN {t.orders} o ON o.id = r.order_id
              WHERE r.has_cb = 1 AND r.k >= 1) f
        WHERE f.grp IS NOT NULL AND {terms["keep"]}
        GROUP BY f.k, f.grp"""


def count_callback_months(
    *,
    rules: Rules,
    windows: list[tuple[dt.datetime, dt.datetime]],
    dialect: Dialect | None = None,
    tables: Tables | None = None,
    execute=None,
) -> list[dict[int, Counts]]:
    """For consecutive cycles (each window's end is the next one's start): per unit, the counts
    the rates are taken on — callbacks, responded, solved, satisfaction points — exactly as
    `count` gives them cycle by cycle, in one query. The other fields stay 0."""
    if not windows:
        return []
    for (_, end), (start, _) in zip(windows, windows[1:], strict=False):
        if end != start:
            raise ValueError("count_callback_months needs consecutive cycles")
    dialect = dialect or Dialect(vendor=connection.vendor)
    t = tables or Tables()
    boundaries = [windows[0][0], *(end for _, end in windows)]
    values = {f"b{k}": dialect.time_param(value) for k, value in enumerate(boundaries)}
    sql = _callback_months_sql(dialect, rules, t, cycles=len(windows))
    params = []

    def marker(match):
        params.append(values[match.group(1)])
        return "%s"

    sql = re.sub(r":(b\d+)\b", marker, sql)
    result: list[dict[int, Counts]] = [{} for _ in windows]
    for k, grp, callbacks, responded, solved, points in (execute or django_execute)(sql, params):
        result[int(k) - 1][int(grp)] = Counts(
            callbacks=int(callbacks or 0),
            responded=int(responded or 0),
            solved=int(solved or 0),
            satisfaction_points=float(points or 0),
        )
    return result


_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("assessment_memo", default=None)


@contextlib.contextmanager
def memo():
    """Within the block, the same window under the same rules is aggregated once (publishing a
    month ranks two unit groups from the same per-unit sums). Only for one short unit of work:
    events added meanwhile are not seen."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def count(*, rules: Rules, start: dt.datetime, end: dt.datetime, group: str = "unit") -> dict[int, Counts]:
    """Raw sums per group for the window, in the Django database."""
    dialect = Dialect(vendor=connection.vendor)
    cache = _MEMO.get()
    key = (repr(rules), start, end, group)
    if cache is not None and key in cache:
        return copy.deepcopy(cache[key])
    result = run(build(dialect=dialect, rules=rules, start=start, end=end, group=group), execute=django_execute)
    if cache is not None:
        cache[key] = copy.deepcopy(result)
    return result
