"""Quotation hooks: purchase-history match, Solution Match Verification gate, stage log."""

from __future__ import annotations

from sales_process.process import selling
from sales_process.process.purchase_history import match_quotation


def _customer(doc) -> str | None:
	return doc.get("party_name") if doc.get("quotation_to") == "Customer" else None


def validate(doc, method=None):
	selling.forget_deal(doc)
	if not selling.may_belong_to_process(doc):
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
	result = doc.flags.get("sp_match") or match_quotation(doc, _customer(doc))
	doc.sp_match_ratio = result.ratio or 0
	selling.gate_submission(doc, match_ratio=result.ratio)


def on_submit(doc, method=None):
	selling.log_opportunity_move(doc)


def before_cancel(doc, method=None):
	selling.mark_move_source(doc)


def on_cancel(doc, method=None):
	selling.log_opportunity_move(doc)
