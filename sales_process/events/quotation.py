"""Quotation hooks: purchase-history match, Solution Match Verification gate, records that follow it, stage log."""

from __future__ import annotations

from sales_process.adapters import opportunity
from sales_process.engine.rules import EvidenceKind
from sales_process.process import deal_rollup, rule_book, selling
from sales_process.process.purchase_history import match_quotation


def validate(doc, method=None):
	selling.forget_deal(doc)
	# the match is the server's: whatever the request sent is replaced
	doc.sp_match_ratio = 0
	if selling.deal_of(doc) is None or not rule_book.uses(EvidenceKind.PURCHASE_MATCH):
		return
	# shown on the draft so the rep sees the match before submitting; before_submit reuses it
	doc.flags.sp_match = match_quotation(doc)
	doc.sp_match_ratio = doc.flags.sp_match.ratio or 0


def on_update(doc, method=None):
	if doc.docstatus != 0:
		return  # submit has its own checks in before_submit
	selling.start_document_checkpoints(doc)


def before_submit(doc, method=None):
	if selling.deal_of(doc) is None:
		return
	match = doc.flags.get("sp_match")  # validate ran just before, in the same submit
	if match is None and rule_book.uses(EvidenceKind.PURCHASE_MATCH):
		match = match_quotation(doc)
	doc.sp_match_ratio = (match.ratio or 0) if match else 0
	selling.gate_submission(doc, match=match)


def on_submit(doc, method=None):
	selling.log_opportunity_move(doc)
	# submitted quotations per won deal (Target Back-calculation's history)
	deal_rollup.refresh(opportunity.of_quotation(doc))


def before_cancel(doc, method=None):
	selling.mark_move_source(doc)


def on_cancel(doc, method=None):
	selling.log_opportunity_move(doc)
	selling.release_document_checkpoints(doc)
	deal_rollup.refresh(opportunity.of_quotation(doc))


def on_trash(doc, method=None):
	selling.release_document_checkpoints(doc)
