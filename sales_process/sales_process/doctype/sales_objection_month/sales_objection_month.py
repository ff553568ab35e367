import frappe
from frappe.model.document import Document

from sales_process.engine.objections_report import ROLLUP_COUNTS, ROLLUP_KEYS
from sales_process.process.rollups import report_index_columns
from sales_process.setup.indexes import drop_superseded_index


class SalesObjectionMonth(Document):
	"""Written only by sales_process.process.objection_rollup; see there."""


def on_doctype_update():
	# a team lead's year is some 37 k rep rows: summed from this index alone, not row by row
	frappe.db.add_index(
		"Sales Objection Month", report_index_columns(ROLLUP_KEYS, ROLLUP_COUNTS), "report_counts"
	)
	drop_superseded_index("Sales Objection Month", "month_rep_index")  # the (month, rep) index of 0.10
