"""Quotation hooks: purchase-history match, Solution Match Verification gate, stage log."""

from __future__ import annotations

from sales_process.engine.rules import EvidenceKind
from sales_process.process import rule_book, selling
from sales_process.process.purchase_history import match_quotation


def _customer(doc) -> str | None:
	return doc.get("party_name") if doc.get("quotation_to") == "Customer" else None


def validate(doc, method=None):
	selling.forget_deal(doc)
	if not selling.may_belong_to_process(doc) or not rule_book.uses(EvidenceKind.PURCHASE_MATCH):
		return
	# shown on the draft so the rep sees the match before submitting; before_submit reuses it
	doc.flags.sp_match = match_quotation(doc, _customer(doc))
	doc.sp_match_ratio = doc.flags.sp_match.ratio or 0


def on_update(doc, method=None):
	if doc.docstatus != 0:
		return  # submit has its own checks in before_submit
	selling.start_document_checkpoints(doc)


def before_submit(doc, method=None):
	if selling.deal_of(doc) is None:
		return
	# validate ran just before, in the same submit
	result = doc.flags.get("sp_match")
	if result is None and rule_book.uses(EvidenceKind.PURCHASE_MATCH):
		result = match_quotation(doc, _customer(doc))
	ratio = result.ratio if result else None
	doc.sp_match_ratio = ratio or 0
	selling.gate_submission(doc, match_ratio=ratio)


def on_submit(doc, method=None):
	selling.log_opportunity_move(doc)


def before_cancel(doc, method=None):
	selling.mark_move_source(doc)


def on_cancel(doc, method=None):
	selling.log_opportunity_move(doc)
