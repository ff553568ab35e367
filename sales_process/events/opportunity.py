"""Opportunity hooks: keep the server's fields, remember what the deal was, gate stage moves and
late creation, start checkpoints, log every move."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt

from sales_process.adapters import opportunity
from sales_process.engine.alerts import Acted
from sales_process.process import (
	alert_jobs,
	alerts,
	deal_rollup,
	deals,
	gates,
	leads,
	objection_rollup,
	records,
	selling,
	stage_log,
	stage_rollup,
	win_scores,
)
from sales_process.process import rule_book as book_module
from sales_process.process.gates import MANAGER_ROLES


def validate(doc, method=None):
	before = doc.get_doc_before_save()
	# facts kept on every deal, so a company enrolled later learns from its history: when each
	# competitor and decision maker was added, and the lead's score when the deal was made from it
	opportunity.stamp_new_child_rows(doc, before)
	leads.carry_to_opportunity(doc, before)
	if not deals.opportunity_under_control(doc, before):
		return
	opportunity.keep_server_fields(doc, before)
	opportunity.fill_base_amount(doc)
	opportunity.remember(doc, before, book_module.conditions_met(book_module.rule_book(), doc))
	deal = deals.from_opportunity(doc, before)
	if before is None:
		_default_probability(doc, None)
		gates.refuse_late_creation(deal)
		return
	_refuse_reassignment_by_a_rep(doc, before)
	if not opportunity.stage_field_changed(doc):
		return
	_default_probability(doc, before)
	gates.check_stage_move(deal, before.get("sales_stage") or None, doc.get("sales_stage") or None)


def _default_probability(doc, before):
	"""A new deal or a stage move takes the stage's default probability unless the rep typed one."""
	if before is None:
		# the desk sends numbers as text ("100") before Frappe casts them
		if flt(doc.probability) not in (0, opportunity.DEFAULT_PROBABILITY):
			return
	elif doc.has_value_changed("probability"):
		return
	probability = (
		frappe.get_cached_value("Sales Stage", doc.sales_stage, "sp_probability") if doc.sales_stage else None
	)
	if probability:
		doc.probability = probability


def _refuse_reassignment_by_a_rep(doc, before):
	"""Who a deal belongs to decides who sees its records: only managers give it to someone else."""
	if opportunity.rep(doc) == opportunity.rep(before) or MANAGER_ROLES & set(frappe.get_roles()):
		return
	frappe.throw(
		_("Only a Sales Manager can give {0} {1} to another rep; it stays with {2}.").format(
			_(doc.doctype), doc.name, opportunity.rep(before)
		),
		frappe.PermissionError,
		title=_("Not Permitted"),
	)


def on_change(doc, method=None):
	"""Runs after a save and after ERPNext's `db_set` of the status from a Quotation."""
	before = doc.get_doc_before_save()
	if before is None and not doc.flags.in_insert:
		before = doc  # a `db_set` from another document: nothing but the status moved
	if not deals.opportunity_under_control(doc, before):
		# its history still counts in Target Back-calculation
		deal_rollup.refresh([doc.name])
		return
	source = frappe.flags.get(selling.MOVE_SOURCE_FLAG) or "Opportunity"
	logged = None
	# a save that moved neither stage nor status has nothing to log (a move ERPNext made without
	# events before it is caught by the daily reconciliation); a db_set or a new deal is looked at
	if before is None or before is doc or opportunity.position(doc) != opportunity.position(before):
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
		if logged.from_stage is not None or logged.from_status is not None:
			alerts.acted(Acted.DEAL_MOVED, frappe.session.user, reference=(doc.doctype, doc.name))
	if logged:
		# a new stage starts a new wait; a closed deal waits for nothing
		alert_jobs.schedule_stall_check(doc.name)
	deal = deals.from_opportunity(doc, before if before is not doc else None)
	if opportunity.is_lost(doc):
		# nothing is due on a deal that is lost or closed: its open records are cancelled, none start
		if records.cancel_open_records(deal.doctype, deal.name, _("The deal is {0}").format(_(doc.status))):
			records.update_deal_compliance(deal.doctype, deal.name)
	elif records.start_checkpoints(deal, opportunity.snapshot(before) if before is not None else None):
		records.update_deal_compliance(deal.doctype, deal.name)
	if before is not None and before is not doc and opportunity.rep(doc) != opportunity.rep(before):
		records.reassign_open_records(deal.doctype, deal.name, opportunity.rep(doc), opportunity.rep(before))
		stage_rollup.follow_deal(deal.doctype, deal.name, rep=opportunity.rep(doc))
	if before is not None and before is not doc and doc.get("company") != before.get("company"):
		stage_rollup.follow_deal(deal.doctype, deal.name, company=doc.get("company"))
	if before is not None and before is not doc and opportunity.value_changed(doc, before):
		objection_rollup.restamp_deal(deal.name)
	if not logged:
		# rep, company or amount may have changed (a logged move has read the saved deal already)
		deal_rollup.refresh([doc.name])
	win_scores.score_on_change(doc)


def after_delete(doc, method=None):
	"""A deleted deal leaves the history."""
	deal_rollup.refresh([doc.name])


def dashboard(data):
	"""The deal's checkpoint records, visits, objections and risks under Connections."""
	data.setdefault("non_standard_fieldnames", {})
	data.setdefault("dynamic_links", {})
	doctypes = ["Sales Checkpoint Record", "Sales Visit Log", "Sales Objection", "Sales Risk Signal"]
	for doctype in doctypes:
		data["non_standard_fieldnames"][doctype] = "reference_name"
	data["dynamic_links"]["reference_name"] = [opportunity.DOCTYPE, "reference_doctype"]
	data.setdefault("transactions", []).append({"label": _("Sales Process"), "items": doctypes})
	return data
