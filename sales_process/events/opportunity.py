"""Opportunity hooks: gate stage moves, start checkpoints, log every move."""

from __future__ import annotations

import frappe
from frappe import _

from sales_process.adapters import opportunity
from sales_process.engine.gate import leave_stage_blockers
from sales_process.process import checkpoints, deals, rule_book, selling, stage_log
from sales_process.process.settings import is_under_process_control


def validate(doc, method=None):
	if not is_under_process_control(doc.get("company")):
		return
	if doc.is_new():
		_default_probability(doc)
		return
	if not opportunity.stage_field_changed(doc):
		return
	_default_probability(doc)
	before = doc.get_doc_before_save()
	deal = deals.from_opportunity(doc)
	book = rule_book.rule_book()
	blockers = leave_stage_blockers(
		checkpoints.applicable_rules(book, deal),
		checkpoints.record_states(deal.doctype, deal.name),
		deal.snapshot,
		before.get("sales_stage"),
		doc.get("sales_stage"),
		rule_book.stage_order(),
	)
	blockers = checkpoints.settle_auto_verified(blockers, deal)
	if blockers:
		checkpoints.refuse(
			deal,
			_("move from stage {0} to {1}").format(
				frappe.bold(_(before.get("sales_stage"))), frappe.bold(_(doc.get("sales_stage")))
			),
			blockers,
		)


def _default_probability(doc):
	"""A stage move sets the stage's default probability unless the rep typed one."""
	if doc.is_new():
		if doc.probability not in (None, 0, opportunity.DEFAULT_PROBABILITY):
			return
	elif doc.has_value_changed("probability"):
		return
	probability = (
		frappe.get_cached_value("Sales Stage", doc.sales_stage, "sp_probability") if doc.sales_stage else None
	)
	if probability:
		doc.probability = probability


def on_change(doc, method=None):
	"""Runs after a save and after ERPNext's `db_set` of the status from a Quotation."""
	if not is_under_process_control(doc.get("company")):
		return
	source = frappe.flags.get(selling.MOVE_SOURCE_FLAG) or "Opportunity"
	logged = stage_log.log_position(opportunity.DOCTYPE, doc.name, opportunity.position(doc), source)
	if logged and source != "Opportunity":
		# the Quotation / Sales Order being submitted need not look again
		frappe.flags[selling.LOGGED_FLAG] = doc.name
	if logged and logged.from_stage != logged.to_stage:
		# not db_set: that would run this hook again
		frappe.db.set_value(
			doc.doctype, doc.name, "sp_stage_entered_on", logged.changed_on, update_modified=False
		)
		doc.sp_stage_entered_on = logged.changed_on
	deal = deals.from_opportunity(doc)
	if checkpoints.start_checkpoints(deal, opportunity.snapshot_before_save(doc)):
		checkpoints.update_deal_compliance(deal.doctype, deal.name)
