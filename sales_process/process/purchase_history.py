"""Solution Match Verification: compare quoted items with what the customer bought."""

from __future__ import annotations

import frappe

from sales_process.engine.matching import MatchResult, purchase_history_match

HISTORY = (("Sales Order", "Sales Order Item"), ("Sales Invoice", "Sales Invoice Item"))


def purchased_items(customer: str, among: list[str]) -> tuple[set[str], bool]:
	"""Items among `among` the customer bought on submitted Sales Orders or Invoices,
	and whether the customer has any purchase history at all.

	Two queries in the common case: a customer who bought any quoted item has history.
	"""
	bought: set[str] = set()
	for parent_doctype, child_doctype in HISTORY:
		parent = frappe.qb.DocType(parent_doctype)
		child = frappe.qb.DocType(child_doctype)
		rows = (
			frappe.qb.from_(child)
			.join(parent)
			.on(child.parent == parent.name)
			.select(child.item_code)
			.distinct()
			.where((parent.customer == customer) & (parent.docstatus == 1) & (child.item_code.isin(among)))
			.run()
		)
		bought.update(row[0] for row in rows)
	return bought, bool(bought) or _has_any_purchase(customer)


def _has_any_purchase(customer: str) -> bool:
	for parent_doctype, _child in HISTORY:
		parent = frappe.qb.DocType(parent_doctype)
		if (
			frappe.qb.from_(parent)
			.select(parent.name)
			.where((parent.customer == customer) & (parent.docstatus == 1))
			.limit(1)
			.run()
		):
			return True
	return False


def customer_of(quotation) -> str | None:
	return quotation.get("party_name") if quotation.get("quotation_to") == "Customer" else None


def match_quotation(doc) -> MatchResult:
	"""The quoted items against what the customer bought; a quotation to a lead has no history."""
	quoted = [item.item_code for item in doc.get("items") or [] if item.get("item_code")]
	customer = customer_of(doc)
	if not customer:
		return purchase_history_match(quoted, [], has_history=False)
	if not quoted:
		return purchase_history_match(quoted, [], has_history=_has_any_purchase(customer))
	bought, has_history = purchased_items(customer, list(dict.fromkeys(quoted)))
	return purchase_history_match(quoted, bought, has_history=has_history)
