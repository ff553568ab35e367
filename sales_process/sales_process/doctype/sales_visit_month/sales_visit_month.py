import frappe
from frappe.model.document import Document


class SalesVisitMonth(Document):
	"""Written only by sales_process.process.visit_rollup; see there."""


def on_doctype_update():
	# Visit Effectiveness sums a period's months per rep (company filter, rep filter from the scope)
	frappe.db.add_index("Sales Visit Month", ["month", "rep"])
