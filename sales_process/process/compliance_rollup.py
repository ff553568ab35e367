"""Checkpoint counts for Process Compliance at the scale of a year (DESIGN.md §3).

`Sales Compliance Month` holds, per month of the due date, company, rep, checkpoint and stage,
what the records add once they are past due (`engine.compliance.record_contribution`). Every
write of a record moves its row in the same transaction (`rollups.apply`), so the rows are exact
at every moment and nothing has to catch up. A month that has ended is read from its rows alone.
A month that has not ended, or that the period cuts, is read from the records — or from its row
less the records outside the period and less what records not yet due over-count, whichever
reads fewer records. Territory and customer-group filters are not dimensions of the rollup:
with them the records are counted directly. Reading writes nothing (replica-friendly).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import frappe
import pandas as pd
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, DateFormat, Sum
from frappe.utils import add_months, get_datetime, get_first_day, getdate, now_datetime
from pypika.terms import ValueWrapper

from sales_process.engine.compliance import COUNT_COLUMNS, ROLLUP_KEYS, record_contribution, unsettled
from sales_process.engine.rules import RecordStatus
from sales_process.process import rollups
from sales_process.process.report_scope import ReportScope, restrict

RECORD = "Sales Checkpoint Record"
ROLLUP = "Sales Compliance Month"
KEYS = list(ROLLUP_KEYS)
COUNTS = list(COUNT_COLUMNS)
# records are rarely due more than a week after they start: days beyond hold almost none
LOOKAHEAD = timedelta(days=7)

COMPLIANCE = rollups.Rollup(
	doctype=ROLLUP,
	keys=ROLLUP_KEYS,
	counts=tuple(COUNT_COLUMNS),
	source=RECORD,
	fields=("due_on", "company", "assigned_to", "checkpoint", "stage", "status", "on_time"),
	contribution=record_contribution,
	datetime_fields=("due_on",),
)


# keeping


def record_written(doc, method=None):
	"""Sales Checkpoint Record on_update (insert and save)."""
	rollups.apply_doc(COMPLIANCE, doc)


def record_deleted(doc, method=None):
	rollups.apply_doc(COMPLIANCE, doc, deleted=True)


def bulk_write(names: list[str]):
	"""Around an UPDATE of records that bypasses their controller."""
	return rollups.bulk_write(COMPLIANCE, names)


def rebuild() -> int:
	"""Count every record again (`bench --site <site> execute
	sales_process.process.compliance_rollup.rebuild`, after a restore or a manual SQL fix)."""
	return rollups.rebuild(COMPLIANCE)


# reading


def compliance_counts(
	scope: ReportScope, now: datetime | None = None, by: list[str] | None = None
) -> pd.DataFrame:
	"""Counts per month, company, rep, checkpoint and stage for records due in the scope's period.

	`by` (some of KEYS) sums the counts over the other keys in the database: a year of a large org
	is some tens of thousands of rollup rows at the full grain, a few thousand per rep and checkpoint.
	"""
	now = get_datetime(now or now_datetime())
	keys = [key for key in KEYS if key in by] if by else KEYS
	if scope.sees_nothing:
		return pd.DataFrame(columns=keys + COUNTS)
	if scope.territories is not None or scope.customer_groups is not None:
		frames = [_record_rows(scope, scope.start, scope.end, now, keys)]
	else:
		whole, frames = [], []
		for month in _months_between(scope.from_date, scope.to_date):
			parts = _month_parts(scope, month, now, keys)
			if parts is None:
				whole.append(month)
			else:
				frames += parts
		if whole:
			frames.append(_rollup_rows(scope, whole, keys))
	frames = [frame for frame in frames if not frame.empty]
	if not frames:
		return pd.DataFrame(columns=keys + COUNTS)
	counts = pd.concat(frames, ignore_index=True)
	counts[COUNTS] = counts[COUNTS].fillna(0).astype("int64")
	counts = counts.groupby(keys, dropna=False, as_index=False)[COUNTS].sum()
	return counts[(counts[COUNTS] != 0).any(axis=1)].reset_index(drop=True)


def _month_parts(scope: ReportScope, month: date, now: datetime, keys: list[str]) -> list | None:
	"""How to count one month of the period: None = its rollup rows as they are; else frames to add
	up (signed counts)."""
	month_start = datetime.combine(month, datetime.min.time())
	month_end = datetime.combine(add_months(month, 1), datetime.min.time())
	inside = (max(scope.start, month_start), min(scope.end, month_end))
	if inside == (month_start, month_end) and month_end <= now:
		return None
	horizon = now + LOOKAHEAD
	outside = [(month_start, inside[0]), (inside[1], month_end)]
	not_yet_due = (max(inside[0], now), inside[1])  # due after `now`: due_on > now
	from_records = _days(inside, horizon)
	from_rollup = sum(_days(part, horizon) for part in outside) + _days(not_yet_due, horizon)
	if from_records <= from_rollup:
		return [_record_rows(scope, *inside, now, keys)]
	parts = [_rollup_rows(scope, [month], keys)]
	parts += [_negated(_record_rows(scope, *part, None, keys)) for part in outside if part[0] < part[1]]
	if not_yet_due[0] < not_yet_due[1]:
		parts.append(_negated(_not_yet_due_rows(scope, now, *inside, keys)))
	return parts


def _negated(frame: pd.DataFrame) -> pd.DataFrame:
	"""Counts made negative (`-frame` on the count columns only)."""
	frame = frame.copy()
	frame[COUNTS] = -frame[COUNTS].fillna(0).astype("int64")
	return frame


def _days(interval: tuple[datetime, datetime], horizon: datetime) -> float:
	start, end = interval[0], min(interval[1], horizon)
	return max((end - start).total_seconds(), 0) / 86400.0


def _rollup_rows(scope: ReportScope, months: list[date], keys: list[str] = KEYS) -> pd.DataFrame:
	rollup = frappe.qb.DocType(ROLLUP)
	query = (
		frappe.qb.from_(rollup)
		.select(*(rollup[key] for key in keys), *(Sum(rollup[count]).as_(count) for count in COUNTS))
		.where(rollup.month.isin(months))
		.groupby(*(rollup[key] for key in keys))
	)
	query = restrict(
		query, scope, rep=rollup.assigned_to, company=rollup.company, checkpoint=rollup.checkpoint
	)
	return pd.DataFrame(query.run(), columns=keys + COUNTS)


def _record_rows(
	scope: ReportScope, start: datetime, end: datetime, now: datetime, keys: list[str] = KEYS
) -> pd.DataFrame:
	record = frappe.qb.DocType(RECORD)
	terms = [DateFormat(record.due_on, "%Y-%m-01") if key == "month" else record[key] for key in keys]
	query = (
		frappe.qb.from_(record)
		.select(
			*(term.as_(key) for term, key in zip(terms, keys, strict=True)),
			*_count_terms(record, now),
		)
		.where(record.due_on >= start)
		.where(record.due_on < end)
		.groupby(*terms)
	)
	query = restrict(
		query, scope, rep=record.assigned_to, company=record.company, checkpoint=record.checkpoint
	)
	if scope.territories is not None:
		deal = frappe.qb.DocType("Opportunity")
		query = (
			query.join(deal)
			.on((record.reference_doctype == "Opportunity") & (record.reference_name == deal.name))
			.where(deal.territory.isin(scope.territories))
		)
	if scope.customer_groups is not None:
		customer = frappe.qb.DocType("Customer")
		query = (
			query.join(customer)
			.on(record.customer == customer.name)
			.where(customer.customer_group.isin(scope.customer_groups))
		)
	return _frame(query.run(), keys)


def _frame(rows, keys: list[str]) -> pd.DataFrame:
	frame = pd.DataFrame(rows, columns=keys + COUNTS)
	if "month" in keys:
		frame["month"] = pd.to_datetime(frame["month"]).dt.date
	return frame


def _count_terms(record, now: datetime | None) -> list:
	"""The counts as engine.compliance defines them: waived and cancelled are never due; a record is
	due once completed or past its due time (`now` None: every record counts as past due, as in
	the rollup); on time is the flag stamped at completion."""
	completed = record.status == RecordStatus.COMPLETED
	excluded = record.status.isin([RecordStatus.WAIVED, RecordStatus.CANCELLED])
	due = excluded.negate() if now is None else excluded.negate() & (completed | (record.due_on <= now))
	on_time = completed & (record.on_time == 1)
	waived = record.status == RecordStatus.WAIVED
	overdue = due & completed.negate()

	def count(condition, name):
		return Sum(Case().when(condition, 1).else_(0)).as_(name)

	return [
		count(due, "due"),
		count(completed, "completed"),
		count(on_time, "on_time"),
		count(waived, "waived"),
		count(overdue, "open_overdue"),
	]


def _not_yet_due_rows(
	scope: ReportScope, now: datetime, start: datetime, end: datetime, keys: list[str]
) -> pd.DataFrame:
	"""What the rollup over-counts for the open records due in [start, end) but after `now`: each adds
	1 to due and to open overdue there (engine.compliance.unsettled) and nothing yet in truth."""
	record = frappe.qb.DocType(RECORD)
	terms = [DateFormat(record.due_on, "%Y-%m-01") if key == "month" else record[key] for key in keys]
	query = (
		frappe.qb.from_(record)
		.select(*(term.as_(key) for term, key in zip(terms, keys, strict=True)))
		.select(*(_count_if_not_yet_due(name) for name in COUNTS))
		.where(record.due_on > now)
		.where(record.due_on >= start)
		.where(record.due_on < end)
		.where(record.status.notin(list(RecordStatus.CLOSED)))
		.groupby(*terms)
	)
	query = restrict(
		query, scope, rep=record.assigned_to, company=record.company, checkpoint=record.checkpoint
	)
	return _frame(query.run(), keys)


def _count_if_not_yet_due(name: str):
	over_counted = unsettled(RecordStatus.PENDING)[name]
	return (Count("*") if over_counted else ValueWrapper(0)).as_(name)


def _months_between(start: date | datetime, end: date | datetime) -> list[date]:
	month, last, months = get_first_day(start), getdate(end), []
	while month <= last:
		months.append(month)
		month = add_months(month, 1)
	return months
