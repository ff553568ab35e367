import frappe
from frappe.model.document import Document


class SalesObjectionItemGroupMonth(Document):
	"""Written only by sales_process.process.objection_rollup; see there."""


def on_doctype_update():
	frappe.db.add_index("Sales Objection Item Group Month", ["month", "rep"])
