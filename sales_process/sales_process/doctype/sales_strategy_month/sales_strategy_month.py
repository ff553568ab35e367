import frappe
from frappe.model.document import Document


class SalesStrategyMonth(Document):
	"""Written only by sales_process.process.strategy_rollup; see there."""


def on_doctype_update():
	frappe.db.add_index("Sales Strategy Month", ["month", "rep"])
