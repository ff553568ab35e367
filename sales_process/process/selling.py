"""What Quotation and Sales Order share: finding the deal, starting and gating per-document checkpoints.

A selling document belongs to a deal when it names its Opportunity (header or
items), when it was made from a Quotation that does, or — for a Sales Order
without any link — when it repeats the items of a customer's open Quotation
made from an Opportunity. Taking the link away does not take it out of the gates.
"""

from __future__ import annotations

import frappe
from frappe import _

from sales_process.adapters import opportunity
from sales_process.engine.gate import submit_blockers
from sales_process.engine.rules import Gate, Trigger
from sales_process.engine.triggers import document_key
from sales_process.process import deals, outcomes, records, stage_log
from sales_process.process import rule_book as book_module
from sales_process.process.completion import settle_auto_verified
from sales_process.process.gates import CheckpointGateError, refuse
from sales_process.process.settings import enrolled_companies

DRAFT_TRIGGER = {"Quotation": Trigger.QUOTATION_DRAFTED, "Sales Order": Trigger.SALES_ORDER_DRAFTED}
SUBMIT_GATE = {"Quotation": Gate.SUBMIT_QUOTATION, "Sales Order": Gate.SUBMIT_SALES_ORDER}
MOVE_SOURCE_FLAG = "sales_process_move_source"
GATE_SAVEPOINT = "sales_process_gate"
LOGGED_FLAG = "sales_process_logged_move"


def deal_of(doc) -> deals.Deal | None:
	"""The deal a selling document belongs to (looked up once per save), or None outside the process."""
	if "sp_deal" not in doc.flags:
		doc.flags.sp_deal = _find_deal(doc)
	return doc.flags.sp_deal


def forget_deal(doc):
	"""Each save looks the deal up afresh, so a changed link is seen."""
	doc.flags.pop("sp_deal", None)


def opportunities_of(doc) -> set[str]:
	"""Every deal the document names now, named before this save, or started records for.

	Pointing the header at another deal does not take a document away from the
	deal it was made for.
	"""
	names = _linked(doc)
	before = doc.get_doc_before_save() if not doc.is_new() else None
	if before is not None:
		names |= _linked(before)
	if doc.name and not doc.is_new():
		record = frappe.qb.DocType(records.RECORD)
		names.update(
			row[0]
			for row in frappe.qb.from_(record)
			.select(record.reference_name)
			.distinct()
			.where(
				(record.trigger_key == document_key(doc.doctype, doc.name))
				& (record.reference_doctype == opportunity.DOCTYPE)
			)
			.run()
		)
	return names


def _linked(doc) -> set[str]:
	if doc.doctype == "Quotation":
		return opportunity.of_quotation(doc)
	return opportunity.of_sales_order(doc)


def _find_deal(doc) -> deals.Deal | None:
	enrolled = enrolled_companies()
	if not enrolled:
		return None
	names = opportunities_of(doc)
	via = None
	if (
		doc.doctype == "Sales Order"
		and not _linked(doc)
		and doc.get("company") in enrolled
		and not is_repeat(doc)
	):
		copied = opportunity.open_quotation_copied_by(doc)
		if copied:
			quotation, name = copied
			names.add(name)
			via = _(
				"{0} has the items of Quotation {1} of Opportunity {2} and is held by that deal's checkpoints."
			).format(doc.name or _("This Sales Order"), quotation, name)
	if len(names) > 1:
		_refuse_mixed_deals(doc, names, enrolled)
	if names:
		deal = deals.opportunity_by_name(next(iter(names)), via=via)
		# the deal's companies (now, before, ever) count as much as the document's own
		controlled = doc.get("company") in enrolled or bool(deal.companies & enrolled)
		return deal if controlled else None
	if doc.get("company") not in enrolled:
		return None
	gate = SUBMIT_GATE[doc.doctype]
	if any(rule.gate == gate and rule.applies_without_opportunity for rule in book_module.rule_book().rules):
		return deals.from_selling_document(doc)
	return None


def _refuse_mixed_deals(doc, names: set[str], enrolled: set[str]):
	"""A document for two deals would let one deal's gates be passed with the other's link."""
	companies = frappe.get_all(opportunity.DOCTYPE, filters={"name": ("in", list(names))}, pluck="company")
	if not set(companies) & (enrolled | {doc.get("company")}):
		return
	frappe.throw(
		_(
			"{0} {1} refers to several opportunities ({2}). Make one {0} per opportunity, from that opportunity."
		).format(_(doc.doctype), doc.name or "", ", ".join(sorted(names))),
		exc=CheckpointGateError,
		title=_("Sales Process Checkpoint"),
	)


def is_repeat(doc) -> bool:
	"""A copy Auto Repeat makes of a submitted document of the same customer: its gates were passed once."""
	if not doc.get("auto_repeat"):
		return False
	reference = frappe.db.get_value(
		"Auto Repeat", doc.auto_repeat, ["reference_doctype", "reference_document"], as_dict=True
	)
	if not reference or reference.reference_doctype != doc.doctype:
		return False
	original = frappe.db.get_value(
		doc.doctype, reference.reference_document, ["docstatus", "customer"], as_dict=True
	)
	return bool(original) and original.docstatus == 1 and original.customer == doc.get("customer")


def start_document_checkpoints(doc, deal: deals.Deal | None = None, states=None) -> list[str]:
	deal = deal or deal_of(doc)
	if deal is None or is_repeat(doc):
		return []
	key = document_key(doc.doctype, doc.name)
	return records.start_checkpoints(
		deal, deal.snapshot, events=[(DRAFT_TRIGGER[doc.doctype], key)], states=states
	)


def gate_submission(doc, match=None):
	deal = deal_of(doc)
	if deal is None or is_repeat(doc):
		return
	# submitted without a saved draft (API, import), or drafted before the app was installed
	frappe.db.savepoint(GATE_SAVEPOINT)
	states = records.record_states(deal.doctype, deal.name)
	if start_document_checkpoints(doc, deal, states=states):
		states = records.record_states(deal.doctype, deal.name)
	book = book_module.rule_book()
	blockers = submit_blockers(
		book_module.gating_rules(book, deal),
		states,
		deal.snapshot,
		SUBMIT_GATE[doc.doctype],
		document_key(doc.doctype, doc.name),
		condition_holds=lambda rule: book_module.condition_holds(book, rule, deal),
	)
	blockers = settle_auto_verified(blockers, deal, match)
	if blockers:
		refuse(
			deal,
			_("submit {0} {1}").format(_(doc.doctype), doc.name),
			blockers,
			match,
			save_draft_first=doc if doc.is_new() else None,
			rollback_to=GATE_SAVEPOINT,
		)
	mark_move_source(doc)


def release_document_checkpoints(doc):
	"""A cancelled or deleted Quotation / Sales Order no longer holds records open (or overdue)."""
	if not enrolled_companies():
		return
	records.cancel_started_by(doc, records.cancelled_reason(doc))


def mark_move_source(doc):
	"""ERPNext moves the Opportunity's status after this submit or cancel: tell the log where it came from."""
	frappe.flags[MOVE_SOURCE_FLAG] = doc.doctype


def log_opportunity_move(doc):
	"""Catch the Opportunity status ERPNext sets from this document, with or without events."""
	deal = deal_of(doc)
	if deal is None or deal.doctype != opportunity.DOCTYPE:
		return
	if frappe.flags.get(LOGGED_FLAG) == deal.name:
		# the Opportunity's own on_change saw the move (ERPNext used db_set)
		frappe.flags[LOGGED_FLAG] = None
		frappe.flags[MOVE_SOURCE_FLAG] = None
		return
	values = frappe.db.get_value(opportunity.DOCTYPE, deal.name, ["sales_stage", "status"], as_dict=True)
	if values:
		stage_log.log_position(
			opportunity.DOCTYPE,
			deal.name,
			stage_log.Position(values.sales_stage or None, values.status or None),
			doc.doctype,
		)
	frappe.flags[MOVE_SOURCE_FLAG] = None


def follow_order_outcome(doc, submitted: bool):
	"""A Sales Order of the deal submitted wins it; cancelled, it may reopen it (process.outcomes)."""
	deal = deal_of(doc)
	if deal is None or deal.doctype != opportunity.DOCTYPE:
		return
	if submitted:
		outcomes.order_submitted(deal.name)
	else:
		outcomes.order_cancelled(deal.name)
