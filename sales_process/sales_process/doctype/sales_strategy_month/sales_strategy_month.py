import frappe
from frappe.model.document import Document

from sales_process.engine.strategy_uses import STRATEGY_ROLLUP_COUNTS, STRATEGY_ROLLUP_KEYS
from sales_process.process.rollups import report_index_columns
from sales_process.setup.indexes import drop_superseded_index


class SalesStrategyMonth(Document):
	"""Written only by sales_process.process.strategy_rollup; see there."""


def on_doctype_update():
	# a team lead's year is some 37 k rep rows: summed from this index alone, not row by row
	frappe.db.add_index(
		"Sales Strategy Month",
		report_index_columns(STRATEGY_ROLLUP_KEYS, STRATEGY_ROLLUP_COUNTS),
		"report_counts",
	)
	drop_superseded_index("Sales Strategy Month", "month_rep_index")  # the (month, rep) index of 0.10
