"""Solution Match Verification: compare quoted items with what the customer bought."""

from __future__ import annotations

import frappe

from sales_process.engine.matching import MatchResult, purchase_history_match


def purchased_items(customer: str, among: list[str]) -> tuple[set[str], bool]:
	"""Items among `among` the customer bought on submitted Sales Orders or Invoices,
	and whether the customer has any purchase history at all."""
	bought: set[str] = set()
	has_history = False
	for parent_doctype, child_doctype in (
		("Sales Order", "Sales Order Item"),
		("Sales Invoice", "Sales Invoice Item"),
	):
		parent = frappe.qb.DocType(parent_doctype)
		child = frappe.qb.DocType(child_doctype)
		if not has_history:
			has_history = bool(
				frappe.qb.from_(parent)
				.select(parent.name)
				.where((parent.customer == customer) & (parent.docstatus == 1))
				.limit(1)
				.run()
			)
		if among:
			rows = (
				frappe.qb.from_(child)
				.join(parent)
				.on(child.parent == parent.name)
				.select(child.item_code)
				.distinct()
				.where(
					(parent.customer == customer) & (parent.docstatus == 1) & (child.item_code.isin(among))
				)
				.run()
			)
			bought.update(row[0] for row in rows)
	return bought, has_history


def match_quotation(doc, customer: str | None) -> MatchResult:
	quoted = [item.item_code for item in doc.get("items") or [] if item.get("item_code")]
	if not customer or not quoted:
		return purchase_history_match(quoted, [])
	bought, has_history = purchased_items(customer, list(dict.fromkeys(quoted)))
	return purchase_history_match(quoted, bought, has_history=has_history)
