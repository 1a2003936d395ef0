"""The assessment computed from the work-order event log in one SQL aggregation.

Two levels, both in the database: the inner query folds each candidate order's events (up to the
cycle end) into a row of facts — final unit, last valid callback, response and resolve times, the
deadline in force, exclusions, counters inside the cycle — and the outer query sums those facts per
unit (or per property project). "Last X" is taken without a second pass by packing (seq, value)
into one integer and keeping the MAX: seq grows with every event of an order.

The SQL text is the same on SQLite, PostgreSQL and DuckDB (the benchmark's reference) except for
four tiny helpers (JSON field, epoch seconds, integer division, parameters) chosen by `Dialect`.

Two sources of the per-order facts, same figures: `events` folds the raw event log (DuckDB, the
benchmark's reference, and the check in the tests); `facts` (the default in the Django database)
combines the per-order-and-month folds kept in `assessment_ordermonthfacts` (jiesu.assessment.facts)
and folds raw events only for the part of a cycle that is not a whole calendar month."""

import contextlib
import contextvars
import copy
import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection, transaction

from jiesu.assessment.rules import TZ, Rules
from jiesu.workorders.models import COUNTED_ACTIONS

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

    def local_month(self, expr: str) -> str:
        """The local calendar month (yyyymm) of a timestamp column, in the zone of the cycles."""
        if self.vendor == "postgresql":
            return f"CAST(to_char({expr} AT TIME ZONE '{TZ.key}', 'YYYYMM') AS INTEGER)"
        if self.vendor == "sqlite":
            return f"CAST(strftime('%%Y%%m', {expr}, '{_utc_offset_hours():+d} hours') AS INTEGER)"
        raise ValueError(f"no monthly facts on {self.vendor}")


def _utc_offset_hours() -> int:
    """SQLite has no zone data: the cycles' zone (Asia/Shanghai) has kept one offset since 1991."""
    offset = dt.datetime(2020, 1, 1, tzinfo=TZ).utcoffset()
    if offset != dt.datetime(2020, 7, 1, tzinfo=TZ).utcoffset():
        raise ValueError(f"{TZ.key} has daylight saving time: SQLite cannot bucket it by month")
    return int(offset.total_seconds() // 3600)


@dataclass(frozen=True)
class Tables:
    events: str = "workorders_workorderevent"
    orders: str = "workorders_workorder"
    projects: str = "org_propertyproject"
    facts: str = "assessment_ordermonthfacts"


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


RESOLVE_ACTIONS = ("resolve", "approve_check", "approve_to_spot_check")


def fold_aggregates(d: Dialect) -> list[tuple[str, str, str]]:
    """(column, aggregate over one order's events `e`, how partial results combine) for the facts
    that do not depend on the rules. Every one is a MAX or MIN, so an order's events may be folded
    in parts (per month: jiesu.assessment.facts) and the parts folded again."""
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
    reached_cb = f"e.action = 'callback' AND {reached} = 1"
    return [
        ("created_at", f"MAX(CASE WHEN e.action = 'create' THEN {at} END)", "MAX"),
        ("last_unit_key", f"MAX(CASE WHEN {assign} THEN {unit_key} END)", "MAX"),
        ("first_unit_key", f"MIN(CASE WHEN {assign} THEN {unit_key} END)", "MIN"),
        ("assigned_at", f"MAX(CASE WHEN {assign} THEN {at} END)", "MAX"),
        ("responded_at", f"MAX(CASE WHEN e.action = 'respond' THEN {at} END)", "MAX"),
        # 办结: directly, or the unit leader's approval after 多级核查 (jiesu/workorders/state_machine.yaml).
        ("resolved_at", f"MAX(CASE WHEN e.action IN ({', '.join(map(repr, RESOLVE_ACTIONS))}) THEN {at} END)", "MAX"),
        ("callback_key", f"MAX(CASE WHEN e.action = 'callback' THEN {cb_key} END)", "MAX"),
        ("callback_at", f"MAX(CASE WHEN e.action = 'callback' THEN {at} END)", "MAX"),
        ("reached_callback_key", f"MAX(CASE WHEN {reached_cb} THEN {cb_key} END)", "MAX"),
        ("reached_callback_at", f"MAX(CASE WHEN {reached_cb} THEN {at} END)", "MAX"),
        ("due_key", f"MAX(CASE WHEN {sets_due} THEN {due_key} END)", "MAX"),
        ("due_set_at", f"MAX(CASE WHEN {sets_due} THEN {at} END)", "MAX"),
        ("returned_at", f"MAX(CASE WHEN e.action = 'return' THEN {at} END)", "MAX"),
        ("ruled_at", f"MAX(CASE WHEN e.action = 'rule_dispute' THEN {at} END)", "MAX"),
        ("unreasonable", "MAX(CASE WHEN e.action = 'mark_unreasonable' THEN 1 ELSE 0 END)", "MAX"),
        ("merged", "MAX(CASE WHEN e.action = 'merge' THEN 1 ELSE 0 END)", "MAX"),
    ]


# The facts one cycle reads, in this order; the callback pair is taken from the variant the rules'
# denominator names (every callback, or only those that reached the citizen).
_FACTS = (
    "created_at", "last_unit_key", "first_unit_key", "assigned_at", "responded_at", "resolved_at",
    "callback_key", "callback_at", "due_key", "due_set_at", "returned_at", "ruled_at", "unreasonable", "merged",
)  # fmt: skip
_CALLBACK_PAIR = ("callback_key", "callback_at")


def _stored_name(name: str, rules: Rules) -> str:
    """The column of the fold (or of the facts table) behind one of `_FACTS` under these rules."""
    if name in _CALLBACK_PAIR and rules.denominator != "callbacks":
        return f"reached_{name}"
    return name


def _order_aggregates(d: Dialect, rules: Rules) -> list[tuple[str, str, str]]:
    """The rules' facts folded from raw events, plus the in-cycle counters."""
    fold = {name: (expr, how) for name, expr, how in fold_aggregates(d)}
    return [(name, *fold[_stored_name(name, rules)]) for name in _FACTS] + [
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


def _projection_cte(d: Dialect, rules: Rules, t: Tables, *, tail: bool) -> str:
    """`facts` as `_facts_cte` gives them, from the per-order-and-month folds (`t.facts`).

    Candidates are the orders with a monthly row in the cycle's months (:m_start ≤ month < :m_end),
    with a deadline inside the cycle, or — when the cycle does not end at a month's start
    (`tail`) — with an event between that month's start (:aligned) and the cycle end: only those
    can add to a sum. Their rows of the months [:m_lb, :m_end) (the look-back's months) are combined
    with the tail's raw events; an order keeps only if it has an event since the look-back
    (MAX(last_at) ≥ :lookback_s), as in `_facts_cte`, and one begun before :m_lb gets its older rows.
    The in-cycle counters come from the few counted events (index `event_counted_at`)."""
    stored = ", ".join(f"p.{_stored_name(n, rules)} AS {n}" for n in _FACTS)
    names = ", ".join(_FACTS)
    combined = ", ".join(f"{how}(q.{n}) AS {n}" for n, _, how in _order_aggregates(d, rules) if n in _FACTS)
    cand_tail = raw_tail = ""
    if tail:
        folded = ",\n              ".join(f"{expr} AS {n}" for n, expr, _ in _order_aggregates(d, rules) if n in _FACTS)
        cand_tail = f"UNION SELECT e.order_id FROM {t.events} e WHERE e.at >= :aligned AND e.at < :end"
        raw_tail = f"""UNION ALL
                SELECT e.order_id AS order_id,
                  {folded},
                  MAX({d.epoch("e.at")}) AS last_at
                FROM {t.events} e WHERE e.at >= :aligned AND e.at < :end
                GROUP BY e.order_id"""
    counted = ", ".join(repr(a) for a in COUNTED_ACTIONS)
    return f"""
    cand AS (
        SELECT p.order_id FROM {t.facts} p WHERE p.month >= :m_start AND p.month < :m_end
        UNION SELECT p.order_id FROM {t.facts} p
          WHERE p.due_at >= :start_s AND p.due_at < :end_s AND p.month < :m_end
        {cand_tail}),
    ranged AS MATERIALIZED (
        SELECT q.order_id AS order_id, {combined}, MAX(q.last_at) AS last_at FROM (
            SELECT p.order_id AS order_id, {stored}, p.last_at AS last_at FROM {t.facts} p
            WHERE p.month >= :m_lb AND p.month < :m_end AND p.order_id IN (SELECT order_id FROM cand)
            {raw_tail}
        ) q GROUP BY q.order_id),
    folded AS (
        SELECT order_id, {names} FROM ranged WHERE created_at IS NOT NULL AND last_at >= :lookback_s
        UNION ALL
        SELECT q.order_id, {combined} FROM (
            SELECT order_id, {names} FROM ranged WHERE created_at IS NULL AND last_at >= :lookback_s
            UNION ALL
            SELECT p.order_id AS order_id, {stored} FROM {t.facts} p
            WHERE p.month < :m_lb AND p.order_id IN (
                SELECT order_id FROM ranged WHERE created_at IS NULL AND last_at >= :lookback_s)
        ) q GROUP BY q.order_id),
    counted AS (
        SELECT e.order_id AS order_id,
          SUM(CASE WHEN e.action = 'supervise' THEN 1 ELSE 0 END) AS supervised,
          SUM(CASE WHEN e.action = 'reopen' THEN 1 ELSE 0 END) AS reopens
        FROM {t.events} e WHERE e.action IN ({counted}) AND e.at >= :start AND e.at < :end
        GROUP BY e.order_id),
    facts AS (
        SELECT x.*, COALESCE(c.supervised, 0) AS supervised, COALESCE(c.reopens, 0) AS reopens
        FROM folded x LEFT JOIN counted c ON c.order_id = x.order_id)"""


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


def _aggregate_sql(d: Dialect, rules: Rules, t: Tables, *, group: str, source: str, tail: bool) -> str:
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
        WITH {_facts_cte(d, rules, t) if source == "events" else _projection_cte(d, rules, t, tail=tail)}
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
    # Same action list as the partial index `event_counted_at`, which the planner then uses.
    counted = ", ".join(repr(a) for a in COUNTED_ACTIONS)
    return f"""
        SELECT {unit} AS grp, COUNT(*) AS returns FROM {t.events} e
        WHERE e.action IN ({counted}) AND e.at >= :start AND e.at < :end
          AND e.action = 'return' AND {unit} IS NOT NULL
        GROUP BY {unit}"""


def _bind(sql: str, values: dict) -> tuple[str, list]:
    """Turn the `:name` markers into positional %s parameters, in order of appearance."""
    params = []

    def marker(match):
        params.append(values[match.group(1)])
        return "%s"

    return _MARKER.sub(marker, sql), params


_MARKER = re.compile(r":(start_s|end_s|start|end|lookback_s|lookback|aligned|m_start|m_end|m_lb)\b")


def month_key(value: dt.datetime) -> int:
    """yyyymm of the local calendar month holding `value` (the facts table's `month`)."""
    local = value.astimezone(TZ)
    return local.year * 100 + local.month


def month_floor(value: dt.datetime) -> dt.datetime:
    local = value.astimezone(TZ)
    return dt.datetime(local.year, local.month, 1, tzinfo=TZ)


def build(
    *,
    dialect: Dialect,
    rules: Rules,
    start: dt.datetime,
    end: dt.datetime,
    group: str = "unit",
    tables=None,
    source: str = "events",
) -> list[tuple[str, list]]:
    """The statements (SQL, params) that compute the window [start, end); run them with `run`.
    `source`: "events" folds the raw log, "facts" reads jiesu.assessment.facts' table."""
    if source not in ("events", "facts"):
        raise ValueError(f"unknown source {source!r}")
    t = tables or Tables()
    tp = dialect.time_param
    lookback = start - dt.timedelta(days=rules.lookback_days)
    aligned = month_floor(end)
    values = {
        "start": tp(start),
        "end": tp(end),
        "lookback": tp(lookback),
        "aligned": tp(aligned),
        "start_s": int(start.timestamp()),
        "end_s": int(end.timestamp()),
        "lookback_s": int(lookback.timestamp()),
        "m_start": month_key(start),
        "m_end": month_key(aligned),
        "m_lb": month_key(lookback),
    }
    tail = aligned != end
    statements = [_bind(_aggregate_sql(dialect, rules, t, group=group, source=source, tail=tail), values)]
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


def _callback_parts_from_events(d: Dialect, rules: Rules, t: Tables, *, cycles: int) -> tuple[str, str]:
    """`ranged` (per order and cycle k = 1..n) and `older` (bucket 0) folded from raw events."""
    aggs = {name: (expr, how) for name, expr, how in _order_aggregates(d, rules)}
    valid_cb = "e.action = 'callback'" + (
        "" if rules.denominator == "callbacks" else f" AND {d.json_flag('reached')} = 1"
    )
    folded = ",\n          ".join(f"{aggs[name][0]} AS {name}" for name in _CALLBACK_FACTS)
    bucket = "CASE " + " ".join(f"WHEN e.at < :b{k} THEN {k}" for k in range(cycles + 1)) + f" ELSE {cycles + 1} END"
    ranged = f"""
        ranged AS MATERIALIZED (
            SELECT e.order_id AS order_id, e.k AS k,
              {folded},
              MAX(CASE WHEN {valid_cb} THEN 1 ELSE 0 END) AS has_cb,
              MAX(CASE WHEN e.action = 'create' THEN 1 ELSE 0 END) AS has_create
            FROM (SELECT e.*, {bucket} AS k FROM {t.events} e WHERE e.at >= :b0 AND e.at < :b{cycles}) e
            GROUP BY e.order_id, e.k)"""
    return (
        ranged,
        f"""
        older_parts AS (
            SELECT e.order_id AS order_id, 0 AS k,
              {folded},
              0 AS has_cb
            FROM {t.events} e
            WHERE e.at < :b0 AND e.order_id IN (SELECT order_id FROM older)
            GROUP BY e.order_id)""",
    )


def _callback_parts_from_facts(d: Dialect, rules: Rules, t: Tables, *, cycles: int) -> tuple[str, str]:
    """The same from the monthly facts, when every cycle is a calendar month (:mb0 … :mbn are the
    boundaries' month keys): a cycle is then exactly one row per order."""
    aggs = {name: how for name, _, how in _order_aggregates(d, rules)}
    stored = ", ".join(f"p.{_stored_name(name, rules)} AS {name}" for name in _CALLBACK_FACTS)
    combined = ", ".join(f"{aggs[name]}(p.{_stored_name(name, rules)}) AS {name}" for name in _CALLBACK_FACTS)
    bucket = "CASE " + " ".join(f"WHEN p.month < :mb{k} THEN {k}" for k in range(1, cycles + 1)) + " END"
    has_cb = f"CASE WHEN p.{_stored_name('callback_at', rules)} IS NOT NULL THEN 1 ELSE 0 END"
    ranged = f"""
        ranged AS MATERIALIZED (
            SELECT p.order_id AS order_id, {bucket} AS k, {stored},
              {has_cb} AS has_cb,
              CASE WHEN p.created_at IS NOT NULL THEN 1 ELSE 0 END AS has_create
            FROM {t.facts} p WHERE p.month >= :mb0 AND p.month < :mb{cycles})"""
    return (
        ranged,
        f"""
        older_parts AS (
            SELECT p.order_id AS order_id, 0 AS k, {combined}, 0 AS has_cb
            FROM {t.facts} p
            WHERE p.month < :mb0 AND p.order_id IN (SELECT order_id FROM older)
            GROUP BY p.order_id)""",
    )


def _callback_months_sql(d: Dialect, rules: Rules, t: Tables, *, cycles: int, source: str) -> str:
    """Callbacks, responded, solved and satisfaction points per (cycle, unit) for `cycles`
    consecutive cycles, in one pass over their events (or their monthly facts).

    The one-cycle query folds an order's events up to the cycle end. Here each order's events are
    folded per cycle (bucket k = 1..n; bucket 0 holds the events before the first cycle, read only
    for orders created earlier) and a running MAX/MIN over the buckets gives the facts as of each
    cycle's end — the same values, since every fact is a MAX or MIN. An order counts in cycle k
    when its last valid callback up to the end of k lies in k, i.e. when bucket k has one, so only
    the buckets that exist are needed. Markers :b0 … :bn are the cycle boundaries."""
    aggs = {name: (expr, how) for name, expr, how in _order_aggregates(d, rules)}
    parts = _callback_parts_from_events if source == "events" else _callback_parts_from_facts
    ranged, older_parts = parts(d, rules, t, cycles=cycles)
    columns = ", ".join(_CALLBACK_FACTS)
    running = ",\n          ".join(f"{aggs[name][1]}({name}) OVER w AS {name}" for name in _CALLBACK_FACTS)
    unit_key = "f.last_unit_key" if rules.attribution == "final" else "f.first_unit_key"
    unit = f"({unit_key} - {d.idiv(unit_key, UNIT_PACK)} * {UNIT_PACK})"
    terms = _callback_terms(d, rules)
    return f"""
        WITH {ranged.strip()},
        older AS (
            SELECT order_id FROM ranged GROUP BY order_id HAVING MAX(has_create) = 0 AND MAX(has_cb) = 1),
        {older_parts.strip()},
        parts AS (
            SELECT order_id, k, {columns}, has_cb FROM ranged
            WHERE order_id IN (SELECT order_id FROM ranged WHERE has_cb = 1)
            UNION ALL
            SELECT order_id, k, {columns}, has_cb FROM older_parts),
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
    source: str | None = None,
) -> list[dict[int, Counts]]:
    """For consecutive cycles (each window's end is the next one's start): per unit, the counts
    the rates are taken on — callbacks, responded, solved, satisfaction points — exactly as
    `count` gives them cycle by cycle, in one query. The other fields stay 0.

    `source`: "facts" (the default in the Django database when every cycle is a calendar month)
    or "events" (the raw log: always possible)."""
    if not windows:
        return []
    for (_, end), (start, _) in zip(windows, windows[1:], strict=False):
        if end != start:
            raise ValueError("count_callback_months needs consecutive cycles")
    dialect = dialect or Dialect(vendor=connection.vendor)
    t = tables or Tables()
    boundaries = [windows[0][0], *(end for _, end in windows)]
    calendar = all(b == month_floor(b) for b in boundaries)
    if source is None:
        source = "facts" if calendar and dialect.vendor != "duckdb" else "events"
    if source == "facts" and not calendar:
        raise ValueError("the monthly facts hold calendar months only: use source='events'")
    values = {f"b{k}": dialect.time_param(value) for k, value in enumerate(boundaries)}
    values |= {f"mb{k}": month_key(value) for k, value in enumerate(boundaries)}
    sql = _callback_months_sql(dialect, rules, t, cycles=len(windows), source=source)
    params = []

    def marker(match):
        params.append(values[match.group(1)])
        return "%s"

    sql = re.sub(r":(m?b\d+)\b", marker, sql)
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


def count(
    *, rules: Rules, start: dt.datetime, end: dt.datetime, group: str = "unit", source: str = "facts"
) -> dict[int, Counts]:
    """Raw sums per group for the window, in the Django database (from the monthly facts unless
    `source="events"`: the raw log, kept as the reference the facts are checked against)."""
    dialect = Dialect(vendor=connection.vendor)
    cache = _MEMO.get()
    key = (repr(rules), start, end, group, source)
    if cache is not None and key in cache:
        return copy.deepcopy(cache[key])
    statements = build(dialect=dialect, rules=rules, start=start, end=end, group=group, source=source)
    result = run(statements, execute=django_execute)
    if cache is not None:
        cache[key] = copy.deepcopy(result)
    return result
