import frappe
from frappe.model.document import Document


class SalesOpenPipeline(Document):
	"""Written only by sales_process.process.deal_rollup; see there."""


def on_doctype_update():
	frappe.db.add_index("Sales Open Pipeline", ["company", "rep"])
