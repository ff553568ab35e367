"""Deals saved outside the form (REST, Data Import, scripts) have an amount but none in the
company currency: ERPNext works it out only in the browser. Every report and the pipeline coverage
read the company-currency amount, so it is filled in for the enrolled companies' deals, and the
open value stamped on their objections is stamped again."""

import frappe

from sales_process.adapters import opportunity
from sales_process.process import objection_rollup
from sales_process.process.settings import enrolled_companies


def execute():
	names = opportunity.deals_without_base_amount(sorted(enrolled_companies()))
	if not names:
		return
	opportunity.backfill_base_amount(names)
	objection = frappe.qb.DocType("Sales Objection")
	with_objections = (
		frappe.qb.from_(objection)
		.select(objection.reference_name)
		.distinct()
		.where((objection.reference_doctype == opportunity.DOCTYPE) & objection.reference_name.isin(names))
		.run(pluck=True)
	)
	for name in with_objections:
		objection_rollup.restamp_deal(name)
