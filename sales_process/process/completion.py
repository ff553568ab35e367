"""Closing checkpoint records: completed with evidence, verified by the system, or waived by a manager."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, now_datetime

from sales_process.engine.alerts import Acted
from sales_process.engine.compliance import completed_on_time
from sales_process.engine.matching import MatchResult
from sales_process.engine.rules import RecordStatus
from sales_process.process import alerts, compliance_rollup, evidence, visits
from sales_process.process import rule_book as book_module
from sales_process.process.deals import Deal
from sales_process.process.records import RECORD, update_deal_compliance
from sales_process.process.settings import allows_self_approval


def complete(record, deal: Deal, summary: str | None = None, attachments=(), note: str | None = None):
	"""Mark a record Completed when its evidence is sufficient; refuse with what is missing.

	Every file the rep names must have been uploaded to this record; every file
	on the record must be private, and each one is fingerprinted.
	"""
	refuse_if_closed(record, deal)
	if summary is not None:
		record.summary = summary
	evidence.check_named_files(record, [url for url in attachments if url])
	missing = evidence.missing_for(record, deal)
	if missing:
		frappe.throw(
			_("Checkpoint {0} of {1} cannot be completed yet:").format(
				frappe.bold(_(record.checkpoint)), deal.label
			)
			+ "<ul>"
			+ "".join(f"<li>{frappe.utils.escape_html(evidence.translate(m))}</li>" for m in missing)
			+ "</ul>",
			title=_("Evidence Missing"),
		)
	files = evidence.fingerprint_files(record)
	record.set("evidence_files", files)
	if note is None and book_module.uses_purchase_match(record.checkpoint):
		# what the server found is the evidence: say it on the record
		match = evidence.purchase_match_of(record)
		if match is not None:
			note = auto_note(match)
			record.match_ratio = match.ratio or 0
	if files:
		record.attachment = files[0]["file"]
		record.evidence_hash = files[0]["sha256"]
		# the record's own Attach field points at the uploaded File, so Frappe makes no public copy
		frappe.db.set_value(
			"File",
			{"file_url": record.attachment, "attached_to_doctype": RECORD, "attached_to_name": record.name},
			"attached_to_field",
			"attachment",
			update_modified=False,
		)
	_close(record, RecordStatus.COMPLETED, note=note)
	return record


def refuse_if_closed(record, deal: Deal):
	if record.status in RecordStatus.CLOSED:
		frappe.throw(
			_("Checkpoint {0} of {1} is already {2}; its evidence can no longer be changed.").format(
				frappe.bold(_(record.checkpoint)), deal.label, _(record.status)
			),
			title=_("Checkpoint Closed"),
		)


def auto_complete(record, deal: Deal, match: MatchResult | None, note: str):
	"""The system read the evidence from the deal itself: close the record with one UPDATE.

	This runs inside a Quotation submit or a form save, so it skips the full
	document save a rep's completion goes through.
	"""
	if match is not None:
		record.match_ratio = match.ratio or 0
	_close(record, RecordStatus.COMPLETED, note=note, light=True)


def waive(record, deal: Deal, reason: str):
	"""A manager decides a checkpoint does not apply here; never on their own deal."""
	book = book_module.rule_book()
	role = book_module.waiver_role(book, record.checkpoint)
	user = frappe.session.user
	if role not in frappe.get_roles(user):
		frappe.throw(
			_("Only a user with the role {0} can waive checkpoint {1}.").format(
				frappe.bold(_(role)), frappe.bold(_(record.checkpoint))
			),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	if is_own(user, record, deal):
		frappe.throw(
			_(
				"{0} is your own deal: ask another {1} to waive checkpoint {2}. Sales Process Settings can allow managers to waive their own deals."
			).format(deal.label, _(role), frappe.bold(_(record.checkpoint))),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	refuse_if_closed(record, deal)
	if not (reason or "").strip():
		frappe.throw(_("Write why checkpoint {0} is waived.").format(frappe.bold(_(record.checkpoint))))
	record.waived_by = user
	record.waived_on = now_datetime()
	record.waiver_reason = reason.strip()
	record.status = RecordStatus.WAIVED
	_save_closed(record)


def is_own(user: str, record, deal: Deal) -> bool:
	"""A manager's own deal (Administrator, the site's system account, is nobody's rep)."""
	return user != "Administrator" and user in {record.assigned_to, deal.rep} and not allows_self_approval()


def on_time(record, completed_on) -> bool:
	return completed_on_time(
		get_datetime(record.triggered_on) if record.triggered_on else None,
		get_datetime(record.due_on) if record.due_on else None,
		completed_on,
	)


def _close(record, status: str, note: str | None = None, light: bool = False):
	now = now_datetime()
	record.status = status
	record.completed_by = frappe.session.user
	record.completed_on = now
	record.on_time = cint(on_time(record, now))
	if note:
		record.evidence_note = note
	_save_closed(record, light=light)
	if status == RecordStatus.COMPLETED:
		# a completed checkpoint is progress for the visits on the deal before it
		visits.mark_progress(record.reference_doctype, record.reference_name, record.completed_on)


def _save_closed(record, light: bool = False):
	if light:
		with compliance_rollup.bulk_write([record.name]):
			record.modified = now_datetime()
			record.db_update()
	else:
		record.flags.sp_system_write = True
		record.save(ignore_permissions=True)
	update_deal_compliance(record.reference_doctype, record.reference_name)
	# the alerts about this record were answered by closing it
	how = Acted.WAIVED if record.status == RecordStatus.WAIVED else Acted.COMPLETED
	alerts.acted(how, frappe.session.user, subject=(RECORD, record.name))


def settle_auto_verified(blockers, deal: Deal, match: MatchResult | None = None):
	"""Complete blocking records whose evidence the system can read itself; return the rest."""
	book = book_module.rule_book()
	remaining = []
	for blocker in blockers:
		rule = book.rule(blocker.checkpoint)
		if blocker.record and rule and book_module.is_auto_verified(rule):
			record = frappe.get_doc(RECORD, blocker.record)
			if not evidence.missing_for(record, deal, match):
				auto_complete(record, deal, match, auto_note(match))
				continue
		remaining.append(blocker)
	return remaining


def settle_started_by(reference_doctype: str, reference_name: str, trigger_key: str, note: str):
	"""Complete the deal's open records started by `trigger_key` whose evidence is now met.

	Used when the evidence lives in another document (a competitor response, a
	risk signal's strategy): saving that document settles its checkpoint.
	"""
	names = frappe.get_all(
		RECORD,
		filters={
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"trigger_key": trigger_key,
			"status": ("in", RecordStatus.OPEN),
		},
		pluck="name",
	)
	if not names:
		return
	from sales_process.process.deals import load

	deal = load(reference_doctype, reference_name)
	for name in names:
		record = frappe.get_doc(RECORD, name)
		if not evidence.missing_for(record, deal):
			auto_complete(record, deal, None, note)


def auto_note(match: MatchResult | None) -> str:
	if match is None:
		return _("Verified automatically from the deal")
	if match.ratio is None:
		return _("Verified automatically: the customer has no purchase history to compare with")
	return _("Verified automatically: {0}% of the quoted items match the purchase history").format(
		f"{match.ratio:g}"
	)
