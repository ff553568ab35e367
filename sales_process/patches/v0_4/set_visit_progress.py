"""Sales Visit Log gained progressed_on: fill it for the visits made before the hooks wrote it.

For each checked-in visit on an Opportunity: the first stage advance (by the stages' order), win or
completed checkpoint of its deal after check-in and at most PROGRESS_HORIZON_DAYS later — what
process.visits.mark_progress would have written. One set-based UPDATE per month of check-in, so
1.8 M visits a year go in twelve statements, each committed on its own.
"""

from datetime import datetime

import frappe
from frappe.query_builder import CustomFunction
from frappe.query_builder.functions import Coalesce, Max, Min
from pypika.terms import Interval, Tuple

from sales_process.engine.visits_report import PROGRESS_HORIZON_DAYS, WON_STATUS, advancing_moves
from sales_process.process.rule_book import stage_order
from sales_process.sales_process.doctype.sales_visit_log.sales_visit_log import (
	FORMER_VISIT_REPORT_INDEXES,
)

OPPORTUNITY = "Opportunity"
Least = CustomFunction("LEAST", ["first", "second"])


def execute():
	drop_former_indexes()
	visit = frappe.qb.DocType("Sales Visit Log")
	first, last = (
		frappe.qb.from_(visit)
		.select(Min(visit.check_in_time), Max(visit.check_in_time))
		.where(visit.progressed_on.isnull() & (visit.reference_doctype == OPPORTUNITY))
		.run()[0]
	)
	if not first:
		return
	month = datetime(first.year, first.month, 1)
	while month <= last:
		following = next_month(month)
		backfill(month, following)
		frappe.db.commit()  # one month at a time keeps each transaction small
		month = following


def next_month(month: datetime) -> datetime:
	return datetime(month.year + month.month // 12, month.month % 12 + 1, 1)


def drop_former_indexes():
	for index in FORMER_VISIT_REPORT_INDEXES:
		if frappe.db.has_index("tabSales Visit Log", index):
			frappe.db.sql_ddl(f"ALTER TABLE `tabSales Visit Log` DROP INDEX `{index}`")


def backfill(start: datetime, end: datetime):
	"""Visits checked in within [start, end): the earlier of their first advance and first completion."""
	visit = frappe.qb.DocType("Sales Visit Log")
	log = frappe.qb.DocType("Sales Stage Log")
	record = frappe.qb.DocType("Sales Checkpoint Record")
	horizon = visit.check_in_time + Interval(days=PROGRESS_HORIZON_DAYS)
	progress = (Coalesce(log.from_status, "") != WON_STATUS) & (log.to_status == WON_STATUS)
	forward = advancing_moves(stage_order())
	if forward:
		progress = progress | Tuple(log.from_stage, log.to_stage).isin([Tuple(*pair) for pair in forward])
	first_advance = (
		frappe.qb.from_(log)
		.select(Min(log.changed_on))
		.where(
			(log.reference_doctype == OPPORTUNITY)
			& (log.reference_name == visit.reference_name)
			& (log.changed_on > visit.check_in_time)
			& (log.changed_on <= horizon)
			& progress
		)
	)
	first_completion = (
		frappe.qb.from_(record)
		.select(Min(record.completed_on))
		.where(
			(record.reference_doctype == OPPORTUNITY)
			& (record.reference_name == visit.reference_name)
			& (record.status == "Completed")
			& (record.completed_on > visit.check_in_time)
			& (record.completed_on <= horizon)
		)
	)
	# LEAST is NULL when either side is: each side stands in for the other when it is missing
	(
		frappe.qb.update(visit)
		.set(
			visit.progressed_on,
			Least(Coalesce(first_advance, first_completion), Coalesce(first_completion, first_advance)),
		)
		.where(
			(visit.check_in_time >= start)
			& (visit.check_in_time < end)
			& (visit.reference_doctype == OPPORTUNITY)
			& visit.progressed_on.isnull()
		)
		.run()
	)
