"""Visit Effectiveness: per rep, are visits real (geofence, flags, duration) and do they move deals
(a stage advance, a win or a completed checkpoint within N days)? Seed 003: 43 % of "on-target"
visits moved nothing.

Whether a visit moved its deal is a stored fact (Sales Visit Log.progressed_on, written when the
deal progresses). The months the period covers are read from the visit rollup (Sales Visit Month,
kept exact by every write of a visit), a part of a month and the territory / customer group
filters from the visits themselves; visits whose N days are not over come from the last N days'
visits. The rates, medians and totals are engine.visits_report."""

from __future__ import annotations

from datetime import datetime, timedelta

import frappe
import pandas as pd
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Count, Sum
from frappe.utils import cint, now_datetime

from sales_process.engine.rollup import Change
from sales_process.engine.visits_report import (
	COUNT_COLUMNS,
	FOLLOW_WINDOWS,
	INSIDE,
	counts_from_rollup,
	effectiveness_table,
	median_from_buckets,
	totals,
)
from sales_process.process import visit_rollup
from sales_process.process.report_scope import ReportScope, full_names, report_scope, restrict
from sales_process.sales_process.doctype.sales_visit_log.sales_visit_log import VISIT_REPORT_INDEX

DEFAULT_FOLLOW_DAYS = 7
CHART_REPS = 30  # more bars than this are unreadable; the table has every rep
OPPORTUNITY = "Opportunity"


def execute(filters=None):
	filters = frappe._dict(filters or {})
	scope = report_scope(filters)
	days = follow_days(filters)
	if scope.sees_nothing:
		return columns(days), [], _("You have no visits to see with these filters."), None, []
	now = now_datetime()
	per_rep = visit_figures(scope, now, days)
	waiting = window_open(scope, days, now)
	counts = pd.DataFrame(
		[
			{"rep": rep, **counts_from_rollup(change.counts, days), **waiting.get(rep, {})}
			for rep, change in per_rep.items()
			if change.counts.get("visits")
		],
		columns=["rep", *COUNT_COLUMNS],
	).fillna(0)
	medians = {rep: median_from_buckets(change.counts) for rep, change in per_rep.items()}
	table = effectiveness_table(counts, medians)
	records = table.to_dict("records")
	names = full_names(record["rep"] for record in records)
	data = [{**clean(record), "rep_name": names[record["rep"]]} for record in records]
	everyone = Change()
	for change in per_rep.values():
		everyone.add(change)
	total = totals(table, median_from_buckets(everyone.counts))
	return columns(days), data, message(days), chart(data), summary(total)


def follow_days(filters) -> int:
	days = cint(filters.get("follow_days")) if filters.get("follow_days") not in (None, "") else None
	if days is None:
		return DEFAULT_FOLLOW_DAYS
	# the rollup keeps "moved within N days" for these windows
	if days not in FOLLOW_WINDOWS:
		frappe.throw(
			_("Follow-up Days must be one of {0}, not {1}.").format(
				", ".join(str(window) for window in FOLLOW_WINDOWS), days
			),
			title=_("Check the filters"),
		)
	return days


def clean(record: dict) -> dict:
	return {key: (None if pd.isna(value) else value) for key, value in record.items()}


# --- reading --------------------------------------------------------------------------------


def visit_figures(scope: ReportScope, now: datetime, follow_days: int | None = None) -> dict[str, Change]:
	"""Per rep: the rollup counts of the period's visits (whole months from Sales Visit Month, a
	month the period cuts from the visits inside the period or as its rollup rows less the visits
	outside it, whichever reads fewer days, counted by the database); with `follow_days` only
	that follow-up window's "moved within" counts."""
	if by_place(scope):
		months, parts = [], [(scope.start, scope.end, 1)]
	else:
		months, parts = visit_rollup.split_period(scope, now)
	per_rep = visit_rollup.month_rows(scope, months, company_can_exclude(scope.company), follow_days)
	for start, end, sign in parts:
		query, visit = scoped_visits(scope, start, end)
		for rep, change in visit_rollup.sums_per_rep(query, visit, follow_days).items():
			per_rep.setdefault(rep, Change()).add(change, sign)
	return {rep: change for rep, change in per_rep.items() if not change.is_zero()}


def by_place(scope: ReportScope) -> bool:
	return scope.territories is not None or scope.customer_groups is not None


def scoped_visits(scope: ReportScope, start: datetime, end: datetime):
	"""Checked-in visits of [start, end) the reader may see.

	Company, territory and customer group are the deal's; a visit without a deal takes territory
	and customer group from its customer and passes the company filter (it belongs to no company).
	The deal and the customer are joined only when a filter needs them.
	"""
	visit = frappe.qb.DocType("Sales Visit Log")
	deal = frappe.qb.DocType(OPPORTUNITY)
	customer = frappe.qb.DocType("Customer")
	# for a long range the optimizer would walk the rep index and read every visit's row
	query = (
		frappe.qb.from_(visit)
		.force_index(VISIT_REPORT_INDEX)
		.where((visit.check_in_time >= start) & (visit.check_in_time < end))
	)
	query = restrict(query, scope, rep=visit.rep)
	if company_can_exclude(scope.company):
		query = query.where((visit.company == scope.company) | (Coalesce(visit.company, "") == ""))
	if by_place(scope):
		query = query.left_join(deal).on(
			(visit.reference_doctype == OPPORTUNITY) & (visit.reference_name == deal.name)
		)
		query = query.left_join(customer).on(
			(visit.party_type == "Customer") & (visit.party == customer.name)
		)
	if scope.territories is not None:
		query = query.where(Coalesce(deal.territory, customer.territory).isin(scope.territories))
	if scope.customer_groups is not None:
		query = query.where(
			Coalesce(deal.customer_group, customer.customer_group).isin(scope.customer_groups)
		)
	return query, visit


def company_can_exclude(company: str | None) -> bool:
	"""On a site with only this company every deal is of it: the filter would only cost a join."""
	if not company:
		return False
	companies = frappe.get_all("Company", pluck="name", limit=2)
	return companies != [company]


def window_open(scope: ReportScope, days: int, now: datetime) -> dict[str, dict[str, int]]:
	"""Per rep: visits on a deal in the period whose N days are not over and that nothing has
	followed yet (progress is stamped at once, so "not yet" is "no progress stored")."""
	start = max(scope.start, now - timedelta(days=days))
	if start >= scope.end:
		return {}
	query, visit = scoped_visits(scope, start, scope.end)
	waiting = (
		(visit.reference_doctype == OPPORTUNITY)
		& (Coalesce(visit.reference_name, "") != "")
		& visit.progressed_on.isnull()
		& (visit.check_in_time > now - timedelta(days=days))
	)
	inside = visit.geofence_result == INSIDE
	rows = (
		query.select(
			visit.rep,
			Count("*").as_("window_open"),
			Sum(Case().when(inside, 1).else_(0)).as_("inside_window_open"),
		)
		.where(waiting)
		.groupby(visit.rep)
		.run()
	)
	return {
		rep: {"window_open": int(total), "inside_window_open": int(inside)} for rep, total, inside in rows
	}


# --- presentation ---------------------------------------------------------------------------


def columns(days: int = DEFAULT_FOLLOW_DAYS):
	def column(fieldname, label, fieldtype="Int", width=100, **extra):
		return {"fieldname": fieldname, "label": label, "fieldtype": fieldtype, "width": width, **extra}

	return [
		column("rep", _("Sales Rep"), "Link", 200, options="User"),
		column("rep_name", _("Name"), "Data", 140),
		column("visits", _("Visits")),
		column("pass_rate", _("Geofence Pass %"), "Percent", 130),
		column("flagged", _("Flagged")),
		column("median_minutes", _("Median Duration (min)"), "Float", 160, precision=1),
		column("without_deal", _("Without Deal"), width=110),
		column("window_open", _("Window Open"), width=110),
		column("moved", _("Moved in {0} Days").format(days), width=140),
		column("moved_share", _("Moved %"), "Percent"),
		column("moved_nothing", _("Moved Nothing"), width=120),
		column("moved_nothing_share", _("Moved Nothing %"), "Percent", 130),
		column("inside", _("Inside Visits"), width=110),
		column("inside_moved_nothing_share", _("Inside: Moved Nothing %"), "Percent", 180),
	]


def message(days: int):
	return _(
		"Visits checked in during the period. Geofence pass rate = Inside ÷ visits with a geofence result (No Site Location and No Device Location count as not passed). A visit moved its deal when, within {0} days after check-in, the deal moved to a later stage (by the stages' order), was won, or had a checkpoint completed. Visits without a deal count as moved nothing. Visits checked in less than {0} days ago that nothing has followed yet are Window Open and left out of the shares until their window ends. Median duration covers checked-out visits."
	).format(days)


def chart(data: list[dict]):
	if not data:
		return None
	busiest = sorted(data, key=lambda row: (-row["visits"], row["rep"]))[:CHART_REPS]
	return {
		"data": {
			"labels": [row["rep_name"] or row["rep"] for row in busiest],
			"datasets": [
				{"name": _("Moved"), "values": [row["moved"] for row in busiest]},
				{"name": _("Moved Nothing"), "values": [row["moved_nothing"] for row in busiest]},
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
		"colors": ["#28a745", "#e24c4c"],
	}


def summary(total: dict):
	def percent(value):
		return value if value is not None else "-"

	return [
		{"value": total["visits"], "label": _("Visits"), "datatype": "Int", "indicator": "blue"},
		{
			"value": percent(total["pass_rate"]),
			"label": _("Geofence Pass %"),
			"datatype": "Percent",
			"indicator": "green" if (total["pass_rate"] or 0) >= 90 else "orange",
		},
		{"value": total["flagged"], "label": _("Flagged"), "datatype": "Int", "indicator": "red"},
		{
			"value": total["median_minutes"] if total["median_minutes"] is not None else "-",
			"label": _("Median Duration (min)"),
			"datatype": "Float",
		},
		{"value": percent(total["moved_share"]), "label": _("Moved %"), "datatype": "Percent"},
		{
			"value": percent(total["moved_nothing_share"]),
			"label": _("Moved Nothing %"),
			"datatype": "Percent",
			"indicator": "red",
		},
		{
			"value": percent(total["inside_moved_nothing_share"]),
			"label": _("Inside: Moved Nothing %"),
			"datatype": "Percent",
			"indicator": "orange",
		},
	]
