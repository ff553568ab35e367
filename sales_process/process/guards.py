"""Guards the controllers share: stamped fields, reassignment, and the right to add to a deal."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt, get_datetime


def keep_stored(doc, before, fieldnames) -> None:
	"""Fields only the server sets take their stored value, whatever the request sent (a new
	document has none)."""
	for fieldname in fieldnames:
		doc.set(fieldname, before.get(fieldname) if before is not None else None)


def changed_fields(doc, before, fieldnames) -> list[str]:
	"""Fields whose value differs in meaning, not in spelling: the browser sends 15 for a stored 15.0."""
	if before is None:
		return []
	return [f for f in fieldnames if not same_value(doc.meta.get_field(f), doc.get(f), before.get(f))]


def same_value(df, new, old) -> bool:
	if not new and not old:
		return True
	if df and df.fieldtype in ("Float", "Percent", "Currency", "Int", "Check", "Duration"):
		return abs(flt(new) - flt(old)) < 1e-6
	if df and df.fieldtype in ("Datetime", "Date"):
		try:
			return get_datetime(new) == get_datetime(old)
		except Exception:
			return False
	return str(new or "") == str(old or "")


def guard_reassignment(doc, fieldname: str = "assigned_to"):
	"""Only managers give a record to someone else, and the move is written on the record."""
	from sales_process.permissions import is_manager

	before = doc.get_doc_before_save()
	if before is None or (before.get(fieldname) or None) == (doc.get(fieldname) or None):
		return
	if not is_manager():
		frappe.throw(
			_("Only a Sales Manager can reassign {0} {1}; it stays with {2}.").format(
				_(doc.doctype), doc.name, before.get(fieldname) or "-"
			),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	doc.add_comment(
		"Info",
		_("Reassigned from {0} to {1} by {2}").format(
			before.get(fieldname) or "-", doc.get(fieldname) or "-", frappe.session.user
		),
	)


def require_write_on_deal(doc):
	"""Adding an objection, a risk, a competitor response or a visit to a deal needs the right to change it.

	Documents the process itself creates (from an email, a visit summary) pass
	with `ignore_permissions`.
	"""
	if doc.flags.ignore_permissions or not doc.get("reference_doctype") or not doc.get("reference_name"):
		return
	if not frappe.has_permission(doc.reference_doctype, "write", doc.reference_name):
		frappe.throw(
			_(
				"You cannot add a {0} to {1} {2}: you cannot change that deal. Ask its rep or a Sales Manager."
			).format(_(doc.doctype), _(doc.reference_doctype), doc.reference_name),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
