"""Checkpoint records gained the deal's customer (for the list and its filters)."""

import frappe


def execute():
	record = frappe.qb.DocType("Sales Checkpoint Record")
	deal = frappe.qb.DocType("Opportunity")
	(
		frappe.qb.update(record)
		.join(deal)
		.on((record.reference_doctype == "Opportunity") & (record.reference_name == deal.name))
		.set(record.customer, deal.party_name)
		.where((deal.opportunity_from == "Customer") & record.customer.isnull())
		.run()
	)
