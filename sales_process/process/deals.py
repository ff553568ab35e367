"""A deal as the process sees it, whichever document carries it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import frappe

from sales_process.adapters import opportunity
from sales_process.engine.rules import DealSnapshot


@dataclass
class Deal:
	doctype: str
	name: str
	company: str | None
	rep: str | None
	snapshot: DealSnapshot
	customer: str | None = None
	# a Quotation or Sales Order not made from an Opportunity: only checkpoints that opt in apply
	standalone: bool = False
	# the full document, loaded only when a condition or an evidence check needs it
	loaded: object = field(default=None, repr=False)
	loader: Callable | None = field(default=None, repr=False)

	@property
	def doc(self):
		if self.loaded is None and self.loader is not None:
			self.loaded = self.loader()
		return self.loaded

	@property
	def label(self) -> str:
		return f"{frappe._(self.doctype)} {self.name}"


def from_opportunity(doc) -> Deal:
	return Deal(
		doctype=opportunity.DOCTYPE,
		name=doc.name,
		company=doc.get("company"),
		rep=opportunity.rep(doc),
		snapshot=opportunity.snapshot(doc),
		loaded=doc,
		customer=opportunity.customer(doc),
	)


def opportunity_by_name(name: str) -> Deal:
	"""A deal read with two light queries; the full Opportunity loads only if needed."""
	values = opportunity.light_values(name)
	return Deal(
		doctype=opportunity.DOCTYPE,
		name=name,
		company=values.get("company"),
		rep=opportunity.rep(values),
		snapshot=opportunity.snapshot(values),
		customer=opportunity.customer(values),
		loader=lambda: opportunity.load(name),
	)


def from_selling_document(doc) -> Deal:
	"""A Quotation or Sales Order that was not made from an Opportunity is its own deal."""
	customer = doc.get("customer") or (
		doc.get("party_name") if doc.get("quotation_to") == "Customer" else None
	)
	return Deal(
		doctype=doc.doctype,
		name=doc.name,
		company=doc.get("company"),
		rep=doc.owner or frappe.session.user,
		snapshot=DealSnapshot(
			attributes={
				"customer_group": doc.get("customer_group"),
				"territory": doc.get("territory"),
				"industry": frappe.get_cached_value("Customer", customer, "industry") if customer else None,
			}
		),
		loaded=doc,
		customer=customer,
		standalone=True,
	)


def load(reference_doctype: str, reference_name: str) -> Deal:
	doc = frappe.get_doc(reference_doctype, reference_name)
	if reference_doctype == opportunity.DOCTYPE:
		return from_opportunity(doc)
	return from_selling_document(doc)
