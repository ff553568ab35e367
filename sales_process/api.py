"""Whitelisted methods behind the checkpoint panel, the visit form and the stage picker.

Every method checks the caller's permission on the stored documents it touches;
nothing it is sent decides who owns what.
"""

from __future__ import annotations

import json

import frappe
from frappe import _

from sales_process.adapters import opportunity
from sales_process.engine.triggers import document_key
from sales_process.process import alerts, completion, deals, gates, objections, panel, selling, visits
from sales_process.process.records import RECORD


def _deal_for_record(record_name: str, permission: str):
	if not frappe.db.exists(RECORD, record_name):
		frappe.throw(_("Checkpoint record {0} does not exist.").format(record_name), frappe.DoesNotExistError)
	record = frappe.get_doc(RECORD, record_name)
	record.check_permission("read")
	deal = deals.load(record.reference_doctype, record.reference_name)
	completion.refuse_if_closed(record, deal)
	if permission != "read":
		record.check_permission(permission)
	return record, deal


def _require(doctype: str, name: str, permission: str):
	if not frappe.has_permission(doctype, permission, name):
		message = _("You cannot read {0} {1}.") if permission == "read" else _("You cannot change {0} {1}.")
		frappe.throw(message.format(_(doctype), name), frappe.PermissionError)


def _list(value) -> list:
	if value in (None, ""):
		return []
	if isinstance(value, str):
		try:
			value = json.loads(value)
		except ValueError:
			return [value]
	return list(value) if isinstance(value, list | tuple) else [value]


@frappe.whitelist()
def get_checkpoint_panel(reference_doctype: str, reference_name: str) -> dict:
	"""Records of a deal (those the user may read) with their live light, what each lacks, and compliance.

	For a Quotation or Sales Order: the records of its deal that this document started.
	"""
	_require(reference_doctype, reference_name, "read")
	if reference_doctype in selling.SUBMIT_GATE:
		deal = selling.deal_of(frappe.get_doc(reference_doctype, reference_name))
		if deal is None:
			return {"records": [], "compliance": None}
		return panel.panel(deal, trigger_key=document_key(reference_doctype, reference_name))
	return panel.panel(deals.load(reference_doctype, reference_name))


@frappe.whitelist(methods=["POST"])
def complete_checkpoint(
	record: str,
	summary: str | None = None,
	attachment: str | None = None,
	attachments: str | list | None = None,
	decision_makers: str | list | None = None,
	strategy: str | None = None,
) -> dict:
	"""Complete a checkpoint with its evidence; the server checks it and stamps who and when.

	In the same step the rep may add the decision-chain people the checkpoint
	asks for (contact or name + role) and choose the strategy of a risk signal.
	"""
	record_doc, deal = _deal_for_record(record, "write")
	people = [person for person in _list(decision_makers) if isinstance(person, dict)]
	if people:
		if deal.doctype != opportunity.DOCTYPE:
			frappe.throw(_("Decision makers are marked on an Opportunity."))
		opportunity.add_decision_makers(deal.name, people)  # the rep's write permission on the deal applies
		deal = deals.load(deal.doctype, deal.name)
	if strategy:
		objections.choose_risk_strategy(record_doc, strategy)
		record_doc.reload()
		if record_doc.status != "Completed":
			completion.complete(record_doc, deal)
		return {"status": record_doc.status, "completed_on": record_doc.completed_on}
	files = [url for url in [attachment, *_list(attachments)] if url]
	completion.complete(record_doc, deal, summary=summary, attachments=files)
	return {"status": record_doc.status, "completed_on": record_doc.completed_on}


@frappe.whitelist(methods=["POST"])
def waive_checkpoint(record: str, reason: str) -> dict:
	"""Waive a checkpoint with a reason (only the checkpoint's waiver role, never on one's own deal)."""
	record_doc, deal = _deal_for_record(record, "read")
	completion.waive(record_doc, deal, reason)
	return {"status": record_doc.status}


@frappe.whitelist()
def check_stage_move(opportunity_name: str, stage: str | None = None) -> dict:
	"""Would moving the deal to `stage` be refused? Asked by the form as soon as the rep picks a stage."""
	_require(opportunity.DOCTYPE, opportunity_name, "read")
	doc = opportunity.load(opportunity_name)
	before = frappe.get_doc(doc.as_dict())
	doc.sales_stage = stage or None
	frappe.db.savepoint("sales_process_precheck")
	try:
		if deals.opportunity_under_control(doc, before):
			gates.check_stage_move(
				deals.from_opportunity(doc, before), before.sales_stage or None, stage or None
			)
	except gates.CheckpointGateError as error:
		frappe.clear_last_message()
		return {"allowed": False, "message": str(error), "saved_stage": before.sales_stage}
	finally:
		# checkpoints the gate verified by itself are settled for real on save
		frappe.db.rollback(save_point="sales_process_precheck")
	return {"allowed": True, "saved_stage": before.sales_stage}


@frappe.whitelist()
@frappe.validate_and_sanitize_search_inputs
def stage_query(doctype, txt, searchfield, start, page_len, filters):
	"""Sales stages in process order (the app's Order), found by their name in English or in the
	user's language ("谈判" finds Negotiation/Review). A handful of rows: filtered here."""
	stage = frappe.qb.DocType("Sales Stage")
	rows = (
		frappe.qb.from_(stage)
		.select(stage.name)
		.orderby(stage.sp_sequence.isnull())
		.orderby(stage.sp_sequence)
		.orderby(stage.name)
		.run()
	)
	needle = (txt or "").casefold()
	found = [row for row in rows if needle in row[0].casefold() or needle in _(row[0]).casefold()]
	return found[int(start) : int(start) + int(page_len)]


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
	_require(reference_doctype, reference_name, "write")
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
	visit.check_permission("read")
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
def check_out(visit: str, summary: str | None = None, next_step: str | None = None) -> dict:
	"""Check out; the rep may write what was said and the next step in the same tap."""
	doc = _visit(visit)
	visits.check_out(doc, summary=summary, next_step=next_step)
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
def review_visit(visit: str, comment: str | None = None) -> None:
	"""A Sales Manager marks a flagged visit as reviewed, with a comment."""
	doc = frappe.get_doc("Sales Visit Log", visit)
	doc.check_permission("read")
	visits.review(doc, comment)


@frappe.whitelist(methods=["POST"])
def choose_risk_strategy(signal: str, strategy: str) -> dict:
	"""The rep chooses (or confirms) the response strategy of a risk signal: that completes its
	Risk Pre-registration. The rep's own permission on the signal applies."""
	doc = frappe.get_doc("Sales Risk Signal", signal)
	doc.strategy = strategy
	doc.save()
	return {"strategy": doc.strategy}


@frappe.whitelist()
def suggest_objection_type(text: str) -> str | None:
	"""The objection type the words point to, for the rep to confirm with one tap."""
	return objections.suggest(text)


@frappe.whitelist(methods=["POST"])
def snooze_alert(alert: str, until: str, reason: str) -> None:
	"""Put an alert's subject aside until a time, with a reason (the recipient or a manager)."""
	doc = frappe.get_doc(alerts.ALERT, alert)
	doc.check_permission("read")
	alerts.snooze(doc, until, reason)


@frappe.whitelist()
def visit_defaults(party_type: str, party: str) -> dict:
	"""What picking the customer fills in on a new visit: its site address and its only open deal."""
	_require(party_type, party, "read")
	return visits.defaults_for(party_type, party)
