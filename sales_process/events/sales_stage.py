"""Sales Stage hooks: the stage order is cached for gates; a changed stall limit reschedules the
deals in the stage; a changed order changes every deal's furthest stage and forward moves."""

import frappe

from sales_process.process import rule_book


def on_change(doc, method=None):
	rule_book.clear_cache()
	if doc.has_value_changed("sp_stall_hours") and not doc.flags.in_insert:
		frappe.enqueue(
			"sales_process.process.alert_jobs.refresh_stage_limits",
			stage=doc.name,
			enqueue_after_commit=True,
			now=frappe.flags.in_test,
		)
	if method == "on_trash" or (doc.has_value_changed("sp_sequence") and not doc.flags.in_insert):
		frappe.enqueue(
			"sales_process.process.deal_rollup.stage_order_changed",
			queue="long",
			job_id="sales_process.deal_rollup.stage_order_changed",
			deduplicate=True,
			enqueue_after_commit=True,
			now=frappe.flags.in_test,
		)
