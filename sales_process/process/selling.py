"""What Quotation and Sales Order share: finding the deal, starting and gating per-document checkpoints."""

from __future__ import annotations

import frappe
from frappe import _

from sales_process.adapters import opportunity
from sales_process.engine.gate import submit_blockers
from sales_process.engine.rules import Gate, Trigger
from sales_process.engine.triggers import document_key
from sales_process.process import checkpoints, deals, rule_book, stage_log
from sales_process.process.settings import is_under_process_control

DRAFT_TRIGGER = {"Quotation": Trigger.QUOTATION_DRAFTED, "Sales Order": Trigger.SALES_ORDER_DRAFTED}
SUBMIT_GATE = {"Quotation": Gate.SUBMIT_QUOTATION, "Sales Order": Gate.SUBMIT_SALES_ORDER}
MOVE_SOURCE_FLAG = "sales_process_move_source"
GATE_SAVEPOINT = "sales_process_gate"
LOGGED_FLAG = "sales_process_logged_move"


def opportunity_of(doc) -> str | None:
	if doc.doctype == "Quotation":
		return opportunity.of_quotation(doc)
	return opportunity.of_sales_order(doc)


def deal_of(doc) -> deals.Deal | None:
	"""The deal a selling document belongs to, or None when the process does not cover it.

	Documents without an Opportunity belong to the process only where a
	checkpoint explicitly gates them ("Also Gate Documents Without an Opportunity").
	"""
	if "sp_deal" in doc.flags:
		return doc.flags.sp_deal
	doc.flags.sp_deal = _find_deal(doc)
	return doc.flags.sp_deal


def may_belong_to_process(doc) -> bool:
	"""Cheap test (no Opportunity loaded): could this document be part of a deal under process control?"""
	if not is_under_process_control(doc.get("company")):
		return False
	if opportunity_of(doc):
		return True
	gate = SUBMIT_GATE[doc.doctype]
	return any(rule.gate == gate and rule.applies_without_opportunity for rule in rule_book.rule_book().rules)


def forget_deal(doc):
	"""Each save looks the deal up afresh (once), so a changed Opportunity is seen."""
	doc.flags.pop("sp_deal", None)


def _find_deal(doc) -> deals.Deal | None:
	if not may_belong_to_process(doc):
		return None
	name = opportunity_of(doc)
	if name:
		return deals.opportunity_by_name(name)
	return deals.from_selling_document(doc)


def start_document_checkpoints(doc, deal: deals.Deal | None = None, states=None) -> list[str]:
	deal = deal or deal_of(doc)
	if deal is None:
		return []
	key = document_key(doc.doctype, doc.name)
	return checkpoints.start_checkpoints(
		deal, deal.snapshot, events=[(DRAFT_TRIGGER[doc.doctype], key)], states=states
	)


def gate_submission(doc, match_ratio: float | None = None):
	deal = deal_of(doc)
	if deal is None:
		return
	# submitted without a saved draft (API, import), or drafted before the app was installed
	frappe.db.savepoint(GATE_SAVEPOINT)
	states = checkpoints.record_states(deal.doctype, deal.name)
	if start_document_checkpoints(doc, deal, states=states):
		states = checkpoints.record_states(deal.doctype, deal.name)
	book = rule_book.rule_book()
	blockers = submit_blockers(
		checkpoints.applicable_rules(book, deal),
		states,
		deal.snapshot,
		SUBMIT_GATE[doc.doctype],
		document_key(doc.doctype, doc.name),
	)
	blockers = checkpoints.settle_auto_verified(blockers, deal, match_ratio)
	if blockers:
		checkpoints.refuse(
			deal,
			_("submit {0} {1}").format(_(doc.doctype), doc.name),
			blockers,
			match_ratio,
			save_draft_first=doc if doc.is_new() else None,
			rollback_to=GATE_SAVEPOINT,
		)
	mark_move_source(doc)


def mark_move_source(doc):
	"""ERPNext moves the Opportunity's status after this submit or cancel: tell the log where it came from."""
	frappe.flags[MOVE_SOURCE_FLAG] = doc.doctype


def log_opportunity_move(doc):
	"""Catch the Opportunity status ERPNext sets from this document, with or without events."""
	name = opportunity_of(doc)
	if not name:
		return
	if frappe.flags.get(LOGGED_FLAG) == name:
		# the Opportunity's own on_change saw the move (ERPNext used db_set)
		frappe.flags[LOGGED_FLAG] = None
		frappe.flags[MOVE_SOURCE_FLAG] = None
		return
	values = frappe.db.get_value("Opportunity", name, ["company", "sales_stage", "status"], as_dict=True)
	if not values or not is_under_process_control(values.company):
		return
	stage_log.log_position(
		opportunity.DOCTYPE,
		name,
		stage_log.Position(values.sales_stage or None, values.status or None),
		doc.doctype,
	)
	frappe.flags[MOVE_SOURCE_FLAG] = None
