"""Whitelisted methods behind the Opportunity form's checkpoint panel."""

from __future__ import annotations

import frappe
from frappe import _

from sales_process.engine.triggers import document_key
from sales_process.process import checkpoints, deals, objections, selling, visits

RECORD = checkpoints.RECORD


def _deal_for_record(record_name: str, permission: str):
	if not frappe.db.exists(RECORD, record_name):
		frappe.throw(_("Checkpoint record {0} does not exist.").format(record_name), frappe.DoesNotExistError)
	record = frappe.get_doc(RECORD, record_name)
	record.check_permission(permission)
	deal = deals.load(record.reference_doctype, record.reference_name)
	return record, deal


@frappe.whitelist()
def get_checkpoint_panel(reference_doctype: str, reference_name: str) -> dict:
	"""Records of a deal with their live traffic light, what each still lacks, and compliance.

	For a Quotation or Sales Order: the records of its deal that this document started.
	"""
	if not frappe.has_permission(reference_doctype, "read", reference_name):
		frappe.throw(
			_("You cannot read {0} {1}.").format(_(reference_doctype), reference_name), frappe.PermissionError
		)
	if reference_doctype in selling.SUBMIT_GATE:
		deal = selling.deal_of(frappe.get_doc(reference_doctype, reference_name))
		if deal is None:
			return {"records": [], "compliance": None}
		return checkpoints.panel(deal, trigger_key=document_key(reference_doctype, reference_name))
	return checkpoints.panel(deals.load(reference_doctype, reference_name))


@frappe.whitelist(methods=["POST"])
def complete_checkpoint(record: str, summary: str | None = None, attachment: str | None = None) -> dict:
	"""Complete a checkpoint with its evidence; the server checks it and stamps who and when."""
	record_doc, deal = _deal_for_record(record, "write")
	checkpoints.complete(record_doc, deal, summary=summary, attachment=attachment)
	return {"status": record_doc.status, "completed_on": record_doc.completed_on}


@frappe.whitelist(methods=["POST"])
def waive_checkpoint(record: str, reason: str) -> dict:
	"""Waive a checkpoint with a reason (only the checkpoint's waiver role)."""
	record_doc, deal = _deal_for_record(record, "read")
	checkpoints.waive(record_doc, deal, reason)
	return {"status": record_doc.status}


@frappe.whitelist(methods=["POST"])
def record_competitor(
	reference_doctype: str,
	reference_name: str,
	competitor: str,
	customer_concern: str,
	our_advantages: str,
	competitor_model: str | None = None,
) -> str:
	"""Name a competitor on the deal and record how we answer it, in one step (4 inputs)."""
	if not frappe.has_permission(reference_doctype, "write", reference_name):
		frappe.throw(
			_("You cannot change {0} {1}.").format(_(reference_doctype), reference_name),
			frappe.PermissionError,
		)
	response = frappe.get_doc(
		{
			"doctype": "Sales Competitor Response",
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"competitor": competitor,
			"competitor_model": competitor_model,
			"customer_concern": customer_concern,
			"our_advantages": our_advantages,
		}
	)
	response.insert()
	return response.name


def _visit(name: str):
	"""Only the rep who logs the visit checks in, adds the photo and checks out: nobody acts for them."""
	visit = frappe.get_doc("Sales Visit Log", name)
	visit.check_permission("write")
	if visit.rep != frappe.session.user:
		frappe.throw(
			_("Only {0}, whose visit this is, can check in, add its photo or check out.").format(visit.rep),
			frappe.PermissionError,
		)
	return visit


@frappe.whitelist(methods=["POST"])
def check_in(visit: str, latitude: float, longitude: float, accuracy: float | None = None) -> dict:
	"""Check in with the browser's location; the server stamps time, distance and geofence."""
	doc = _visit(visit)
	visits.check_in(doc, latitude, longitude, accuracy)
	return {
		"geofence_result": doc.geofence_result,
		"distance_m": doc.distance_m,
		"needs_review": doc.needs_review,
	}


@frappe.whitelist(methods=["POST"])
def check_out(visit: str) -> dict:
	doc = _visit(visit)
	visits.check_out(doc)
	return {"duration": doc.duration}


@frappe.whitelist(methods=["POST"])
def add_visit_photo(visit: str, file_url: str) -> dict:
	"""Watermark the photo uploaded to the visit and keep its original's SHA-256."""
	doc = _visit(visit)
	visits.add_photo(doc, file_url)
	return {"photo": doc.photo, "photo_sha256": doc.photo_sha256}


@frappe.whitelist(methods=["POST"])
def upload_visit_photo() -> dict:
	"""Frappe's upload_file hands this the bytes exactly as the phone sent them (before any
	EXIF stripping), so the SHA-256 kept is of the real original."""
	doc = _visit(frappe.form_dict.docname)
	visits.add_photo_bytes(doc, frappe.local.uploaded_file, file_name=frappe.local.uploaded_filename)
	return {"photo": doc.photo, "photo_sha256": doc.photo_sha256}


@frappe.whitelist(methods=["POST"])
def review_visit(visit: str) -> None:
	"""A Sales Manager marks a flagged visit as reviewed."""
	doc = frappe.get_doc("Sales Visit Log", visit)
	doc.check_permission("read")
	visits.review(doc)


@frappe.whitelist()
def suggest_objection_type(text: str) -> str | None:
	"""The objection type the words point to, for the rep to confirm with one tap."""
	return objections.suggest(text)
