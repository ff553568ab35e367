"""Process compliance 过程合规率 = completed checkpoints ÷ checkpoints due.

A record counts as due once its due time has passed by `as_of`, or once it
is completed (finishing early is still finishing). Waived and cancelled
records are neither due nor completed: a manager decided they don't apply.
On time is decided once, when the record is completed (`completed_on_time`),
and stored on the record; counts read the stored flag.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

import pandas as pd

from sales_process.engine.rollup import Contribution, month_of
from sales_process.engine.rules import RecordState, RecordStatus

# an "immediately" checkpoint is due the moment it starts: met within its first minute is on time
IMMEDIATE_GRACE = timedelta(minutes=1)

GOOD_ABOVE = 85.0
POOR_BELOW = 70.0

GOOD, WATCH, POOR = "Good", "Watch", "Poor"

RESULT_COLUMNS = [
	"due",
	"completed",
	"on_time",
	"waived",
	"open_overdue",
	"compliance",
	"on_time_rate",
	"band",
]


def band(rate: float | None) -> str | None:
	"""> 85 % good, 70–85 % watch, < 70 % poor (the seed's win-rate bands)."""
	if rate is None or math.isnan(rate):
		return None
	if rate > GOOD_ABOVE:
		return GOOD
	if rate >= POOR_BELOW:
		return WATCH
	return POOR


def completed_on_time(triggered_on: datetime | None, due_on: datetime | None, completed_on: datetime) -> bool:
	"""Completed by the due time; a record due when it starts has `IMMEDIATE_GRACE` to be met."""
	if due_on is None:
		return True
	deadline = due_on
	if triggered_on is not None and deadline <= triggered_on:
		deadline = triggered_on + IMMEDIATE_GRACE
	return completed_on <= deadline


def _rate(numerator, denominator):
	return (100.0 * numerator / denominator).where(denominator > 0).round(1)


def compliance_table(records: pd.DataFrame, by: Sequence[str], as_of: datetime) -> pd.DataFrame:
	"""Compliance per group.

	`records` has columns `status`, `due_on`, `completed_on` and the `by` columns, and the
	stored `on_time` flag where the caller has it (without it, on time = completed by the due
	time). Returns one row per group with due, completed, on_time, waived, open_overdue,
	compliance (%), on_time_rate (%) and band.
	"""
	by = list(by)
	status = records["status"]
	due_on = pd.to_datetime(records["due_on"])
	completed_on = pd.to_datetime(records["completed_on"])
	as_of = pd.Timestamp(as_of)

	completed = status.eq(RecordStatus.COMPLETED)
	waived = status.isin((RecordStatus.WAIVED, RecordStatus.CANCELLED))
	due = ~waived & (completed | due_on.le(as_of))
	if "on_time" in records:
		on_time = completed & pd.to_numeric(records["on_time"], errors="coerce").fillna(0).astype(bool)
	else:
		on_time = completed & completed_on.le(due_on)
	open_overdue = due & ~completed

	flags = pd.DataFrame(
		{
			"due": due,
			"completed": completed,
			"on_time": on_time,
			"waived": status.eq(RecordStatus.WAIVED),
			"open_overdue": open_overdue,
		}
	)
	if by:
		flags[by] = records[by].to_numpy()
		table = flags.groupby(by, sort=True, dropna=False).sum().astype("int64")
	else:
		table = flags.sum().to_frame().T.astype("int64")
	table = with_rates(table)
	return table.reset_index() if by else table.reset_index(drop=True)


def with_rates(counts: pd.DataFrame) -> pd.DataFrame:
	"""Add compliance, on-time rate (both % of due, 1 decimal, NaN when nothing is due) and band."""
	counts["compliance"] = _rate(counts["completed"], counts["due"])
	counts["on_time_rate"] = _rate(counts["on_time"], counts["due"])
	# built as objects: `Series.map` turns a None beside a band into NaN, which is not JSON
	counts["band"] = pd.Series(
		[band(rate) for rate in counts["compliance"]], index=counts.index, dtype=object
	)
	return counts


def compliance_rate(records: Iterable[RecordState], as_of: datetime) -> float | None:
	"""Compliance of one deal's records, for the form: None until something is due."""
	due = completed = 0
	for record in records:
		if record.status in (RecordStatus.WAIVED, RecordStatus.CANCELLED):
			continue
		is_completed = record.status == RecordStatus.COMPLETED
		if is_completed or (record.due_on is not None and record.due_on <= as_of):
			due += 1
			completed += is_completed
	if not due:
		return None
	return round(100.0 * completed / due, 1)


# from counts summed by the database (GROUP BY with SUM(CASE …), or the monthly rollup)

COUNT_COLUMNS = ["due", "completed", "on_time", "waived", "open_overdue"]
ROLLUP_KEYS = ("month", "company", "assigned_to", "checkpoint", "stage")


def settled_counts(status: str | None, on_time: bool) -> dict[str, int]:
	"""A record's counts once its due time has passed (what it adds to an ended month)."""
	completed = status == RecordStatus.COMPLETED
	excluded = status in (RecordStatus.WAIVED, RecordStatus.CANCELLED)
	return {
		"due": int(not excluded),
		"completed": int(completed),
		"on_time": int(completed and bool(on_time)),
		"waived": int(status == RecordStatus.WAIVED),
		"open_overdue": int(not excluded and not completed),
	}


def record_contribution(record: Mapping) -> list[Contribution]:
	"""What a checkpoint record adds to the compliance rollup: its settled counts in the month it
	falls due, per company, rep, checkpoint and stage. A month that has ended holds only records
	past due, so there these are its counts exactly; a record without a due time counts nowhere."""
	month = month_of(record.get("due_on"))
	if month is None:
		return []
	key = (month, *((record.get(name) or "") for name in ROLLUP_KEYS[1:]))
	return [Contribution(key, settled_counts(record.get("status"), bool(record.get("on_time"))))]


def unsettled(status: str | None) -> dict[str, int]:
	"""What `settled_counts` over-counts for a record whose due time has not come: an open record
	is not due yet (a completed one is, finishing early is still finishing)."""
	if status in (RecordStatus.COMPLETED, RecordStatus.WAIVED, RecordStatus.CANCELLED):
		return dict.fromkeys(COUNT_COLUMNS, 0)
	return {"due": 1, "completed": 0, "on_time": 0, "waived": 0, "open_overdue": 1}


def compliance_from_counts(counts: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
	"""What `compliance_table` gives, from counts already made per record group.

	`counts` has the `COUNT_COLUMNS` (defined as in `compliance_table`: due = completed or past
	due, waived and cancelled never due) and the `by` columns, possibly at a finer grain (rep ×
	checkpoint × month …); they are summed per `by` group before the rates are taken, so a
	rate is always total completed ÷ total due, never an average of rates.
	"""
	by = list(by)
	frame = counts.reindex(columns=by + COUNT_COLUMNS).copy()
	frame[COUNT_COLUMNS] = frame[COUNT_COLUMNS].apply(pd.to_numeric, errors="coerce").fillna(0)
	if by:
		table = frame.groupby(by, sort=True, dropna=False)[COUNT_COLUMNS].sum().reset_index()
	else:
		table = frame[COUNT_COLUMNS].sum().to_frame().T
	table[COUNT_COLUMNS] = table[COUNT_COLUMNS].astype("int64")
	return with_rates(table).reset_index(drop=True)


def subtree_totals(
	per_member: pd.DataFrame,
	member_column: str,
	nodes: Sequence[tuple[str, str | None]],
	member_nodes: Mapping[str, Iterable[str]],
	keep_empty: bool = False,
) -> pd.DataFrame:
	"""Totals per node of a tree (the Sales Person tree): a node counts its own members and everyone below.

	`per_member` holds the `COUNT_COLUMNS` per `member_column` (a rep); `nodes` are (name, parent)
	pairs, parents listed before their children, siblings in display order; `member_nodes` maps
	a member to the nodes they belong to. A member is counted once per subtree even when they
	sit at two nodes of it. Returns one row per node in tree order (depth first) with `node`,
	`parent`, `depth`, the counts, compliance, on-time rate and band; nodes whose subtree holds
	no counted member are left out unless `keep_empty`.
	"""
	names = [name for name, _parent in nodes]
	known = set(names)
	children: dict[str | None, list[str]] = {}
	for name, parent in nodes:
		children.setdefault(parent if parent in known else None, []).append(name)

	own: dict[str, set[str]] = {name: set() for name in names}
	for member, member_at in member_nodes.items():
		for node in member_at:
			if node in own:
				own[node].add(member)

	summed = per_member.groupby(member_column)[COUNT_COLUMNS].sum()
	counts = dict(zip(summed.index, summed.to_numpy(dtype="int64"), strict=True))
	rows: list[dict] = []

	def visit(node: str, parent: str | None, depth: int) -> set[str]:
		position = len(rows)
		rows.append({"node": node, "parent": parent, "depth": depth})
		members = set(own[node])
		for child in children.get(node, []):
			members |= visit(child, node, depth + 1)
		present = sorted(member for member in members if member in counts)
		totals = sum((counts[member] for member in present), start=[0] * len(COUNT_COLUMNS))
		rows[position].update(
			{column: int(total) for column, total in zip(COUNT_COLUMNS, totals, strict=True)}
		)
		rows[position]["members"] = present
		return members

	for root in children.get(None, []):
		visit(root, None, 0)
	table = pd.DataFrame(rows, columns=["node", "parent", "depth", *COUNT_COLUMNS, "members"])
	if not keep_empty:
		table = table[table["members"].map(len) > 0]
	table = table.reset_index(drop=True)
	table[COUNT_COLUMNS] = table[COUNT_COLUMNS].astype("int64")
	return with_rates(table)
