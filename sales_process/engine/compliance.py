"""Process compliance 过程合规率 = completed checkpoints ÷ checkpoints due.

A record counts as due once its due time has passed by `as_of`, or once it
is completed (finishing early is still finishing). Waived and cancelled
records are neither due nor completed: a manager decided they don't apply.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime

import pandas as pd

from sales_process.engine.rules import RecordState, RecordStatus

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


def _rate(numerator, denominator):
	return (100.0 * numerator / denominator).where(denominator > 0).round(1)


def compliance_table(records: pd.DataFrame, by: Sequence[str], as_of: datetime) -> pd.DataFrame:
	"""Compliance per group.

	`records` has columns `status`, `due_on`, `completed_on` and the `by` columns.
	Returns one row per group with due, completed, on_time, waived,
	open_overdue, compliance (%), on_time_rate (%) and band.
	"""
	by = list(by)
	status = records["status"]
	due_on = pd.to_datetime(records["due_on"])
	completed_on = pd.to_datetime(records["completed_on"])
	as_of = pd.Timestamp(as_of)

	completed = status.eq(RecordStatus.COMPLETED)
	waived = status.isin((RecordStatus.WAIVED, RecordStatus.CANCELLED))
	due = ~waived & (completed | due_on.le(as_of))
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
	table["compliance"] = _rate(table["completed"], table["due"])
	table["on_time_rate"] = _rate(table["on_time"], table["due"])
	table["band"] = table["compliance"].map(band)
	return table.reset_index() if by else table.reset_index(drop=True)


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
