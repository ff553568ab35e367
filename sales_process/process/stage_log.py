"""Sales Stage Log: every move of a deal's stage or status, however it happened."""

from __future__ import annotations

import frappe
from frappe.query_builder import Order
from frappe.utils import now_datetime

from sales_process.engine.funnel import move_facts
from sales_process.engine.stages import Position, has_moved, seconds_between
from sales_process.engine.visits_report import is_advance
from sales_process.process import deal_rollup, objection_rollup, outcomes, stage_rollup, visits
from sales_process.process.rule_book import stage_order

__all__ = ["LOG", "Position", "deal_history", "log_position"]

LOG = "Sales Stage Log"


def last_ordered_stage(reference_doctype: str, reference_name: str, stage_order) -> str | None:
	"""The last ordered stage the deal was logged in (for a deal whose stage is now empty or unordered)."""
	log = frappe.qb.DocType(LOG)
	rows = (
		frappe.qb.from_(log)
		.select(log.to_stage)
		.where(
			(log.reference_doctype == reference_doctype)
			& (log.reference_name == reference_name)
			& log.to_stage.isin(list(stage_order) or [""])
		)
		.orderby(log.changed_on, order=Order.desc)
		.orderby(log.creation, order=Order.desc)
		.limit(1)
		.run()
	)
	return rows[0][0] if rows else None


def deal_history(reference_doctype: str, reference_name: str) -> list[dict]:
	"""The deal's log rows, oldest first (one indexed query; a deal has a few dozen at most)."""
	log = frappe.qb.DocType(LOG)
	return (
		frappe.qb.from_(log)
		.select(
			log.name,
			log.changed_on,
			log.from_stage,
			log.to_stage,
			log.to_status,
			log.first_entry,
			log.advanced_on,
		)
		.where((log.reference_doctype == reference_doctype) & (log.reference_name == reference_name))
		.orderby(log.changed_on)
		.orderby(log.creation)
		.run(as_dict=True)
	)


def log_position(
	reference_doctype: str,
	reference_name: str,
	current: Position,
	source: str,
	changed_on=None,
	changed_by: str | None = None,
):
	"""Append a log row when the deal's position differs from its last logged one.

	Comparing with the last row (not with the document before save) makes this
	idempotent and lets the same call catch changes ERPNext made without events.
	The row carries what Funnel Health counts (stage_rollup), and a move of the
	status into or out of Converted / Lost is the deal's outcome (outcomes).
	"""
	history = deal_history(reference_doctype, reference_name)
	last = history[-1] if history else None
	previous = Position(last.to_stage, last.to_status) if last else None
	if not has_moved(previous, current):
		return None
	changed_on = changed_on or now_datetime()
	seconds = seconds_between(last.changed_on, changed_on) if last else None
	from_stage = previous.stage if previous else None
	facts = move_facts(history, from_stage, current.stage, changed_on, seconds, stage_order())
	deal = outcomes.deal_facts(reference_doctype, reference_name)
	row = frappe.get_doc(
		{
			"doctype": LOG,
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"from_stage": from_stage,
			"from_status": previous.status if previous else None,
			"to_stage": current.stage,
			"to_status": current.status,
			"changed_on": changed_on,
			"changed_by": changed_by or frappe.session.user,
			"source": source,
			"seconds_in_previous": seconds,
			"rep": deal.rep,
			"company": deal.company,
			"first_entry": int(facts.first_entry),
			"deal_won": int(deal.won),
			"stay_seconds": facts.stay_seconds,
		}
	)
	# a system-written log of values just read from the deal: skip the full save's link checks
	row.set_new_name()
	row.set_user_and_timestamp()
	stage_rollup.counted_insert(row)
	stage_rollup.stamp_advances(list(facts.advances), changed_on)
	outcomes.follow_status(row, deal)
	if row.from_status != row.to_status:
		# open, lost or won: what the deal's objections put at stake changes with it
		objection_rollup.restamp_deal(reference_name)
	mark_visits_if_progress(row)
	# its furthest stage, forward moves and outcome (Target Back-calculation's history)
	deal_rollup.refresh([reference_name], reference_doctype)
	return row


def mark_visits_if_progress(row) -> None:
	"""A move to a later stage (by the stages' order) or a win is progress for the visits before it."""
	if is_advance(row.from_stage, row.to_stage, row.from_status, row.to_status, stage_order()):
		visits.mark_progress(row.reference_doctype, row.reference_name, row.changed_on)
