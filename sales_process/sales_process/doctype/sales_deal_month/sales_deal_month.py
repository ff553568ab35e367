import frappe
from frappe.model.document import Document


class SalesDealMonth(Document):
	"""Written only by sales_process.process.deal_rollup; see there."""


def on_doctype_update():
	# Target Back-calculation sums a history's months per rep and furthest stage for one company
	frappe.db.add_index("Sales Deal Month", ["company", "month", "furthest"])
