"""Checkpoint records: start them, read them, follow their documents, keep the deal's compliance."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime

from sales_process.adapters import opportunity
from sales_process.engine.compliance import compliance_rate
from sales_process.engine.rules import DealSnapshot, RecordState, RecordStatus, Trigger
from sales_process.engine.triggers import checkpoints_triggered, document_key
from sales_process.process import compliance_rollup, stage_log
from sales_process.process import rule_book as book_module
from sales_process.process.deals import Deal
from sales_process.process.settings import due_soon_share

RECORD = "Sales Checkpoint Record"


def record_states(reference_doctype: str, reference_name: str) -> list[RecordState]:
	"""The deal's records, oldest first (one indexed query; runs on every hooked save)."""
	record = frappe.qb.DocType(RECORD)
	rows = (
		frappe.qb.from_(record)
		.select(
			record.name,
			record.checkpoint,
			record.trigger_key,
			record.status,
			record.due_on,
			record.triggered_on,
			record.completed_on,
		)
		.where((record.reference_doctype == reference_doctype) & (record.reference_name == reference_name))
		.orderby(record.creation)
		.run(as_dict=True)
	)
	return [
		RecordState(
			checkpoint=row.checkpoint,
			trigger_key=row.trigger_key,
			status=row.status,
			due_on=row.due_on,
			triggered_on=row.triggered_on,
			completed_on=row.completed_on,
			name=row.name,
		)
		for row in rows
	]


def start_checkpoints(
	deal: Deal,
	before: DealSnapshot | None,
	events=(),
	states: list[RecordState] | None = None,
) -> list[str]:
	"""Create the records this change starts; returns their names.

	`before` is the deal before the change (None for a new deal); `states` are
	the deal's records when the caller has them already.
	"""
	book = book_module.rule_book()
	if not book.rules:
		return []
	unchanged = before is not None and _same_triggers(before, deal.snapshot) and not events
	if unchanged and not any(rule.trigger == Trigger.CONDITION for rule in book.rules):
		# e.g. ERPNext setting the status from a Quotation: nothing can start
		return []
	rules = book_module.applicable(book, deal)
	if not rules:
		return []
	if states is None:
		states = record_states(deal.doctype, deal.name)
	order = book_module.stage_order()
	started = checkpoints_triggered(
		rules,
		before,
		deal.snapshot,
		now_datetime(),
		existing={(r.checkpoint, r.trigger_key) for r in states},
		stage_order=order,
		holidays=book_module.holidays(deal.company) if book.uses_working_days else None,
		condition_holds=lambda rule: True,  # `applicable` already asked the conditions
		events=events,
		last_ordered_stage=_last_ordered_stage(deal, before, order),
	)
	share = due_soon_share()
	customer = deal.customer
	names = []
	for item in started:
		record = frappe.get_doc(
			{
				"doctype": RECORD,
				"checkpoint": item.checkpoint,
				"reference_doctype": deal.doctype,
				"reference_name": deal.name,
				"trigger_key": item.trigger_key,
				"status": RecordStatus.PENDING,
				"assigned_to": deal.rep,
				"company": deal.company,
				"customer": customer,
				"stage": deal.snapshot.stage,
				"triggered_on": item.triggered_on,
				"due_on": item.due_on,
				"due_soon_on": item.triggered_on + (item.due_on - item.triggered_on) * share,
			}
		)
		record.flags.sp_system_write = True
		record.insert(ignore_permissions=True)
		names.append(record.name)
	return names


def _last_ordered_stage(deal: Deal, before: DealSnapshot | None, order) -> str | None:
	"""Only a deal whose stage was empty or unordered needs its history read."""
	if before is None or before.stage in order or before.stage == deal.snapshot.stage:
		return None
	if deal.doctype != opportunity.DOCTYPE:
		return None
	return stage_log.last_ordered_stage(deal.doctype, deal.name, order)


def _same_triggers(before: DealSnapshot, after: DealSnapshot) -> bool:
	"""Stage, scope attributes and competitors start checkpoints; a status change alone does not."""
	return (before.stage, dict(before.attributes), before.competitors) == (
		after.stage,
		dict(after.attributes),
		after.competitors,
	)


def cancel_started_by(doc, reason: str) -> list[str]:
	"""Records a Quotation or Sales Order started close as Cancelled when it is cancelled or deleted.

	They no longer gate anything and no longer count as due; the reason stays on the record.
	"""
	key = document_key(doc.doctype, doc.name)
	record = frappe.qb.DocType(RECORD)
	rows = (
		frappe.qb.from_(record)
		.select(record.name, record.reference_doctype, record.reference_name)
		.where((record.trigger_key == key) & record.status.isin(list(RecordStatus.OPEN)))
		.run(as_dict=True)
	)
	if not rows:
		return []
	_close_as_cancelled([row.name for row in rows], reason)
	for deal in {(row.reference_doctype, row.reference_name) for row in rows}:
		update_deal_compliance(*deal)
	return [row.name for row in rows]


def cancel_open_records(reference_doctype: str, reference_name: str, reason: str) -> list[str]:
	"""Close a deal's open records as Cancelled (the deal is lost): they stop counting as due."""
	record = frappe.qb.DocType(RECORD)
	names = (
		frappe.qb.from_(record)
		.select(record.name)
		.where(
			(record.reference_doctype == reference_doctype)
			& (record.reference_name == reference_name)
			& record.status.isin(list(RecordStatus.OPEN))
		)
		.run(pluck=True)
	)
	_close_as_cancelled(names, reason)
	return names


def _close_as_cancelled(names: list[str], reason: str):
	if not names:
		return
	record = frappe.qb.DocType(RECORD)
	with compliance_rollup.bulk_write(names):
		(
			frappe.qb.update(record)
			.set(record.status, RecordStatus.CANCELLED)
			.set(record.evidence_note, reason)
			.set(record.modified, now_datetime())
			.where(record.name.isin(names))
			.run()
		)


def cancelled_reason(doc) -> str:
	return _("{0} {1} was cancelled or deleted").format(_(doc.doctype), doc.name)


def update_deal_compliance(reference_doctype: str, reference_name: str, states=None, as_of=None):
	if reference_doctype != opportunity.DOCTYPE:
		return
	states = states if states is not None else record_states(reference_doctype, reference_name)
	# the column cannot hold "nothing due yet" (Frappe's Percent is NOT NULL); the panel shows that
	rate = compliance_rate(states, as_of or now_datetime())
	frappe.db.set_value(reference_doctype, reference_name, "sp_compliance", rate or 0, update_modified=False)


def reassign_open_records(reference_doctype: str, reference_name: str, new_rep: str, old_rep: str | None):
	"""A manager gave the deal to another rep: its open records follow, and say so."""
	names = frappe.get_all(
		RECORD,
		filters={
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"status": ("in", RecordStatus.OPEN),
		},
		pluck="name",
	)
	with compliance_rollup.bulk_write(names):
		for name in names:
			frappe.db.set_value(RECORD, name, "assigned_to", new_rep)
	for name in names:
		frappe.get_doc(
			{
				"doctype": "Comment",
				"comment_type": "Info",
				"reference_doctype": RECORD,
				"reference_name": name,
				"content": _("Reassigned from {0} to {1} by {2}").format(
					old_rep or "-", new_rep, frappe.session.user
				),
			}
		).insert(ignore_permissions=True)
	return names
