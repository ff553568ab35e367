import frappe
from frappe.model.document import Document

from sales_process.engine.deal_history import FACT_COUNTS


class SalesDealMonth(Document):
	"""Written only by sales_process.process.deal_rollup; see there."""


def on_doctype_update():
	# Target Back-calculation sums a history's months per rep and furthest stage for one company
	frappe.db.add_index("Sales Deal Month", ["company", "month", "furthest"])
	# ... and its fact counts from this one alone, in (rep, furthest) order: no row lookups, no sort
	frappe.db.add_index(
		"Sales Deal Month", ["company", "rep", "furthest", "month", *FACT_COUNTS], "history_counts"
	)
