import frappe
from frappe.model.document import Document


class SalesComplianceMonth(Document):
	"""Written only by sales_process.process.compliance_rollup; see there."""


def on_doctype_update():
	frappe.db.add_index("Sales Compliance Month", ["month", "company"])
