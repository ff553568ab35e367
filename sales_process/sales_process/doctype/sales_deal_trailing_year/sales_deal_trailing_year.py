import frappe
from frappe.model.document import Document

from sales_process.engine.deal_history import FACT_COUNTS


class SalesDealTrailingYear(Document):
	"""Written only by sales_process.process.deal_rollup; see there."""


def on_doctype_update():
	# Target Back-calculation reads one month's rows of a company, per rep and furthest stage, and
	# their fact counts from this index alone
	frappe.db.add_index(
		"Sales Deal Trailing Year", ["company", "month", "rep", "furthest", *FACT_COUNTS], "history_counts"
	)
