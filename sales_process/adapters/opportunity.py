"""Everything the app knows about ERPNext's Opportunity lives here.

ERPNext's CRM module is deprecated; a Frappe CRM "CRM Deal" adapter can sit
beside this one by offering the same functions for its own doctype.
"""

from __future__ import annotations

import frappe

from sales_process.engine.rules import DealSnapshot
from sales_process.engine.stages import Position

DOCTYPE = "Opportunity"
# ERPNext's default for a new Opportunity's probability: not a rep's estimate
DEFAULT_PROBABILITY = 100

# ERPNext field behind each scope dimension of a checkpoint
SCOPE_FIELDS = {
	"industry": "industry",
	"customer_group": "customer_group",
	"territory": "territory",
	"opportunity_type": "opportunity_type",
}


def snapshot(doc) -> DealSnapshot:
	return DealSnapshot(
		stage=doc.get("sales_stage") or None,
		status=doc.get("status") or None,
		attributes={dimension: doc.get(fieldname) or None for dimension, fieldname in SCOPE_FIELDS.items()},
		competitors=frozenset(
			row.competitor for row in doc.get("competitors") or [] if row.get("competitor")
		),
	)


def snapshot_before_save(doc) -> DealSnapshot | None:
	"""The deal as it was in the database before this change; None for a new deal."""
	before = doc.get_doc_before_save()
	return snapshot(before) if before else None


def position(doc) -> Position:
	return Position(doc.get("sales_stage") or None, doc.get("status") or None)


def rep(doc) -> str:
	"""The sales rep accountable for the deal."""
	return doc.get("opportunity_owner") or doc.get("owner") or frappe.session.user


def customer(doc) -> str | None:
	if doc.get("opportunity_from") == "Customer":
		return doc.get("party_name")
	return None


def decision_roles(doc) -> tuple[str, ...]:
	return tuple(row.role for row in doc.get("sp_decision_makers") or [] if row.get("role"))


def load(name: str):
	return frappe.get_doc(DOCTYPE, name)


LIGHT_FIELDS = (
	"name",
	"company",
	"sales_stage",
	"status",
	"owner",
	"opportunity_owner",
	"opportunity_from",
	"party_name",
	*SCOPE_FIELDS.values(),
)


def light_values(name: str) -> frappe._dict:
	"""What `snapshot`, `rep` and `customer` read, without loading the whole document."""
	values = frappe.db.get_value(DOCTYPE, name, LIGHT_FIELDS, as_dict=True)
	if not values:
		frappe.throw(
			frappe._("{0} {1} does not exist.").format(frappe._(DOCTYPE), name), frappe.DoesNotExistError
		)
	detail = frappe.qb.DocType("Competitor Detail")
	values.competitors = (
		frappe.qb.from_(detail)
		.select(detail.competitor)
		.where(
			(detail.parenttype == DOCTYPE) & (detail.parent == name) & (detail.parentfield == "competitors")
		)
		.run(as_dict=True)
	)
	return values


def of_quotation(quotation) -> str | None:
	"""The Opportunity a Quotation was made from, by its header or its items."""
	if quotation.get("opportunity"):
		return quotation.opportunity
	for item in quotation.get("items") or []:
		if item.get("prevdoc_doctype") == DOCTYPE and item.get("prevdoc_docname"):
			return item.prevdoc_docname
	return None


def of_sales_order(sales_order) -> str | None:
	"""The Opportunity behind a Sales Order, through the Quotations it was made from."""
	quotations = {
		item.prevdoc_docname for item in sales_order.get("items") or [] if item.get("prevdoc_docname")
	}
	if not quotations:
		return None
	opportunities = frappe.get_all(
		"Quotation",
		filters={"name": ("in", list(quotations)), "opportunity": ("is", "set")},
		pluck="opportunity",
		limit=1,
	)
	if opportunities:
		return opportunities[0]
	quotation_items = frappe.get_all(
		"Quotation Item",
		filters={
			"parent": ("in", list(quotations)),
			"prevdoc_doctype": DOCTYPE,
			"prevdoc_docname": ("is", "set"),
		},
		pluck="prevdoc_docname",
		limit=1,
	)
	return quotation_items[0] if quotation_items else None


def add_competitor(name: str, competitor: str) -> bool:
	"""Name a competitor on the deal (ERPNext shows its table only for lost deals); True if added."""
	doc = load(name)
	if competitor in snapshot(doc).competitors:
		return False
	doc.append("competitors", {"competitor": competitor})
	doc.save()
	return True


def stage_field_changed(doc) -> bool:
	return doc.has_value_changed("sales_stage")
