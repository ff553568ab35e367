import frappe
from frappe.model.document import Document


class SalesStageMonth(Document):
	"""Written only by sales_process.process.stage_rollup; see there."""


def on_doctype_update():
	frappe.db.add_index("Sales Stage Month", ["month", "rep"])
