import frappe
from frappe.model.document import Document


class SalesStrategyUse(Document):
	"""Written only by sales_process.process.strategy_rollup; see there."""


def on_doctype_update():
	frappe.db.add_index("Sales Strategy Use", ["reference_doctype", "reference_name"])
	# a part of a month, or a territory filter: the uses first made in a range
	frappe.db.add_index("Sales Strategy Use", ["company", "first_used_on"])
