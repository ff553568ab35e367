"""Checkpoint counts for Process Compliance at the scale of a year (DESIGN.md §3).

Whether a record counts as due changes with the clock only until its due time has
passed. In a month that has ended every record is past due, so that month's counts
change only when a record itself is written (completed, waived, cancelled, reassigned).
`Sales Compliance Month` keeps one row of counts per ended month, company, rep,
checkpoint and stage, rebuilt by the hourly job for the months whose records were
written since the last run.

Reading is exact at any moment and writes nothing (replica-friendly): a month is read
from the rollup only if it had ended at the last refresh and none of its records was
written since (a `modified` scan on an index); every other day of the period is
counted from the records themselves. Territory and customer-group filters are not
dimensions of the rollup, so with them the records are counted directly.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import frappe
import pandas as pd
from frappe.query_builder import Case
from frappe.query_builder.functions import DateFormat, Sum
from frappe.utils import add_months, get_datetime, get_first_day, getdate, now_datetime

from sales_process.engine.rules import RecordStatus
from sales_process.process.report_scope import ReportScope, restrict

RECORD = "Sales Checkpoint Record"
ROLLUP = "Sales Compliance Month"
SYNCED_UNTIL = "sales_process_compliance_synced_until"
# a write committed after the refresh read `modified` still carries an earlier time
OVERLAP = timedelta(minutes=15)
KEYS = ["month", "company", "assigned_to", "checkpoint", "stage"]
COUNTS = ["due", "completed", "on_time", "waived", "open_overdue"]


# reading


def compliance_counts(
	scope: ReportScope, now: datetime | None = None, by: list[str] | None = None
) -> pd.DataFrame:
	"""Counts per month, company, rep, checkpoint and stage for records due in the scope's period.

	`by` (some of KEYS) sums the counts over the other keys in the database: a year of a large org
	is ~270 k rollup rows at the full grain, a few thousand per rep and checkpoint.
	"""
	now = get_datetime(now or now_datetime())
	keys = [key for key in KEYS if key in by] if by else KEYS
	if scope.sees_nothing:
		return pd.DataFrame(columns=keys + COUNTS)
	rollup_months = _readable_rollup_months(scope, now)
	frames = [_rollup_rows(scope, rollup_months, keys)] if rollup_months else []
	for start, end in _raw_intervals(scope, rollup_months):
		frames.append(_record_rows(scope, start, end, now, keys))
	frames = [frame for frame in frames if not frame.empty]
	if not frames:
		return pd.DataFrame(columns=keys + COUNTS)
	counts = pd.concat(frames, ignore_index=True)
	counts[COUNTS] = counts[COUNTS].fillna(0).astype("int64")
	return counts.groupby(keys, dropna=False, as_index=False)[COUNTS].sum()


def _readable_rollup_months(scope: ReportScope, now: datetime) -> list[date]:
	if scope.territories is not None or scope.customer_groups is not None:
		return []
	synced = synced_until()
	if not synced:
		return []
	built_before = get_first_day(synced)  # months that had ended at the last refresh
	months = [
		month
		for month in _months_between(scope.from_date, scope.to_date)
		if month >= scope.from_date and _month_end(month) <= scope.to_date and month < built_before
	]
	return sorted(set(months) - set(dirty_months(synced)))


def _raw_intervals(scope: ReportScope, rollup_months: list[date]) -> list[tuple[datetime, datetime]]:
	"""The parts of the period not covered by rollup months, as [start, end) datetimes."""
	intervals, cursor = [], scope.start
	for month in sorted(rollup_months):
		month_start = datetime.combine(month, datetime.min.time())
		if cursor < month_start:
			intervals.append((cursor, month_start))
		cursor = datetime.combine(add_months(month, 1), datetime.min.time())
	if cursor < scope.end:
		intervals.append((cursor, scope.end))
	return intervals


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
	frame = pd.DataFrame(query.run(), columns=keys + COUNTS)
	if "month" in keys:
		frame["month"] = pd.to_datetime(frame["month"]).dt.date
	return frame


def _count_terms(record, now: datetime) -> list:
	"""The counts as engine.compliance defines them: waived and cancelled are never due; a record is
	due once completed or past its due time; on time = completed by the due time."""
	completed = record.status == RecordStatus.COMPLETED
	excluded = record.status.isin([RecordStatus.WAIVED, RecordStatus.CANCELLED])
	due = excluded.negate() & (completed | (record.due_on <= now))
	on_time = completed & (record.completed_on <= record.due_on)
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


def dirty_months(synced: datetime) -> list[date]:
	"""Ended months some record of which was written since `synced` (less the overlap)."""
	record = frappe.qb.DocType(RECORD)
	month = DateFormat(record.due_on, "%Y-%m-01")
	rows = (
		frappe.qb.from_(record)
		.select(month)
		.distinct()
		.where(record.modified > synced - OVERLAP)
		.where(record.due_on < get_first_day(synced))
		.run(pluck=True)
	)
	return [getdate(row) for row in rows if row]


# keeping


def synced_until() -> datetime | None:
	value = frappe.db.get_global(SYNCED_UNTIL)
	return get_datetime(value) if value else None


def refresh(now: datetime | None = None) -> int:
	"""Rebuild the months written since the last run and the months that ended since; returns how many."""
	now = get_datetime(now or now_datetime())
	synced = synced_until()
	current_month = get_first_day(now)
	if synced is None:
		months = _months_with_records(before=current_month)
	else:
		ended_since = [m for m in _months_between(get_first_day(synced), now) if m < current_month]
		months = sorted(set(dirty_months(synced)) | set(ended_since))
	for month in months:
		rebuild_month(month, now)
	frappe.db.set_global(SYNCED_UNTIL, now.strftime("%Y-%m-%d %H:%M:%S.%f"))
	return len(months)


def rebuild(now: datetime | None = None) -> int:
	"""Throw the rollup away and build it again from the records (`bench execute` after a restore)."""
	frappe.db.delete(ROLLUP)
	frappe.db.set_global(SYNCED_UNTIL, None)
	return refresh(now)


def forget():
	"""A record was deleted: nothing in `modified` says so, so reports read the records until the
	next refresh rebuilds every month."""
	frappe.db.set_global(SYNCED_UNTIL, None)


def rebuild_month(month: date, now: datetime):
	start = datetime.combine(month, datetime.min.time())
	end = datetime.combine(add_months(month, 1), datetime.min.time())
	everyone = ReportScope(company=None, from_date=month, to_date=month)
	rows = _record_rows(everyone, start, end, now)
	frappe.db.delete(ROLLUP, {"month": month})
	if rows.empty:
		return
	fields = ["name", "creation", "modified", "owner", "modified_by", *KEYS, *COUNTS]
	values = [
		(frappe.generate_hash(length=12), now, now, "Administrator", "Administrator", *row)
		for row in rows[KEYS + COUNTS].itertuples(index=False, name=None)
	]
	frappe.db.bulk_insert(ROLLUP, fields, values)


def _months_with_records(before: date) -> list[date]:
	record = frappe.qb.DocType(RECORD)
	first = frappe.qb.from_(record).select(record.due_on).where(record.due_on.isnotnull())
	first = first.orderby(record.due_on).limit(1).run(pluck=True)
	if not first:
		return []
	return [m for m in _months_between(getdate(first[0]), before) if m < before]


def _months_between(start: date | datetime, end: date | datetime) -> list[date]:
	month, last, months = get_first_day(start), getdate(end), []
	while month <= last:
		months.append(month)
		month = add_months(month, 1)
	return months


def _month_end(month: date) -> date:
	return add_months(month, 1) - timedelta(days=1)
