import frappe
from frappe.model.document import Document


class SalesComplianceMonth(Document):
	"""Written only by sales_process.process.compliance_rollup; see there."""


def on_doctype_update():
	frappe.db.add_index("Sales Compliance Month", ["month", "company"])
	# Process Compliance and Funnel Health sum the counts per rep, checkpoint or stage from this index
	# alone (a month of a large org: 0.30 s by a table scan, 0.12 s from the index)
	frappe.db.add_index(
		"Sales Compliance Month",
		[
			"month",
			"company",
			"assigned_to",
			"checkpoint",
			"stage",
			"due",
			"completed",
			"on_time",
			"waived",
			"open_overdue",
		],
		index_name="report_counts",
	)
