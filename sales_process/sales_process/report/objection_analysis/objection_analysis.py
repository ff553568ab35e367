"""Objection Analysis: what customers object to (TOP N types by count and by value at stake), the
trend per month, at which stage and for which item groups, how often the deal was then lost, and
how each response strategy fares after use.

The counts come from monthly rollups kept by every write (process.objection_rollup per type and
stage or item group, process.strategy_rollup per strategy), a part of a month from the stamped
rows themselves; the ranking, shares, pivots and win rates are engine.objections_report. Row
rules: a rep sees the objections assigned to them and their team (Sales Objection.assigned_to),
a manager everyone's."""

from __future__ import annotations

import frappe
import pandas as pd
from frappe import _
from frappe.query_builder.functions import Coalesce
from frappe.utils import cint, now_datetime

from sales_process.engine.objections_report import (
	SUMMARY_COLUMNS,
	leading_types,
	matrix,
	months_between,
	overall_from_sums,
	rank_types,
	strategy_table_from_sums,
	summary_from_sums,
)
from sales_process.engine.rollup import period_parts
from sales_process.engine.strategy_uses import STRATEGY_ROLLUP_COUNTS
from sales_process.process import objection_rollup, strategy_rollup
from sales_process.process.report_scope import ReportScope, chosen, report_scope, restrict

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


def execute(filters=None):
	filters = frappe._dict(filters or {})
	view = chosen(filters, "view", "View", VIEWS, TOP_TYPES)
	top_n = cint(filters.get("top_n")) or DEFAULT_TOP_N
	if top_n < 1:
		frappe.throw(_("Top N must be 1 or more, not {0}.").format(top_n), title=_("Check the filters"))
	scope = report_scope(filters)
	if scope.sees_nothing:
		return [], [], _("You have no objections to see with these filters."), None, []

	sums = objection_sums(scope, now_datetime())
	currency = company_currency(scope.company)
	build = {
		TOP_TYPES: top_types_view,
		TREND: trend_view,
		BY_STAGE: stage_view,
		BY_ITEM_GROUP: item_group_view,
		STRATEGIES: strategies_view,
	}[view]
	columns, data, chart = build(scope, sums, top_n, currency)
	return columns, data, message(view), chart, report_summary(overall_from_sums(sums), currency)


def frame(rows, columns) -> pd.DataFrame:
	table = pd.DataFrame(list(rows), columns=columns)
	for column in columns:
		if column in ("objection_type", "stage", "item_group"):
			table[column] = table[column].fillna("")  # no type / no deal / no items: a group of its own
	return table


def company_currency(company: str | None) -> str | None:
	return frappe.get_cached_value("Company", company, "default_currency") if company else None


# --- queries --------------------------------------------------------------------------------


SUM_KEYS = ["objection_type", "month", "stage"]
ITEM_GROUP_SUM_KEYS = ["objection_type", "item_group"]


def objection_sums(
	scope: ReportScope, now, rollup=objection_rollup.OBJECTIONS, keys=SUM_KEYS
) -> pd.DataFrame:
	"""A rollup's counts per `keys` (by default type, month and stage when raised): whole months
	from the rollup; a month the period cuts from its objections inside the period or as its
	rollup rows less its objections outside (whichever reads fewer days); territory and
	customer-group filters from the objections themselves (their stamped facts: no join but for
	those filters)."""
	if scope.territories is not None or scope.customer_groups is not None:
		months, parts = [], [(scope.start, scope.end, 1)]
	else:
		months, parts = period_parts(scope.start, scope.end, now)
	rows = objection_rollup.month_sums(scope, months, keys, rollup)
	for start, end, sign in parts:
		query, objection = stamped_objections(scope, start, end)
		rows += objection_rollup.raw_sums(query, objection, keys, rollup, sign)
	table = frame(rows, [*keys, *rollup.counts])
	if "month" in keys:
		table["month"] = [month.strftime("%Y-%m") if month else "" for month in table["month"]]
	return table


def stamped_objections(scope: ReportScope, start, end):
	objection = frappe.qb.DocType("Sales Objection")
	query = frappe.qb.from_(objection).where((objection.creation >= start) & (objection.creation < end))
	query = restrict(query, scope, rep=objection.assigned_to)
	if scope.company:
		query = query.where((objection.company == scope.company) | (Coalesce(objection.company, "") == ""))
	if scope.territories is not None or scope.customer_groups is not None:
		deal = frappe.qb.DocType(OPPORTUNITY)
		query = query.join(deal).on(
			(objection.reference_doctype == OPPORTUNITY) & (objection.reference_name == deal.name)
		)
		query = restrict(query, scope, territory=deal.territory, customer_group=deal.customer_group)
	return query, objection


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


def type_summary(sums: pd.DataFrame, top_n: int) -> pd.DataFrame:
	return rank_types(summary_from_sums(sums, ["objection_type"]), top_n)


def top_types_view(scope, sums, top_n, currency):
	ranking = type_summary(sums, top_n)
	total = int(sums["objections"].sum()) if len(sums) else 0
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
				"labels": [_(row["objection_type"]) for row in shown],
				"datasets": [{"name": _("Objections"), "values": [row["objections"] for row in shown]}],
			},
			"type": "bar",
			"colors": ["#2490ef"],
		}
	return columns, data, chart


def trend_view(scope, sums, top_n, currency):
	counts = sums.groupby(["objection_type", "month"], as_index=False)["objections"].sum()
	months = months_between(scope.from_date, scope.to_date)
	leaders = leading_types(type_summary(sums, top_n), top_n)
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
					{"name": _(row["objection_type"]), "values": [row[fieldnames[month]] for month in months]}
					for row in data[:CHART_SERIES]
				],
			},
			"type": "line",
		}
	return columns, data, chart


def breakdown_matrix(breakdown: pd.DataFrame, key: str, keys: list[str], leaders: list):
	counts = breakdown.groupby(["objection_type", key], as_index=False)["objections"].sum()
	return matrix(counts, "objection_type", key, keys, rows=leaders)


def stage_view(scope, sums, top_n, currency):
	breakdown = sums
	present = set(breakdown["stage"])
	stages = [stage for stage in stage_order() if stage in present]
	stages += sorted(present - set(stages) - {""})  # a stage since renamed or deleted
	if "" in present:
		stages.append("")  # objections on no deal
	leaders = leading_types(type_summary(sums, top_n), top_n)
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


def item_group_view(scope, sums, top_n, currency):
	"""Read from the item-group rollup: each objection carries its deal's item groups (stamped)."""
	breakdown = objection_sums(scope, now_datetime(), objection_rollup.ITEM_GROUPS, ITEM_GROUP_SUM_KEYS)
	leaders = leading_types(type_summary(sums, top_n), top_n)
	table = summary_from_sums(
		breakdown[breakdown["objection_type"].isin(leaders)], ["item_group", "objection_type"]
	)[["item_group", "objection_type", *SUMMARY_COLUMNS]]
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
					{"name": _(kind), "values": [counts.get((group, kind), 0) for group in groups]}
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
				{"name": _(row["objection_type"]), "values": [row[fieldname] for fieldname in fieldnames]}
				for row in data[:CHART_SERIES]
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
	}


def strategies_view(scope, sums, top_n, currency):
	used = pd.DataFrame(
		strategy_rollup.strategy_sums(scope, now_datetime()),
		columns=["strategy", *STRATEGY_ROLLUP_COUNTS],
	)
	stored = pd.DataFrame(
		frappe.get_all(
			"Sales Response Strategy",
			fields=["name", "times_used", "times_won", "win_rate"],
			as_list=True,
		),
		columns=["strategy", "times_used", "times_won", "win_rate"],
	)
	table = strategy_table_from_sums(used, stored)
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
		BY_STAGE: _("The deal's stage when the objection was raised (stamped on the objection then)."),
		BY_ITEM_GROUP: _(
			"Item groups of the deal's items; a deal with several item groups counts in each. Top N types by count."
		),
		STRATEGIES: _(
			"Uses = deals on which the strategy first answered an objection or a risk signal in the period (a deal counts once per strategy, in the month of that first answer, for the rep it was assigned to), within the filters. Won = a Sales Order of the deal was submitted; lost = the deal was lost or closed. The stored figures are the strategy's own, over all time and every rep."
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
