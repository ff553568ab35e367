"""Communication hooks: an incoming email on an Opportunity is read for objections."""

import frappe
from frappe.utils import strip_html

from sales_process.adapters import opportunity
from sales_process.process import objections
from sales_process.process.settings import is_under_process_control


def after_insert(doc, method=None):
	if doc.communication_type != "Communication" or doc.sent_or_received != "Received":
		return
	if doc.reference_doctype != opportunity.DOCTYPE or not doc.reference_name:
		return
	company, owner = frappe.db.get_value(
		opportunity.DOCTYPE, doc.reference_name, ["company", "opportunity_owner"]
	) or (None, None)
	if not is_under_process_control(company):
		return
	text = strip_html(doc.content or "")
	objection_type = objections.suggest(f"{doc.subject or ''}\n{text}")
	if not objection_type:
		return
	# a suggestion for the rep to confirm or correct: type filled, marked as suggested
	frappe.get_doc(
		{
			"doctype": "Sales Objection",
			"reference_doctype": doc.reference_doctype,
			"reference_name": doc.reference_name,
			"objection_type": objection_type,
			"suggested": 1,
			"source": "Email",
			"customer_words": text[:1000] or doc.subject,
			"assigned_to": owner,
		}
	).insert(ignore_permissions=True)
