"""Lead hooks: score the lead when it is saved, again when something happens with it (an email, a
call, a meeting, a visit), and show why on its form; an Opportunity made from it keeps its score.

Companies outside the process are left alone (only the app's own fields, which nobody but the
server writes, keep their stored value everywhere). Scoring after an engagement must never cost
the engagement: a failure is logged and undone on its own.
"""

from __future__ import annotations

import frappe

from sales_process.process import alerts, leads
from sales_process.process.guards import keep_stored
from sales_process.process.settings import enrolled_companies

SAVEPOINT = "sales_process_lead_score"


def validate(doc, method=None):
	before = doc.get_doc_before_save()
	keep_stored(doc, before, leads.SERVER_FIELDS)
	if doc.get("company") not in enrolled_companies():
		return
	setup = leads.active_rule(doc.company)
	if setup is None:
		return
	# under a rule the pool criteria qualify a lead, not whoever edits it
	keep_stored(doc, before, leads.QUALIFICATION_FIELDS)
	contacted = leads.score_document(doc, before, setup)
	if contacted and not doc.is_new():
		alerts.acted(
			leads.LEAD_CONTACTED, doc.lead_owner or doc.owner, on=contacted, reference=(doc.doctype, doc.name)
		)


def onload(doc, method=None):
	breakdown = leads.breakdown(doc)
	if breakdown:
		doc.set_onload("sp_lead_score", breakdown)


# engagements


def communication_after_insert(doc, method=None):
	if doc.communication_type != "Communication":
		return
	names = [doc.reference_name] if doc.reference_doctype == leads.LEAD and doc.reference_name else []
	names += [row.link_name for row in doc.get("timeline_links") or [] if row.link_doctype == leads.LEAD]
	_engaged(names, doc)


def event_on_update(doc, method=None):
	if doc.status == "Cancelled":
		return
	_engaged(
		[
			row.reference_docname
			for row in doc.get("event_participants") or []
			if row.reference_doctype == leads.LEAD
		],
		doc,
	)


def call_log_on_update(doc, method=None):
	if doc.status != "Completed":
		return
	_engaged([row.link_name for row in doc.get("links") or [] if row.link_doctype == leads.LEAD], doc)


def visit_on_update(doc, method=None):
	if doc.party_type == leads.LEAD and doc.party and doc.check_in_time:
		_engaged([doc.party], doc)


def _engaged(names: list[str], source):
	names = sorted({name for name in names if name})
	if not names or not enrolled_companies():
		return
	frappe.db.savepoint(SAVEPOINT)
	try:
		leads.rescore(names, live=True)
	except Exception:
		frappe.db.rollback(save_point=SAVEPOINT)
		frappe.log_error(
			title="Sales Process: scoring a lead after an engagement failed",
			reference_doctype=source.doctype,
			reference_name=source.name,
		)
