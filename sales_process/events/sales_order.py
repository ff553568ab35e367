"""Sales Order hooks: Contract Terms Consensus gate, and the Opportunity moves ERPNext makes silently."""

from __future__ import annotations

from sales_process.process import selling


def validate(doc, method=None):
	selling.forget_deal(doc)


def on_update(doc, method=None):
	if doc.docstatus != 0:
		return
	selling.start_document_checkpoints(doc)


def before_submit(doc, method=None):
	selling.gate_submission(doc)


def on_submit(doc, method=None):
	selling.log_opportunity_move(doc)


def before_cancel(doc, method=None):
	selling.mark_move_source(doc)


def on_cancel(doc, method=None):
	selling.log_opportunity_move(doc)
