"""Communication hooks: an incoming email on an Opportunity is read for objections and risks.

Reading it must never cost the email: any failure is logged and undone on its
own, and the email is stored as usual.
"""

import frappe
from frappe.utils import strip_html

from sales_process.adapters import opportunity
from sales_process.process import deals, objections

SAVEPOINT = "sales_process_email"


def after_insert(doc, method=None):
	if doc.communication_type != "Communication" or doc.sent_or_received != "Received":
		return
	if doc.reference_doctype != opportunity.DOCTYPE or not doc.reference_name:
		return
	frappe.db.savepoint(SAVEPOINT)
	try:
		_read_for_objections(doc)
	except Exception:
		frappe.db.rollback(save_point=SAVEPOINT)
		frappe.log_error(
			title="Sales Process: reading an email for objections failed",
			reference_doctype=doc.doctype,
			reference_name=doc.name,
		)


def _read_for_objections(doc):
	values = opportunity.light_values(doc.reference_name)
	if not deals.opportunity_under_control(values):
		return
	text = strip_html(doc.content or "")
	words = f"{doc.subject or ''}\n{text}"
	topics = objections.topics(words)
	if not topics:
		return
	# a suggestion for the rep to confirm or correct: the best type filled in, marked as suggested;
	# it belongs to the deal's rep, whoever sent or received the email
	objection = frappe.get_doc(
		{
			"doctype": "Sales Objection",
			"reference_doctype": doc.reference_doctype,
			"reference_name": doc.reference_name,
			"objection_type": topics[0],
			"suggested": 1,
			"source": "Email",
			"customer_words": text[:1000] or doc.subject,
		}
	)
	objection.insert(ignore_permissions=True)
	objections.raise_risks_in(words, doc.reference_doctype, doc.reference_name, doc)
