"""File hooks: evidence of a closed checkpoint and a visit's photos cannot be deleted or swapped."""

import frappe
from frappe import _

from sales_process.engine.rules import RecordStatus
from sales_process.process.checkpoints import RECORD

VISIT = "Sales Visit Log"
VISIT_PHOTO_FIELDS = ("photo", "photo_original")


def on_trash(doc, method=None):
	if doc.attached_to_doctype == VISIT and doc.attached_to_field in VISIT_PHOTO_FIELDS:
		frappe.throw(
			_("{0} is the photo evidence of visit {1}; it cannot be deleted.").format(
				frappe.bold(doc.file_name), doc.attached_to_name
			),
			frappe.PermissionError,
		)
	if doc.attached_to_doctype != RECORD or not doc.attached_to_name:
		return
	status = frappe.db.get_value(RECORD, doc.attached_to_name, "status")
	if status in (RecordStatus.COMPLETED, RecordStatus.WAIVED):
		frappe.throw(
			_("{0} is evidence of checkpoint record {1}, which is {2}; it cannot be deleted.").format(
				frappe.bold(doc.file_name), doc.attached_to_name, _(status)
			),
			frappe.PermissionError,
		)
