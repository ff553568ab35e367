import frappe
from frappe.model.document import Document

from sales_process.engine.objections_report import ITEM_GROUP_COUNTS, ITEM_GROUP_KEYS
from sales_process.process.rollups import report_index_columns
from sales_process.setup.indexes import drop_superseded_index


class SalesObjectionItemGroupMonth(Document):
	"""Written only by sales_process.process.objection_rollup; see there."""


def on_doctype_update():
	# a team lead's year is some 37 k rep rows: summed from this index alone, not row by row
	frappe.db.add_index(
		"Sales Objection Item Group Month",
		report_index_columns(ITEM_GROUP_KEYS, ITEM_GROUP_COUNTS),
		"report_counts",
	)
	drop_superseded_index(
		"Sales Objection Item Group Month", "month_rep_index"
	)  # the (month, rep) index of 0.10
