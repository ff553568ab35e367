"""A deal won by an order the process attributed to it keeps the status ERPNext left (Open,
Quotation): its objections were stamped as still putting its amount at stake. Stamp them again
(the rollup rows move with them)."""

import frappe

from sales_process.adapters import opportunity
from sales_process.process import objection_rollup


def execute():
	deal = frappe.qb.DocType(opportunity.DOCTYPE)
	objection = frappe.qb.DocType("Sales Objection")
	won_but_open = (
		frappe.qb.from_(objection)
		.join(deal)
		.on((objection.reference_doctype == opportunity.DOCTYPE) & (deal.name == objection.reference_name))
		.select(deal.name)
		.distinct()
		.where(deal.sp_won_on.isnotnull() & deal.status.notin(list(opportunity.CLOSED_STATUSES)))
		.where(objection.open_value_any > 0)
		.run(pluck=True)
	)
	for name in won_but_open:
		objection_rollup.restamp_deal(name)
