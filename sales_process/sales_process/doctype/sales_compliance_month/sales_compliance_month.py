import frappe
from frappe.model.document import Document

from sales_process.engine.compliance import COUNT_COLUMNS


class SalesComplianceMonth(Document):
	"""Written only by sales_process.process.compliance_rollup; see there."""


# Process Compliance and Funnel Health sum the counts from these indexes alone, each ordered for
# one way of reading: a month (0.30 s by a table scan, 0.12 s from the index); a year per rep and
# checkpoint, streamed in GROUP BY order instead of sorting 70 k rows in a temporary table
# (0.27 s -> 0.09 s); a year per stage (0.18 s -> 0.04 s)
REPORT_INDEXES = {
	"report_counts": ["month", "company", "assigned_to", "checkpoint", "stage"],
	"rep_counts": ["company", "assigned_to", "checkpoint", "month", "stage"],
	"stage_counts": ["company", "stage", "month"],
}


def on_doctype_update():
	frappe.db.add_index("Sales Compliance Month", ["month", "company"])
	for name, keys in REPORT_INDEXES.items():
		frappe.db.add_index("Sales Compliance Month", keys + COUNT_COLUMNS, index_name=name)
