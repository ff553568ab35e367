"""Process Compliance 过程合规率: completed checkpoints ÷ checkpoints due (DESIGN.md §1 "Measures").

Rows per rep × checkpoint with a total row per rep, or per checkpoint, per Sales Person (subtree
totals) or per month. The counts are summed by the database (`compliance_rollup.compliance_counts`:
GROUP BY month, rep, checkpoint with SUM(CASE …), ended months read from the monthly rollup);
rates, bands and the team roll-up are `engine.compliance`. Reading follows `report_scope`: a rep
sees their own rows, a manager their team's, Sales Manager all, finance the Sales Order checkpoints.
"""

from __future__ import annotations

from datetime import date, timedelta

import frappe
import pandas as pd
from frappe import _
from frappe.utils import add_months, escape_html, now_datetime

from sales_process.engine.compliance import COUNT_COLUMNS, compliance_from_counts, subtree_totals
from sales_process.process.compliance_rollup import compliance_counts
from sales_process.process.report_scope import (
	ReportScope,
	chosen,
	is_finance_only,
	readable_links,
	report_scope,
)

REP, CHECKPOINT, TEAM, MONTH = "Rep", "Checkpoint", "Team", "Month"
GROUPINGS = (REP, CHECKPOINT, TEAM, MONTH)
# the grain each grouping needs, summed by the database
GRAIN = {
	REP: ["assigned_to", "checkpoint"],
	CHECKPOINT: ["assigned_to", "checkpoint"],
	TEAM: ["assigned_to"],
	MONTH: ["month", "checkpoint"],
}
BAND_INDICATOR = {"Good": "green", "Watch": "orange", "Poor": "red"}
# a drill-down link names at most this many reps; beyond, the list shows what the reader may read
MAX_REPS_IN_LINK = 60
CHART_MAX_BARS = 30
NO_SALES_PERSON = "__no_sales_person__"


def execute(filters=None):
	filters = frappe._dict(filters or {})
	group_by = chosen(filters, "group_by", "Group By", GROUPINGS, REP)
	scope = report_scope(filters)
	if scope.sees_nothing:
		return columns(group_by), [], message(scope, nothing=True), None, []

	counts = compliance_counts(scope, now_datetime(), by=GRAIN[group_by])
	counts = counts.rename(columns={"assigned_to": "rep"})
	builder = {REP: rep_rows, CHECKPOINT: checkpoint_rows, TEAM: team_rows, MONTH: month_rows}[group_by]
	data = builder(counts, scope)
	return columns(group_by), data, message(scope), chart(data, group_by), summary(counts)


# rows


def rep_rows(counts: pd.DataFrame, scope: ReportScope) -> list[dict]:
	"""Each rep's total, then the rep's checkpoints in process order; weakest rep first."""
	reps = _worst_first(compliance_from_counts(counts, ["rep"]), "rep").to_dict("records")
	cells = _grouped(compliance_from_counts(counts, ["rep", "checkpoint"]), "rep")
	names = rep_names([total["rep"] for total in reps])
	order = checkpoint_order()
	rows = []
	for total in reps:
		rep = total["rep"]
		rows.append(_row(total, scope, indent=0, rep=rep, rep_name=names.get(rep), reps=[rep], is_total=1))
		for cell in _in_order(cells.get(rep, []), "checkpoint", order):
			rows.append(
				_row(
					cell,
					scope,
					indent=1,
					rep=rep,
					rep_name=names.get(rep),
					checkpoint=cell["checkpoint"],
					reps=[rep],
				)
			)
	return rows


def checkpoint_rows(counts: pd.DataFrame, scope: ReportScope) -> list[dict]:
	"""Each checkpoint's total in process order, then its reps, weakest first."""
	totals = _in_order(
		compliance_from_counts(counts, ["checkpoint"]).to_dict("records"), "checkpoint", checkpoint_order()
	)
	cells = _grouped(_worst_first(compliance_from_counts(counts, ["checkpoint", "rep"]), "rep"), "checkpoint")
	names = rep_names(counts["rep"].dropna().unique().tolist())
	rows = []
	for total in totals:
		checkpoint = total["checkpoint"]
		mine = cells.get(checkpoint, [])
		rows.append(
			_row(
				total, scope, indent=0, checkpoint=checkpoint, reps=[cell["rep"] for cell in mine], is_total=1
			)
		)
		for cell in mine:
			rows.append(
				_row(
					cell,
					scope,
					indent=1,
					checkpoint=checkpoint,
					rep=cell["rep"],
					rep_name=names.get(cell["rep"]),
					reps=[cell["rep"]],
				)
			)
	return rows


def month_rows(counts: pd.DataFrame, scope: ReportScope) -> list[dict]:
	"""Each month of the due dates, then its checkpoints."""
	counts = counts.assign(month=pd.to_datetime(counts["month"]).dt.strftime("%Y-%m"))
	months = compliance_from_counts(counts, ["month"])
	cells = _grouped(compliance_from_counts(counts, ["month", "checkpoint"]), "month")
	order = checkpoint_order()
	reps = scope.reps or []
	rows = []
	for total in months.to_dict("records"):
		month = total["month"]
		period = _month_period(month, scope)
		rows.append(_row(total, scope, indent=0, month=month, reps=reps, period=period, is_total=1))
		for cell in _in_order(cells.get(month, []), "checkpoint", order):
			rows.append(
				_row(
					cell,
					scope,
					indent=1,
					month=month,
					checkpoint=cell["checkpoint"],
					reps=reps,
					period=period,
				)
			)
	return rows


def team_rows(counts: pd.DataFrame, scope: ReportScope) -> list[dict]:
	"""Sales Person tree: each node with the totals of everyone in its subtree (its own user included)."""
	nodes, node_users = sales_person_tree(scope.sales_person)
	member_nodes: dict[str, list[str]] = {}
	for node, user in node_users.items():
		member_nodes.setdefault(user, []).append(node)
	per_rep = compliance_from_counts(counts, ["rep"])
	tree = subtree_totals(per_rep, "rep", nodes, member_nodes)
	names = rep_names(list(set(node_users.values()) | set(per_rep["rep"])))
	rows = []
	for node in tree.to_dict("records"):
		user = node_users.get(node["node"])
		rows.append(
			_row(
				node,
				scope,
				indent=int(node["depth"]),
				sales_person=node["node"],
				rep=user,
				rep_name=names.get(user),
				reps=node["members"],
				is_total=int(node["depth"] == 0),
			)
		)
	placed = set(member_nodes)
	outside = per_rep[~per_rep["rep"].isin(placed)]
	if not outside.empty:
		(total,) = compliance_from_counts(outside.assign(all=1), ["all"]).to_dict("records")
		rows.append(
			_row(
				total,
				scope,
				indent=0,
				sales_person=NO_SALES_PERSON,
				rep_name=_("Not in the Sales Person tree"),
				reps=outside["rep"].tolist(),
				is_total=1,
			)
		)
		for rep in _worst_first(outside, "rep").to_dict("records"):
			rows.append(
				_row(rep, scope, indent=1, rep=rep["rep"], rep_name=names.get(rep["rep"]), reps=[rep["rep"]])
			)
	return rows


def _row(
	values: dict, scope: ReportScope, *, indent: int, reps=None, period=None, is_total=0, **keys
) -> dict:
	row = dict(keys)
	for column in COUNT_COLUMNS:
		row[column] = int(values.get(column) or 0)
	for column in ("compliance", "on_time_rate"):
		value = values.get(column)
		# NaN is the only value unequal to itself (pd.isna per cell was a fifth of a large month)
		row[column] = None if value is None or value != value else float(value)
	band = values.get("band")
	row["band_key"] = band
	row["band"] = _band_label(band) if band else None
	row["indent"] = indent
	row["is_total"] = is_total
	row["drill"] = drill_filters(scope, reps=reps, checkpoint=keys.get("checkpoint"), period=period)
	return row


def _band_label(band: str) -> str:
	"""A band in the reader's language, looked up once per request (a year has thousands of rows)."""
	labels = getattr(frappe.local, "sp_band_labels", None)
	if labels is None:
		labels = frappe.local.sp_band_labels = {}
	key = (frappe.local.lang, band)
	if key not in labels:
		labels[key] = _(band)
	return labels[key]


def drill_filters(scope: ReportScope, reps=None, checkpoint=None, period=None) -> dict:
	"""List filters for the records behind a row (the JS adds the status of the clicked column)."""
	start, end = period or (scope.from_date, scope.to_date)
	filters = {"due_on": ["Between", [str(start), str(end)]]}
	if scope.company:
		filters["company"] = scope.company
	if checkpoint:
		filters["checkpoint"] = checkpoint
	elif scope.checkpoints is not None:
		filters["checkpoint"] = ["in", scope.checkpoints]
	reps = [rep for rep in (reps or []) if rep]
	if len(reps) == 1:
		filters["assigned_to"] = reps[0]
	elif 1 < len(reps) <= MAX_REPS_IN_LINK:
		filters["assigned_to"] = ["in", sorted(reps)]
	return filters


def _worst_first(table: pd.DataFrame, key: str) -> pd.DataFrame:
	"""Lowest compliance first (nothing due last), then by key."""
	return table.sort_values(["compliance", key], na_position="last", kind="mergesort")


def _in_order(rows: list[dict], column: str, order: dict[str, int]) -> list[dict]:
	return sorted(rows, key=lambda row: (order.get(row[column], 10**9), str(row[column])))


def _grouped(table: pd.DataFrame, column: str) -> dict[str, list[dict]]:
	"""The table's rows as dicts per value of `column`, in the table's order."""
	groups: dict[str, list[dict]] = {}
	for row in table.to_dict("records"):
		groups.setdefault(row[column], []).append(row)
	return groups


def _month_period(month: str, scope: ReportScope) -> tuple[date, date]:
	first = date.fromisoformat(f"{month}-01")
	last = add_months(first, 1) - timedelta(days=1)
	return max(first, scope.from_date), min(last, scope.to_date)


# reading the names


def checkpoint_order() -> dict[str, int]:
	rows = frappe.get_all("Sales Checkpoint", fields=["name", "sequence"], order_by="sequence asc, name asc")
	return {row.name: index for index, row in enumerate(rows)}


def rep_names(users: list[str]) -> dict[str, str]:
	users = [user for user in users if user]
	if not users:
		return {}
	user = frappe.qb.DocType("User")
	rows = frappe.qb.from_(user).select(user.name, user.full_name).where(user.name.isin(users)).run()
	return {name: full_name or name for name, full_name in rows}


def sales_person_tree(root: str | None) -> tuple[list[tuple[str, str | None]], dict[str, str]]:
	"""(node, parent) pairs in tree order (below `root` when given) and each node's user."""
	sales_person = frappe.qb.DocType("Sales Person")
	employee = frappe.qb.DocType("Employee")
	query = (
		frappe.qb.from_(sales_person)
		.left_join(employee)
		.on(sales_person.employee == employee.name)
		.select(sales_person.name, sales_person.parent_sales_person, employee.user_id)
		.orderby(sales_person.lft)
	)
	if root:
		bounds = frappe.db.get_value("Sales Person", root, ["lft", "rgt"], as_dict=True)
		if bounds:
			query = query.where((sales_person.lft >= bounds.lft) & (sales_person.rgt <= bounds.rgt))
	rows = query.run()
	nodes = [(name, parent or None) for name, parent, _user in rows]
	users = {name: user for name, _parent, user in rows if user}
	return nodes, users


# what the report shows around the rows


def columns(group_by: str) -> list[dict]:
	rep = {"fieldname": "rep", "label": _("Rep"), "fieldtype": "Link", "options": "User", "width": 200}
	rep_name = {"fieldname": "rep_name", "label": _("Rep Name"), "fieldtype": "Data", "width": 150}
	checkpoint = {
		"fieldname": "checkpoint",
		"label": _("Checkpoint"),
		"fieldtype": "Link",
		"options": "Sales Checkpoint",
		"width": 200,
	}
	leading = {
		REP: [rep, rep_name, checkpoint],
		CHECKPOINT: [checkpoint, rep, rep_name],
		TEAM: [
			{
				"fieldname": "sales_person",
				"label": _("Sales Person"),
				"fieldtype": "Link",
				"options": "Sales Person",
				"width": 220,
			},
			rep,
			rep_name,
		],
		MONTH: [
			{"fieldname": "month", "label": _("Month"), "fieldtype": "Data", "width": 100},
			checkpoint,
		],
	}[group_by]
	return readable_links(leading) + [
		{"fieldname": "due", "label": _("Due"), "fieldtype": "Int", "width": 80},
		{"fieldname": "completed", "label": _("Completed"), "fieldtype": "Int", "width": 100},
		{"fieldname": "on_time", "label": _("Completed On Time"), "fieldtype": "Int", "width": 140},
		{"fieldname": "open_overdue", "label": _("Overdue"), "fieldtype": "Int", "width": 90},
		{"fieldname": "waived", "label": _("Waived"), "fieldtype": "Int", "width": 80},
		{"fieldname": "compliance", "label": _("Compliance"), "fieldtype": "Percent", "width": 110},
		{"fieldname": "on_time_rate", "label": _("On-Time Rate"), "fieldtype": "Percent", "width": 110},
		{"fieldname": "band", "label": _("Band"), "fieldtype": "Data", "width": 90},
	]


def message(scope: ReportScope, nothing: bool = False) -> str:
	lines = [
		_("Period: checkpoint records whose due time falls between {0} and {1}.").format(
			frappe.format(scope.from_date, "Date"), frappe.format(scope.to_date, "Date")
		),
		_(
			"Compliance = completed ÷ due. A record is due once its due time has passed or once it is completed; waived and cancelled records are excluded from due (a manager decided they do not apply) and waived ones are counted apart."
		),
		_(
			"On-time rate = completed by the due time ÷ due. Overdue = still open past the due time. Bands: above 85 % Good, 70–85 % Watch, below 70 % Poor."
		),
	]
	if is_finance_only(frappe.session.user):
		checkpoints = ", ".join(escape_html(_(name)) for name in scope.checkpoints or [])
		lines.append(
			_(
				"Finance view: company-wide figures of the checkpoints that gate the Sales Order ({0})."
			).format(checkpoints or _("none is set up"))
		)
	if scope.territories is not None or scope.customer_groups is not None:
		lines.append(
			_("Territory is the deal's, customer group the customer's; records without them are left out.")
		)
	if nothing:
		lines.append(_("Nothing to show: these filters leave no rep or checkpoint you may read."))
	return "<br>".join(lines)


def chart(data: list[dict], group_by: str) -> dict | None:
	if not data:
		return None
	markers = [{"label": "85 %", "value": 85}, {"label": "70 %", "value": 70}]
	if group_by == MONTH:
		months = [row for row in data if row["indent"] == 0]
		return {
			"data": {
				"labels": [row["month"] for row in months],
				"datasets": [
					{"name": _("Compliance"), "values": [row["compliance"] or 0 for row in months]},
					{"name": _("On-Time Rate"), "values": [row["on_time_rate"] or 0 for row in months]},
				],
				"yMarkers": markers,
			},
			"type": "line",
			"colors": ["#2490ef", "#29cd42"],
			"fieldtype": "Percent",
		}
	if group_by == REP:
		bars = [(row["rep_name"] or row["rep"], row) for row in data if row["indent"] == 0]
	elif group_by == CHECKPOINT:
		bars = [(_(row["checkpoint"]), row) for row in data if row["indent"] == 0]
	else:  # the top two levels of the tree
		bars = [
			(
				row.get("rep_name")
				if row.get("sales_person") in (None, NO_SALES_PERSON)
				else _(row["sales_person"]),  # as the Link cell shows it ("Sales Team": 销售团队)
				row,
			)
			for row in data
			if row["indent"] <= 1
		]
	bars = [(label, row) for label, row in bars if row["compliance"] is not None][:CHART_MAX_BARS]
	if not bars:
		return None
	return {
		"data": {
			"labels": [label for label, _row in bars],
			"datasets": [{"name": _("Compliance"), "values": [row["compliance"] for _label, row in bars]}],
			"yMarkers": markers,
		},
		"type": "bar",
		"colors": ["#2490ef"],
		"fieldtype": "Percent",
	}


def summary(counts: pd.DataFrame) -> list[dict]:
	(total,) = compliance_from_counts(counts.assign(all=1), ["all"]).to_dict("records") or [{}]
	compliance = total.get("compliance")
	on_time = total.get("on_time_rate")
	has_rate = compliance is not None and not pd.isna(compliance)
	return [
		{
			"value": float(compliance) if has_rate else "-",
			"label": _("Compliance"),
			"datatype": "Percent" if has_rate else "Data",
			"indicator": BAND_INDICATOR.get(total.get("band"), "gray"),
		},
		{
			"value": float(on_time) if has_rate else "-",
			"label": _("On-Time Rate"),
			"datatype": "Percent" if has_rate else "Data",
			"indicator": "blue",
		},
		{"value": int(total.get("due") or 0), "label": _("Due"), "datatype": "Int", "indicator": "blue"},
		{
			"value": int(total.get("open_overdue") or 0),
			"label": _("Overdue"),
			"datatype": "Int",
			"indicator": "red" if total.get("open_overdue") else "green",
		},
	]
