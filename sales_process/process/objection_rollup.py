"""Objection counts for Objection Analysis at the scale of a year (DESIGN.md §3).

Each Sales Objection carries what the report asks of its deal, stamped by the server
(`engine.objections_report.deal_objection_facts`): the company, the deal's stage when it was
raised, whether it is the deal's first objection of its type and its first at all, whether the
deal is lost, and the deal's amount while open on those firsts. `Sales Objection Month` sums what
the objections add per month, company, rep, type and stage; `Sales Objection Item Group Month` the
same per item group of the deal instead of the stage (the deal's item groups are stamped too).
Every write of an objection, and of its deal's amount, status, company or items, restamps that
deal's objections and moves their summary rows in the same transaction.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe.query_builder.functions import Coalesce, Count, DateFormat, Sum

from sales_process.adapters import opportunity
from sales_process.engine.objections_report import (
	ITEM_GROUP_COUNTS,
	ITEM_GROUP_KEYS,
	ROLLUP_COUNTS,
	ROLLUP_KEYS,
	deal_objection_facts,
	item_groups_of,
	objection_contribution,
	objection_item_group_contribution,
)
from sales_process.process import rollups
from sales_process.process.report_scope import ReportScope, restrict

OBJECTION = "Sales Objection"
ROLLUP = "Sales Objection Month"
ITEM_GROUP_ROLLUP = "Sales Objection Item Group Month"
# what the deal gives every objection of it, then what each objection's place among them gives it
DEAL_FIELDS = ("company", "item_groups")
FACT_FIELDS = (*DEAL_FIELDS, "first_of_type", "first_on_deal", "deal_lost", "open_value", "open_value_any")

OBJECTIONS = rollups.Rollup(
	doctype=ROLLUP,
	keys=ROLLUP_KEYS,
	counts=ROLLUP_COUNTS,
	source=OBJECTION,
	fields=("creation", "reference_name", "objection_type", "assigned_to", "stage", *FACT_FIELDS),
	contribution=objection_contribution,
	datetime_fields=("creation",),
	# a year of a large org is 180 k rep rows: a manager reads the rows over every rep
	every_rep_key="rep",
)
ITEM_GROUPS = rollups.Rollup(
	doctype=ITEM_GROUP_ROLLUP,
	keys=ITEM_GROUP_KEYS,
	counts=ITEM_GROUP_COUNTS,
	source=OBJECTION,
	fields=("creation", "reference_name", "objection_type", "assigned_to", *FACT_FIELDS),
	contribution=objection_item_group_contribution,
	datetime_fields=("creation",),
	every_rep_key="rep",
)
BOTH = (OBJECTIONS, ITEM_GROUPS)


# keeping


def objection_written(doc):
	"""Sales Objection on_update: its own change, then its deal's (and a former deal's) firsts."""
	for rollup in BOTH:
		rollups.apply_doc(rollup, doc)
	before = doc.get_doc_before_save()
	for deal in {doc.reference_name, before.reference_name if before else None}:
		restamp_deal(deal)


def objection_deleted(doc):
	for rollup in BOTH:
		rollups.apply_doc(rollup, doc, deleted=True)
	restamp_deal(doc.reference_name, without=doc.name)


def stamp_new(doc):
	"""Sales Objection validate on insert: the deal's company, item groups and stage at this moment
	(its firsts are stamped once it is saved, among the deal's other objections)."""
	values = opportunity.objection_values(doc.reference_name) if doc.reference_name else None
	for field in DEAL_FIELDS:
		doc.set(field, values.get(field) if values else None)
	doc.stage = values.stage if values else None
	for field in FACT_FIELDS[len(DEAL_FIELDS) :]:
		doc.set(field, 0)


def restamp_deal(deal: str | None, without: str | None = None):
	"""Stamp the firsts, the lost flag and the open value on the deal's objections again."""
	if not deal:
		return
	values = opportunity.objection_values(deal)
	if values is None:
		return
	table = frappe.qb.DocType(OBJECTION)
	rows = (
		frappe.qb.from_(table)
		.select(table.name, table.creation, table.objection_type, *(table[field] for field in FACT_FIELDS))
		.where((table.reference_doctype == opportunity.DOCTYPE) & (table.reference_name == deal))
		.run(as_dict=True)
	)
	rows = [row for row in rows if row.name != without]
	facts = deal_objection_facts(rows, values.lost, values.open, values.amount)
	changed = {}
	for row in rows:
		wanted = {**_deal_facts(values), **facts[row.name]}
		if any(_differs(row.get(field), value) for field, value in wanted.items()):
			changed[row.name] = wanted
	if not changed:
		return
	with rollups.bulk_write(OBJECTIONS, list(changed)), rollups.bulk_write(ITEM_GROUPS, list(changed)):
		for name, wanted in changed.items():
			frappe.db.set_value(OBJECTION, name, wanted, update_modified=False)


def _deal_facts(values) -> dict:
	return {field: values.get(field) for field in DEAL_FIELDS}


def _differs(stored, wanted) -> bool:
	if isinstance(wanted, float):
		return abs(float(stored or 0) - wanted) > 0.005
	return (stored or None) != (wanted or None)  # a check's 0 and an empty link read as nothing


def rebuild() -> int:
	"""`bench --site <site> execute sales_process.process.objection_rollup.rebuild`"""
	return sum(rollups.rebuild(rollup) for rollup in BOTH)


def restamp_all(commit=None) -> int:
	"""Stamp every objection from its deal (a patch; `commit` between batches), then rebuild."""
	table = frappe.qb.DocType(OBJECTION)
	last, stamped = "", 0
	while True:
		deals = (
			frappe.qb.from_(table)
			.select(table.reference_name)
			.distinct()
			.where((table.reference_doctype == opportunity.DOCTYPE) & (table.reference_name > last))
			.orderby(table.reference_name)
			.limit(2_000)
			.run(pluck=True)
		)
		if not deals:
			break
		last = deals[-1]
		stamped += _stamp_deals(deals)
		if commit:
			commit()
	rebuild()
	return stamped


def _stamp_deals(deals: list[str]) -> int:
	"""Facts for many deals' objections, written by one CASE update per batch (no rollup moves:
	the caller rebuilds)."""
	deal_values = opportunity.objection_values_of(deals)
	table = frappe.qb.DocType(OBJECTION)
	rows = (
		frappe.qb.from_(table)
		.select(table.name, table.creation, table.objection_type, table.reference_name)
		.where((table.reference_doctype == opportunity.DOCTYPE) & table.reference_name.isin(deals))
		.run(as_dict=True)
	)
	per_deal: dict[str, list] = {}
	for row in rows:
		per_deal.setdefault(row.reference_name, []).append(row)
	updates = []
	for deal, objections in per_deal.items():
		values = deal_values.get(deal)
		if values is None:
			continue
		facts = deal_objection_facts(objections, values.lost, values.open, values.amount)
		for row in objections:
			wanted = {**_deal_facts(values), **facts[row.name]}
			updates.append((row.name, *(wanted[field] for field in FACT_FIELDS)))
	rollups.write_fields(OBJECTION, FACT_FIELDS, updates)
	return len(updates)


def stamp_stages_when_raised():
	"""The deal's stage when each objection was raised, for objections stamped before the field
	existed: the last logged move at or before that moment gives the stage it moved to; with no
	move before, the first move after gives the stage it moved from; else the deal's stage now."""
	objection = frappe.qb.DocType(OBJECTION)
	before = frappe.qb.DocType("Sales Stage Log").as_("before_raised")
	after = frappe.qb.DocType("Sales Stage Log").as_("after_raised")
	deal = frappe.qb.DocType(opportunity.DOCTYPE)
	last_before = (
		frappe.qb.from_(before)
		.select(before.to_stage)
		.where(
			(before.reference_doctype == opportunity.DOCTYPE)
			& (before.reference_name == objection.reference_name)
			& (before.changed_on <= objection.creation)
		)
		.orderby(before.changed_on, order=frappe.qb.desc)
		.limit(1)
	)
	first_after = (
		frappe.qb.from_(after)
		.select(after.from_stage)
		.where(
			(after.reference_doctype == opportunity.DOCTYPE)
			& (after.reference_name == objection.reference_name)
			& (after.changed_on > objection.creation)
		)
		.orderby(after.changed_on)
		.limit(1)
	)
	now = frappe.qb.from_(deal).select(deal.sales_stage).where(deal.name == objection.reference_name)
	(
		frappe.qb.update(objection)
		.set(objection.stage, Coalesce(last_before, first_after, now))
		.where((objection.reference_doctype == opportunity.DOCTYPE) & objection.stage.isnull())
		.run()
	)


# reading


def month_sums(scope: ReportScope, months: list[date], by: list[str], rollup=OBJECTIONS) -> list[dict]:
	"""The rollup's counts summed per `by` (some of its keys) over whole months: from the rows over
	every rep when the reader sees every rep and `by` has no rep, else from the reps' rows."""
	if not months:
		return []
	table = frappe.qb.DocType(rollup.doctype)
	terms = [table[key] for key in by]
	query = (
		frappe.qb.from_(table)
		.select(*terms, *(Sum(table[name]).as_(name) for name in rollup.counts))
		.where(table.month.isin(months))
	)
	query = query.where(rollups.reader_rows(rollup, table, scope.reps, per_rep="rep" in by))
	query = restrict(query, scope, rep=table.rep)
	if scope.company:
		query = query.where((table.company == scope.company) | (table.company == ""))
	if terms:
		query = query.groupby(*terms)
	return [dict(zip([*by, *rollup.counts], row, strict=True)) for row in query.run()]


def raw_sums(query, objection, by: list[str], rollup=OBJECTIONS, sign: int = 1) -> list[dict]:
	"""The same sums from the objections `query` selects (a part of a month, or with a territory
	or customer-group filter), times `sign` (-1: objections taken out of a month read whole). An
	"item_group" key groups by the stamped item groups, then counts each group of objections
	under each of its deal's groups."""
	terms = []
	for key in by:
		if key == "month":
			terms.append(DateFormat(objection.creation, "%Y-%m-01"))
		elif key == "rep":
			terms.append(Coalesce(objection.assigned_to, ""))
		elif key == "item_group":
			terms.append(Coalesce(objection.item_groups, ""))
		else:
			terms.append(Coalesce(objection[key], ""))
	on_deal = Coalesce(objection.reference_name, "") != ""
	counts = {
		"objections": Count("*").as_("objections"),
		"on_deals": rollups.count_if(on_deal, "on_deals"),
		"lost_objections": rollups.count_if(on_deal & (objection.deal_lost == 1), "lost_objections"),
		"deals": rollups.count_if(on_deal & (objection.first_of_type == 1), "deals"),
		"open_value": Sum(objection.open_value).as_("open_value"),
		"deals_any": rollups.count_if(on_deal & (objection.first_on_deal == 1), "deals_any"),
		"open_value_any": Sum(objection.open_value_any).as_("open_value_any"),
	}
	query = query.select(*terms, *(counts[name] for name in rollup.counts))
	if terms:
		query = query.groupby(*terms)
	rows = [
		{
			**dict(zip(by, row, strict=False)),
			**{name: sign * (value or 0) for name, value in zip(rollup.counts, row[len(by) :], strict=True)},
		}
		for row in query.run()
	]
	if "month" in by:
		for row in rows:
			row["month"] = frappe.utils.getdate(row["month"])
	if "item_group" in by:
		rows = [{**row, "item_group": group} for row in rows for group in item_groups_of(row["item_group"])]
	return rows
