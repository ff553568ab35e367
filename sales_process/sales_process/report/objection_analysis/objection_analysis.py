"""Objection Analysis: what customers object to (TOP N types by count and by value at stake), the
trend per month, at which stage and for which item groups, how often the deal was then lost, and
how each response strategy fares after use.

The database counts objections per (type, deal[, stage or item group]); the ranking, shares,
pivots and win rates are engine.objections_report. Row rules: a rep sees the objections assigned
to them and their team (Sales Objection.assigned_to), a manager everyone's."""

from __future__ import annotations

import frappe
import pandas as pd
from frappe import _
from frappe.query_builder.functions import Coalesce, Count, DateFormat, NullIf
from frappe.utils import cint

from sales_process.engine.objections_report import (
	matrix,
	months_between,
	outcome,
	overall,
	strategy_table,
	summarize,
	top_types,
	type_ranking,
)
from sales_process.process.report_scope import ReportScope, report_scope, restrict

OPPORTUNITY = "Opportunity"
TOP_TYPES, TREND, BY_STAGE, BY_ITEM_GROUP, STRATEGIES = (
	"Top Types",
	"Trend by Month",
	"By Stage",
	"By Item Group",
	"Strategies",
)
VIEWS = (TOP_TYPES, TREND, BY_STAGE, BY_ITEM_GROUP, STRATEGIES)
DEFAULT_TOP_N = 10
CHART_SERIES = 8  # lines or stacks beyond this are unreadable; the table has them all
PAIR_COLUMNS = ["objection_type", "deal", "objections", "deal_status", "amount"]


def execute(filters=None):
	filters = frappe._dict(filters or {})
	view = filters.get("view") or TOP_TYPES
	if view not in VIEWS:
		frappe.throw(
			_("View {0} does not exist: choose one of {1}.").format(
				frappe.bold(view), ", ".join(_(v) for v in VIEWS)
			),
			title=_("Check the filters"),
		)
	top_n = cint(filters.get("top_n")) or DEFAULT_TOP_N
	if top_n < 1:
		frappe.throw(_("Top N must be 1 or more, not {0}.").format(top_n), title=_("Check the filters"))
	scope = report_scope(filters)
	if scope.sees_nothing:
		return [], [], _("You have no objections to see with these filters."), None, []

	pairs = frame(pair_query(scope).run(), PAIR_COLUMNS)
	currency = company_currency(scope.company)
	build = {
		TOP_TYPES: top_types_view,
		TREND: trend_view,
		BY_STAGE: stage_view,
		BY_ITEM_GROUP: item_group_view,
		STRATEGIES: strategies_view,
	}[view]
	columns, data, chart = build(scope, pairs, top_n, currency)
	return columns, data, message(view), chart, report_summary(overall(pairs), currency)


def frame(rows, columns) -> pd.DataFrame:
	table = pd.DataFrame(list(rows), columns=columns)
	for column in columns:
		if column in ("objection_type", "stage", "item_group"):
			table[column] = table[column].fillna("")  # no type / no deal / no items: a group of its own
	return table


def company_currency(company: str | None) -> str | None:
	return frappe.get_cached_value("Company", company, "default_currency") if company else None


# --- queries --------------------------------------------------------------------------------


def scoped_objections(scope: ReportScope):
	"""Objections raised in the period that the reader may see, with their deal joined.

	Company, territory and customer group are the deal's. An objection on no deal passes the
	company filter (it belongs to no company) but not a territory or customer group filter.
	"""
	objection = frappe.qb.DocType("Sales Objection")
	deal = frappe.qb.DocType(OPPORTUNITY)
	query = (
		frappe.qb.from_(objection)
		.left_join(deal)
		.on((objection.reference_doctype == OPPORTUNITY) & (objection.reference_name == deal.name))
		.where((objection.creation >= scope.start) & (objection.creation < scope.end))
	)
	query = restrict(
		query,
		scope,
		rep=objection.assigned_to,
		territory=deal.territory,
		customer_group=deal.customer_group,
	)
	if scope.company:
		query = query.where((deal.company == scope.company) | deal.name.isnull())
	return query, objection, deal


def deal_amount(deal):
	"""The deal's amount in company currency; ERPNext fills the base amount only in the form, so a
	deal made through the API or an import falls back to amount × exchange rate."""
	return Coalesce(
		NullIf(deal.base_opportunity_amount, 0),
		deal.opportunity_amount * Coalesce(NullIf(deal.conversion_rate, 0), 1),
	)


def pair_query(scope: ReportScope):
	"""Objections per (type, deal) with the deal's status and amount."""
	query, objection, deal = scoped_objections(scope)
	amount = deal_amount(deal)
	return query.select(
		objection.objection_type, deal.name, Count(objection.name), deal.status, amount.as_("amount")
	).groupby(objection.objection_type, deal.name, deal.status, amount.as_("amount"))


def month_query(scope: ReportScope):
	query, objection, _deal = scoped_objections(scope)
	month = DateFormat(objection.creation, "%Y-%m")
	return query.select(objection.objection_type, month.as_("month"), Count(objection.name)).groupby(
		objection.objection_type, month.as_("month")
	)


def stage_at_creation(objection, deal):
	"""The deal's stage when the objection was raised, from the Stage Log.

	The last move at or before that moment gives the stage it moved to; with no move before,
	the first move after gives the stage it moved from; a deal that never moved is still in its
	stage. The log is exact at the objection's time, where a visit's stage_before is only the
	stage at check-in.
	"""
	before = frappe.qb.DocType("Sales Stage Log")
	after = frappe.qb.DocType("Sales Stage Log")
	last_before = (
		frappe.qb.from_(before)
		.select(before.to_stage)
		.where(
			(before.reference_doctype == OPPORTUNITY)
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
			(after.reference_doctype == OPPORTUNITY)
			& (after.reference_name == objection.reference_name)
			& (after.changed_on > objection.creation)
		)
		.orderby(after.changed_on, order=frappe.qb.asc)
		.limit(1)
	)
	return Coalesce(last_before, first_after, deal.sales_stage)


def stage_pair_query(scope: ReportScope):
	query, objection, deal = scoped_objections(scope)
	stage = stage_at_creation(objection, deal)
	amount = deal_amount(deal)
	return query.select(
		objection.objection_type,
		stage.as_("stage"),
		deal.name,
		Count(objection.name),
		deal.status,
		amount.as_("amount"),
	).groupby(objection.objection_type, stage.as_("stage"), deal.name, deal.status, amount.as_("amount"))


def item_group_pair_query(scope: ReportScope):
	"""Objections per (type, item group, deal): a deal with several item groups counts in each."""
	query, objection, deal = scoped_objections(scope)
	item = frappe.qb.DocType("Opportunity Item")
	amount = deal_amount(deal)
	return (
		query.left_join(item)
		.on((item.parenttype == OPPORTUNITY) & (item.parent == deal.name))
		.select(
			objection.objection_type,
			item.item_group,
			deal.name,
			Count(objection.name).distinct(),
			deal.status,
			amount.as_("amount"),
		)
		.groupby(objection.objection_type, item.item_group, deal.name, deal.status, amount.as_("amount"))
	)


def strategy_uses(scope: ReportScope) -> pd.DataFrame:
	"""Every deal on which a strategy answered an objection or a risk signal raised in the period.

	Risk signals count as uses too, as in the strategy's stored figures.
	"""
	rows = []
	for doctype in ("Sales Objection", "Sales Risk Signal"):
		source = frappe.qb.DocType(doctype)
		deal = frappe.qb.DocType(OPPORTUNITY)
		query = (
			frappe.qb.from_(source)
			.join(deal)
			.on((source.reference_doctype == OPPORTUNITY) & (source.reference_name == deal.name))
			.select(source.strategy, deal.name, deal.status)
			.distinct()
			.where(
				(source.creation >= scope.start)
				& (source.creation < scope.end)
				& (Coalesce(source.strategy, "") != "")
			)
		)
		query = restrict(
			query,
			scope,
			rep=source.assigned_to,
			company=deal.company,
			territory=deal.territory,
			customer_group=deal.customer_group,
		)
		rows.extend(query.run())
	uses = pd.DataFrame(rows, columns=["strategy", "deal", "deal_status"])
	ordered = deals_with_sales_order(sorted(set(uses["deal"])))
	uses["outcome"] = [
		outcome(status, deal in ordered)
		for deal, status in zip(uses["deal"], uses["deal_status"], strict=True)
	]
	return uses


def deals_with_sales_order(deals: list[str], batch: int = 2000) -> set[str]:
	"""Deals a submitted Sales Order came from (through the Quotation made from the deal)."""
	found: set[str] = set()
	quotation = frappe.qb.DocType("Quotation")
	quotation_item = frappe.qb.DocType("Quotation Item")
	order_item = frappe.qb.DocType("Sales Order Item")
	order = frappe.qb.DocType("Sales Order")
	for start in range(0, len(deals), batch):
		chunk = deals[start : start + batch]
		by_header = (
			frappe.qb.from_(quotation)
			.join(order_item)
			.on(order_item.prevdoc_docname == quotation.name)
			.join(order)
			.on(order.name == order_item.parent)
			.select(quotation.opportunity)
			.distinct()
			.where(quotation.opportunity.isin(chunk) & (order.docstatus == 1))
		)
		by_item = (
			frappe.qb.from_(quotation_item)
			.join(order_item)
			.on(order_item.prevdoc_docname == quotation_item.parent)
			.join(order)
			.on(order.name == order_item.parent)
			.select(quotation_item.prevdoc_docname)
			.distinct()
			.where(
				(quotation_item.prevdoc_doctype == OPPORTUNITY)
				& quotation_item.prevdoc_docname.isin(chunk)
				& (order.docstatus == 1)
			)
		)
		found.update(by_header.run(pluck=True))
		found.update(by_item.run(pluck=True))
	return found


def stage_order() -> list[str]:
	"""Sales Stages in process order; stages without an order after, by name."""
	stages = frappe.get_all("Sales Stage", fields=["name", "sp_sequence"])
	return [
		row.name
		for row in sorted(
			stages,
			key=lambda row: (row.sp_sequence is None or row.sp_sequence == 0, row.sp_sequence or 0, row.name),
		)
	]


# --- views ----------------------------------------------------------------------------------


def type_label(objection_type: str) -> str:
	return objection_type or _("Not Classified")


def type_column(width=200):
	return {
		"fieldname": "objection_type",
		"label": _("Objection Type"),
		"fieldtype": "Link",
		"options": "Sales Objection Type",
		"width": width,
	}


def value_column(fieldname="value_at_stake", label=None):
	return {
		"fieldname": fieldname,
		"label": label or _("Value at Stake"),
		"fieldtype": "Currency",
		"options": "currency",
		"width": 140,
	}


def int_column(fieldname, label, width=100):
	return {"fieldname": fieldname, "label": label, "fieldtype": "Int", "width": width}


def percent_column(fieldname, label, width=110):
	return {"fieldname": fieldname, "label": label, "fieldtype": "Percent", "width": width}


def records(table: pd.DataFrame) -> list[dict]:
	return [
		{key: (None if pd.isna(value) else value) for key, value in row.items()}
		for row in table.to_dict("records")
	]


def top_types_view(scope, pairs, top_n, currency):
	ranking = type_ranking(pairs, top_n)
	total = int(pairs["objections"].sum()) if len(pairs) else 0
	data = []
	for row in records(ranking):
		data.append(
			{
				**row,
				"objection_type": type_label(row["objection_type"]),
				"unclassified": int(not row["objection_type"]),
				"share": round(100.0 * row["objections"] / total, 1) if total else None,
				"currency": currency,
			}
		)
	columns = [
		int_column("rank_by_count", _("Rank by Count"), 110),
		type_column(),
		int_column("objections", _("Objections")),
		percent_column("share", _("Share of Objections"), 140),
		int_column("deals", _("Deals")),
		value_column(),
		int_column("rank_by_value", _("Rank by Value"), 110),
		int_column("lost_objections", _("On Lost Deals"), 120),
		percent_column("lost_share", _("Lost Share"), 110),
	]
	chart = None
	if data:
		shown = data[: CHART_SERIES * 2]
		chart = {
			"data": {
				"labels": [row["objection_type"] for row in shown],
				"datasets": [{"name": _("Objections"), "values": [row["objections"] for row in shown]}],
			},
			"type": "bar",
			"colors": ["#2490ef"],
		}
	return columns, data, chart


def trend_view(scope, pairs, top_n, currency):
	counts = frame(month_query(scope).run(), ["objection_type", "month", "objections"])
	months = months_between(scope.from_date, scope.to_date)
	leaders = top_types(pairs, top_n)
	table = matrix(counts, "objection_type", "month", months, rows=leaders)
	fieldnames = {month: "m_" + month.replace("-", "_") for month in months}
	data = []
	for row in records(table):
		entry = {
			"objection_type": type_label(row["objection_type"]),
			"unclassified": int(not row["objection_type"]),
			"total": row["total"],
		}
		entry.update({fieldnames[month]: row[month] for month in months})
		data.append(entry)
	columns = [type_column()]
	columns += [int_column(fieldnames[month], month, 80) for month in months]
	columns.append(int_column("total", _("Total Objections"), 130))
	chart = None
	if data:
		chart = {
			"data": {
				"labels": months,
				"datasets": [
					{"name": row["objection_type"], "values": [row[fieldnames[month]] for month in months]}
					for row in data[:CHART_SERIES]
				],
			},
			"type": "line",
		}
	return columns, data, chart


def breakdown_matrix(breakdown: pd.DataFrame, key: str, keys: list[str], leaders: list):
	counts = breakdown.groupby(["objection_type", key], as_index=False)["objections"].sum()
	return matrix(counts, "objection_type", key, keys, rows=leaders)


def stage_view(scope, pairs, top_n, currency):
	breakdown = frame(stage_pair_query(scope).run(), ["objection_type", "stage", *PAIR_COLUMNS[1:]])
	present = set(breakdown["stage"])
	stages = [stage for stage in stage_order() if stage in present]
	stages += sorted(present - set(stages) - {""})  # a stage since renamed or deleted
	if "" in present:
		stages.append("")  # objections on no deal
	leaders = top_types(pairs, top_n)
	table = breakdown_matrix(breakdown, "stage", stages, leaders)
	fieldnames = {stage: f"stage_{index}" for index, stage in enumerate(stages)}
	labels = {stage: _(stage) if stage else _("No Deal") for stage in stages}
	data = []
	for row in records(table):
		entry = {
			"objection_type": type_label(row["objection_type"]),
			"unclassified": int(not row["objection_type"]),
			"total": row["total"],
		}
		entry.update({fieldnames[stage]: row[stage] for stage in stages})
		data.append(entry)
	columns = [type_column()]
	columns += [int_column(fieldnames[stage], labels[stage], 120) for stage in stages]
	columns.append(int_column("total", _("Total Objections"), 130))
	chart = stacked_chart(data, [labels[stage] for stage in stages], [fieldnames[stage] for stage in stages])
	return columns, data, chart


def item_group_view(scope, pairs, top_n, currency):
	breakdown = frame(item_group_pair_query(scope).run(), ["objection_type", "item_group", *PAIR_COLUMNS[1:]])
	leaders = top_types(pairs, top_n)
	table = summarize(breakdown[breakdown["objection_type"].isin(leaders)], ["item_group", "objection_type"])
	group_totals = table.groupby("item_group")["objections"].transform("sum")
	table = (
		table.assign(_group_total=group_totals)
		.sort_values(
			["_group_total", "item_group", "objections"], ascending=[False, True, False], kind="stable"
		)
		.drop(columns="_group_total")
	)
	data = []
	for row in records(table):
		data.append(
			{
				**row,
				"item_group": row["item_group"] or _("No Items"),
				"item_group_is_set": int(bool(row["item_group"])),
				"objection_type": type_label(row["objection_type"]),
				"unclassified": int(not row["objection_type"]),
				"currency": currency,
			}
		)
	columns = [
		{
			"fieldname": "item_group",
			"label": _("Item Group"),
			"fieldtype": "Link",
			"options": "Item Group",
			"width": 180,
		},
		type_column(),
		int_column("objections", _("Objections")),
		int_column("deals", _("Deals")),
		value_column(),
		int_column("lost_objections", _("On Lost Deals"), 120),
		percent_column("lost_share", _("Lost Share")),
	]
	chart = None
	if data:
		groups = list(dict.fromkeys(row["item_group"] for row in data))[: CHART_SERIES * 2]
		types = list(dict.fromkeys(row["objection_type"] for row in data))[:CHART_SERIES]
		counts = {(row["item_group"], row["objection_type"]): row["objections"] for row in data}
		chart = {
			"data": {
				"labels": groups,
				"datasets": [
					{"name": kind, "values": [counts.get((group, kind), 0) for group in groups]}
					for kind in types
				],
			},
			"type": "bar",
			"barOptions": {"stacked": 1},
		}
	return columns, data, chart


def stacked_chart(data: list[dict], labels: list[str], fieldnames: list[str]):
	if not data:
		return None
	return {
		"data": {
			"labels": labels,
			"datasets": [
				{"name": row["objection_type"], "values": [row[fieldname] for fieldname in fieldnames]}
				for row in data[:CHART_SERIES]
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
	}


def strategies_view(scope, pairs, top_n, currency):
	uses = strategy_uses(scope)
	stored = pd.DataFrame(
		frappe.get_all(
			"Sales Response Strategy",
			fields=["name", "times_used", "times_won", "win_rate"],
			as_list=True,
		),
		columns=["strategy", "times_used", "times_won", "win_rate"],
	)
	table = strategy_table(uses, stored)
	table = table[(table["deals_used"] > 0) | (table["stored_times_used"] > 0)]
	data = records(table)
	columns = [
		{
			"fieldname": "strategy",
			"label": _("Response Strategy"),
			"fieldtype": "Link",
			"options": "Sales Response Strategy",
			"width": 220,
		},
		int_column("deals_used", _("Deals Used On"), 120),
		int_column("deals_won", _("Deals Won")),
		int_column("deals_lost", _("Deals Lost")),
		int_column("still_open", _("Deals Still Open"), 130),
		percent_column("win_rate", _("Win Rate After Use"), 150),
		percent_column("decided_win_rate", _("Win Rate of Closed Deals"), 180),
		int_column("stored_times_used", _("Stored: Times Used"), 140),
		int_column("stored_times_won", _("Stored: Times Won"), 140),
		percent_column("stored_win_rate", _("Stored: Win Rate"), 130),
	]
	chart = None
	shown = [row for row in data if row["deals_used"]][: CHART_SERIES * 2]
	if shown:
		chart = {
			"data": {
				"labels": [row["strategy"] for row in shown],
				"datasets": [
					{"name": _("Win Rate After Use"), "values": [row["win_rate"] or 0 for row in shown]},
					{"name": _("Stored: Win Rate"), "values": [row["stored_win_rate"] or 0 for row in shown]},
				],
			},
			"type": "bar",
			"colors": ["#28a745", "#98a2b3"],
		}
	return columns, data, chart


# --- text -----------------------------------------------------------------------------------


def message(view: str) -> str:
	common = _(
		"Objections raised in the period (by creation). Value at stake = the amounts of the open deals (company currency), each deal once per row. Lost share = objections whose deal ended Lost ÷ objections raised on a deal. Objections on no deal are counted but carry no value; they pass the company filter, not a territory or customer group filter."
	)
	detail = {
		TOP_TYPES: _(
			"The top N types by count and the top N by value at stake; ranks are shared on ties (1, 2, 2, 4)."
		),
		TREND: _("Objections per month for the top N types by count."),
		BY_STAGE: _(
			"The deal's stage when the objection was raised, read from the Sales Stage Log at the objection's creation time (a deal that never moved is counted in its current stage)."
		),
		BY_ITEM_GROUP: _(
			"Item groups of the deal's items; a deal with several item groups counts in each. Top N types by count."
		),
		STRATEGIES: _(
			"Uses = distinct deals on which the strategy answered an objection or a risk signal raised in the period, within the filters. Won = the deal is Converted or a submitted Sales Order came from its quotation. The stored figures are the strategy's own, over all time and every rep, where won means Converted."
		),
	}[view]
	return f"{common} {detail}"


def report_summary(totals: dict, currency: str | None):
	return [
		{"value": totals["objections"], "label": _("Objections"), "datatype": "Int", "indicator": "blue"},
		{"value": totals["deals"], "label": _("Deals Affected"), "datatype": "Int"},
		{
			"value": totals["value_at_stake"],
			"label": _("Value at Stake"),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "orange",
		},
		{
			"value": totals["lost_share"] if totals["lost_share"] is not None else "-",
			"label": _("Lost Share"),
			"datatype": "Percent",
			"indicator": "red",
		},
	]
