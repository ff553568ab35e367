"""Visit Effectiveness: per rep, are visits real (geofence, flags, duration) and do they move deals
(a stage advance, a win or a completed checkpoint within N days)? Seed 003: 43 % of "on-target"
visits moved nothing.

Whether a visit moved its deal is a stored fact (Sales Visit Log.progressed_on, written when the
deal progresses), so the report is one GROUP BY over the period's visits read from one covering
index, plus the durations for the medians; the rates, medians and totals are engine.visits_report."""

from __future__ import annotations

from datetime import timedelta

import frappe
import pandas as pd
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Count, Sum
from frappe.utils import cint, get_fullname, now_datetime
from pypika.terms import Interval

from sales_process.engine.visits_report import (
	COUNT_COLUMNS,
	INSIDE,
	PROGRESS_HORIZON_DAYS,
	effectiveness_table,
	totals,
)
from sales_process.process.report_scope import ReportScope, report_scope, restrict
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
	counts = pd.DataFrame(visit_counts(scope, days, now_datetime()).run(), columns=["rep", *COUNT_COLUMNS])
	durations = pd.DataFrame(duration_query(scope).run(), columns=["rep", "duration"])
	table = effectiveness_table(counts, durations)
	data = [{**clean(record), "rep_name": get_fullname(record["rep"])} for record in table.to_dict("records")]
	total = totals(table, durations)
	return columns(days), data, message(days), chart(data), summary(total)


def follow_days(filters) -> int:
	days = cint(filters.get("follow_days")) if filters.get("follow_days") not in (None, "") else None
	if days is None:
		return DEFAULT_FOLLOW_DAYS
	# progress is stored only for visits checked in at most PROGRESS_HORIZON_DAYS before it
	if days < 1 or days > PROGRESS_HORIZON_DAYS:
		frappe.throw(
			_("Follow-up Days must be between 1 and {0}, not {1}.").format(PROGRESS_HORIZON_DAYS, days),
			title=_("Check the filters"),
		)
	return days


def clean(record: dict) -> dict:
	return {key: (None if pd.isna(value) else value) for key, value in record.items()}


# --- queries --------------------------------------------------------------------------------


def scoped_visits(scope: ReportScope):
	"""Checked-in visits of the period the reader may see.

	Company, territory and customer group are the deal's; a visit without a deal takes territory
	and customer group from its customer and passes the company filter (it belongs to no company).
	The deal and the customer are joined only when a filter needs them: without those joins the
	period's visits are read from one covering index (see Sales Visit Log's on_doctype_update).
	"""
	visit = frappe.qb.DocType("Sales Visit Log")
	deal = frappe.qb.DocType(OPPORTUNITY)
	customer = frappe.qb.DocType("Customer")
	# for a year the optimizer would walk the rep index and read every visit's row (30 s at 1.8 M)
	query = (
		frappe.qb.from_(visit)
		.force_index(VISIT_REPORT_INDEX)
		.where((visit.check_in_time >= scope.start) & (visit.check_in_time < scope.end))
	)
	query = restrict(query, scope, rep=visit.rep)
	by_place = scope.territories is not None or scope.customer_groups is not None
	by_company = company_can_exclude(scope.company)
	if by_place or by_company:
		query = query.left_join(deal).on(
			(visit.reference_doctype == OPPORTUNITY) & (visit.reference_name == deal.name)
		)
	if by_place:
		query = query.left_join(customer).on(
			(visit.party_type == "Customer") & (visit.party == customer.name)
		)
	if by_company:
		query = query.where((deal.company == scope.company) | deal.name.isnull())
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


def visit_counts(scope: ReportScope, days: int, as_of):
	"""Per rep: visits and the COUNT_COLUMNS of engine.visits_report, summed in the database.

	Whether a visit moved its deal is stored on the visit when the deal progresses (progressed_on:
	the first advance, win or completed checkpoint after check-in, see process.visits.mark_progress),
	so it moved within N days when that moment is at most N days after its check-in.
	"""
	query, visit = scoped_visits(scope)
	on_deal = (visit.reference_doctype == OPPORTUNITY) & (Coalesce(visit.reference_name, "") != "")
	is_inside = visit.geofence_result == INSIDE
	moved = (visit.reference_doctype == OPPORTUNITY) & (
		visit.progressed_on <= visit.check_in_time + Interval(days=days)
	)
	# a visit without a deal has nothing to wait for: it moved nothing at once
	waiting = on_deal & (visit.check_in_time > as_of - timedelta(days=days))

	def count_if(condition):
		return Sum(Case().when(condition, 1).else_(0))

	def count_waiting(condition):
		return Sum(Case().when(moved, 0).when(condition, 1).else_(0))

	return query.select(
		visit.rep,
		Count("*").as_("visits"),
		count_if(Coalesce(visit.geofence_result, "") != "").as_("with_result"),
		count_if(is_inside).as_("inside"),
		Sum(visit.needs_review).as_("flagged"),
		count_if(~on_deal).as_("without_deal"),
		count_if(moved).as_("moved"),
		count_waiting(waiting).as_("window_open"),
		count_if(is_inside & moved).as_("inside_moved"),
		count_waiting(is_inside & waiting).as_("inside_window_open"),
	).groupby(visit.rep)


def duration_query(scope: ReportScope):
	"""Durations (seconds) of the period's checked-out visits, for the medians.

	Fetched and sorted in Python: MariaDB's MEDIAN() window function took 26 s for a month's 145 k
	visits where reading the durations took under a second.
	"""
	query, visit = scoped_visits(scope)
	return query.select(visit.rep, visit.duration).where(
		(visit.status == "Checked Out") & visit.duration.isnotnull()
	)


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
