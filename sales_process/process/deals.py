"""A deal as the process sees it, whichever document carries it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import frappe

from sales_process.adapters import opportunity
from sales_process.engine.rules import DealSnapshot
from sales_process.process.settings import enrolled_companies


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
	# the deal as it was before the change being saved, and that document (for conditions)
	before: DealSnapshot | None = None
	before_doc: object = field(default=None, repr=False)
	# how a document without a link was tied to this deal (shown in refusals)
	via: str | None = None
	# every company the deal is, was or ever was in
	companies: frozenset[str] = frozenset()
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


def from_opportunity(doc, before=None) -> Deal:
	"""The deal in a save: `before` is the document as stored (None for a new deal)."""
	return Deal(
		doctype=opportunity.DOCTYPE,
		name=doc.name,
		company=doc.get("company"),
		rep=opportunity.rep(doc),
		snapshot=opportunity.snapshot(doc),
		loaded=doc,
		customer=opportunity.customer(doc),
		before=opportunity.snapshot(before) if before is not None else None,
		before_doc=before,
		companies=frozenset(opportunity.companies_of(doc, before)),
	)


def opportunity_under_control(doc, before=None) -> bool:
	"""A deal is in the process if it is, was before this save, or ever was in an enrolled company.

	Switching the company in a save (or earlier) does not take a deal out of its gates.
	"""
	enrolled = enrolled_companies()
	return bool(enrolled) and bool(opportunity.companies_of(doc, before) & enrolled)


def opportunity_by_name(name: str, via: str | None = None) -> Deal:
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
		via=via,
		companies=frozenset(opportunity.companies_of(values)),
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
		companies=frozenset({doc.get("company")} - {None}),
	)


def load(reference_doctype: str, reference_name: str) -> Deal:
	doc = frappe.get_doc(reference_doctype, reference_name)
	if reference_doctype == opportunity.DOCTYPE:
		return from_opportunity(doc)
	return from_selling_document(doc)
