"""Which files are evidence, and what may never happen to them.

Evidence of a completed or waived checkpoint record and the photos of a visit
(original and stamped copy) cannot be deleted, made public, re-linked to
another document, renamed or rewritten. The verdict is read from the stored
File row, never from the request that tries to change it.
"""

from __future__ import annotations

import frappe
from frappe import _

from sales_process.engine.rules import RecordStatus

RECORD = "Sales Checkpoint Record"
VISIT = "Sales Visit Log"
VISIT_PHOTO_FIELDS = ("photo", "photo_original")
# what a File must keep once it is evidence
LOCKED_FIELDS = (
	"file_url",
	"file_name",
	"is_private",
	"attached_to_doctype",
	"attached_to_name",
	"attached_to_field",
	"content_hash",
	"file_size",
)
EVIDENCE_STATUSES = (RecordStatus.COMPLETED, RecordStatus.WAIVED)


def protection_of(file_name: str | None) -> str | None:
	"""Why the stored File `file_name` is evidence (a sentence for the refusal), or None."""
	if not file_name:
		return None
	row = frappe.db.get_value(
		"File",
		file_name,
		["file_name", "attached_to_doctype", "attached_to_name", "attached_to_field"],
		as_dict=True,
	)
	return _reason(row) if row else None


def _reason(row) -> str | None:
	if row.attached_to_doctype == VISIT and row.attached_to_field in VISIT_PHOTO_FIELDS:
		return _("{0} is the photo evidence of visit {1}.").format(
			frappe.bold(row.file_name), row.attached_to_name
		)
	if row.attached_to_doctype == RECORD and row.attached_to_name:
		status = frappe.db.get_value(RECORD, row.attached_to_name, "status")
		if status in EVIDENCE_STATUSES:
			return _("{0} is evidence of checkpoint record {1}, which is {2}.").format(
				frappe.bold(row.file_name), row.attached_to_name, _(status)
			)
	return None


def refuse_change(file_doc, action: str):
	"""Raise before anything reaches the disk when `action` would alter evidence.

	`action` is "delete", "rewrite" or "save" (a save is refused only if it
	changes a locked field, or attaches a new file to closed evidence).
	"""
	if file_doc.flags.get("sp_system_write"):
		return
	if file_doc.is_new():
		_refuse_adding_to_closed_evidence(file_doc)
		return
	reason = protection_of(file_doc.name)
	if not reason:
		if action == "save":
			_refuse_adding_to_closed_evidence(file_doc)
		return
	if action == "save":
		stored = frappe.db.get_value("File", file_doc.name, LOCKED_FIELDS, as_dict=True)
		changed = [f for f in LOCKED_FIELDS if str(stored.get(f) or "") != str(file_doc.get(f) or "")]
		if not changed:
			return
	message = {
		"delete": _("{0} It cannot be deleted."),
		"rewrite": _("{0} It cannot be optimised or rewritten."),
		"save": _("{0} It cannot be renamed, made public or moved to another document."),
	}[action]
	frappe.throw(message.format(reason), frappe.PermissionError, title=_("Evidence Is Immutable"))


def _refuse_adding_to_closed_evidence(file_doc):
	if file_doc.attached_to_doctype == RECORD and file_doc.attached_to_name:
		status = frappe.db.get_value(RECORD, file_doc.attached_to_name, "status")
		if status in EVIDENCE_STATUSES:
			frappe.throw(
				_("Checkpoint record {0} is {1}: no file can be added to its evidence.").format(
					file_doc.attached_to_name, _(status)
				),
				frappe.PermissionError,
				title=_("Evidence Is Immutable"),
			)
	if file_doc.attached_to_doctype == VISIT and file_doc.attached_to_field in VISIT_PHOTO_FIELDS:
		frappe.throw(
			_("The photo of visit {0} is added with Add Photo.").format(file_doc.attached_to_name),
			frappe.PermissionError,
			title=_("Evidence Is Immutable"),
		)
