"""Sales Order hooks: Contract Terms Consensus gate, records that follow the order, and the
Opportunity moves ERPNext makes silently (`frappe.db.set_value`)."""

from __future__ import annotations

from sales_process.process import selling


def validate(doc, method=None):
	selling.forget_deal(doc)
	selling.deal_of(doc)  # refuses an order that mixes deals


def on_update(doc, method=None):
	if doc.docstatus != 0:
		return
	selling.start_document_checkpoints(doc)


def before_submit(doc, method=None):
	selling.gate_submission(doc)


def on_submit(doc, method=None):
	selling.log_opportunity_move(doc)
	selling.follow_order_outcome(doc, submitted=True)


def before_cancel(doc, method=None):
	selling.mark_move_source(doc)


def on_cancel(doc, method=None):
	selling.log_opportunity_move(doc)
	selling.follow_order_outcome(doc, submitted=False)
	selling.release_document_checkpoints(doc)


def on_trash(doc, method=None):
	selling.release_document_checkpoints(doc)
