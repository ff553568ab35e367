"""Sales Visit Log gained the deal's company (the visit rollup's company key): fill it for the
visits made before, retire the report index that lacked it, and count every visit into the rollup."""

import frappe
from frappe.query_builder.functions import Coalesce

from sales_process.patches.v0_4.set_visit_progress import drop_former_indexes
from sales_process.process import visit_rollup


def execute():
	drop_former_indexes()
	visit = frappe.qb.DocType("Sales Visit Log")
	deal = frappe.qb.DocType("Opportunity")
	deal_company = frappe.qb.from_(deal).select(deal.company).where(deal.name == visit.reference_name)
	(
		frappe.qb.update(visit)
		.set(
			visit.company, Coalesce(deal_company, visit.company)
		)  # a function keeps the subquery in brackets
		.where((visit.reference_doctype == "Opportunity") & visit.company.isnull())
		.run()
	)
	visit_rollup.rebuild()
