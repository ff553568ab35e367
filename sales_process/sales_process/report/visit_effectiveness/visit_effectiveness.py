"""Visit Effectiveness: per rep, are visits real (geofence, flags, duration) and do they move deals
(a stage advance, a win or a completed checkpoint within N days)? Seed 003: 43 % of "on-target"
visits moved nothing.

The follow-up test runs in the database, once per visit (EXISTS on the indexed Stage Log and
Checkpoint Record keys, grouped by its result), so only a few rows per rep come back; the rates,
medians and totals are engine.visits_report."""

from __future__ import annotations

from datetime import timedelta

import frappe
import pandas as pd
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Count, Sum
from frappe.utils import cint, get_fullname, now_datetime
from pypika.terms import ExistsCriterion, Interval, Tuple

from sales_process.engine.visits_report import (
	INSIDE,
	WON_STATUS,
	advancing_moves,
	counts_from_groups,
	effectiveness_table,
	totals,
)
from sales_process.process.report_scope import ReportScope, report_scope, restrict

DEFAULT_FOLLOW_DAYS = 7
CHART_REPS = 30  # more bars than this are unreadable; the table has every rep
OPPORTUNITY = "Opportunity"


def execute(filters=None):
	filters = frappe._dict(filters or {})
	scope = report_scope(filters)
	days = follow_days(filters)
	if scope.sees_nothing:
		return columns(days), [], _("You have no visits to see with these filters."), None, []
	as_of = now_datetime()
	groups = pd.DataFrame(
		visit_groups(scope, days, as_of).run(),
		columns=["rep", "inside", "recent", "moved", "visits", "with_result", "flagged", "without_deal"],
	)
	durations = pd.DataFrame(duration_query(scope).run(), columns=["rep", "duration"])
	table = effectiveness_table(counts_from_groups(groups), durations)
	data = [{**clean(record), "rep_name": get_fullname(record["rep"])} for record in table.to_dict("records")]
	total = totals(table, durations)
	return columns(days), data, message(days), chart(data), summary(total)


def follow_days(filters) -> int:
	days = cint(filters.get("follow_days")) if filters.get("follow_days") not in (None, "") else None
	if days is None:
		return DEFAULT_FOLLOW_DAYS
	if days < 1 or days > 365:
		frappe.throw(
			_("Follow-up Days must be between 1 and 365, not {0}.").format(days), title=_("Check the filters")
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
	query = frappe.qb.from_(visit).where(
		(visit.check_in_time >= scope.start) & (visit.check_in_time < scope.end)
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


def moved_condition(visit, days: int):
	"""The visit's deal advanced, was won, or had a checkpoint completed in (check-in, check-in + days]."""
	log = frappe.qb.DocType("Sales Stage Log")
	record = frappe.qb.DocType("Sales Checkpoint Record")
	window_end = visit.check_in_time + Interval(days=days)
	progress = (Coalesce(log.from_status, "") != WON_STATUS) & (log.to_status == WON_STATUS)
	forward = advancing_moves(stage_sequences())
	if forward:
		progress = progress | Tuple(log.from_stage, log.to_stage).isin([Tuple(*pair) for pair in forward])
	advanced = (
		frappe.qb.from_(log)
		.select(log.name)
		.where(
			(log.reference_doctype == OPPORTUNITY)
			& (log.reference_name == visit.reference_name)
			& (log.changed_on > visit.check_in_time)
			& (log.changed_on <= window_end)
			& progress
		)
	)
	completed = (
		frappe.qb.from_(record)
		.select(record.name)
		.where(
			(record.reference_doctype == OPPORTUNITY)
			& (record.reference_name == visit.reference_name)
			& (record.status == "Completed")
			& (record.completed_on > visit.check_in_time)
			& (record.completed_on <= window_end)
		)
	)
	return (visit.reference_doctype == OPPORTUNITY) & (ExistsCriterion(advanced) | ExistsCriterion(completed))


def visit_groups(scope: ReportScope, days: int, as_of):
	"""Visits counted per (rep, inside, window still open, moved): the follow-up test runs once per visit."""
	query, visit = scoped_visits(scope)
	on_deal = (visit.reference_doctype == OPPORTUNITY) & (Coalesce(visit.reference_name, "") != "")
	inside = Case().when(visit.geofence_result == INSIDE, 1).else_(0)
	# a visit without a deal has nothing to wait for: it moved nothing at once
	recent = Case().when(on_deal & (visit.check_in_time > as_of - timedelta(days=days)), 1).else_(0)
	moved = Case().when(moved_condition(visit, days), 1).else_(0)
	has_result = Case().when(Coalesce(visit.geofence_result, "") != "", 1).else_(0)
	no_deal = Case().when(on_deal, 0).else_(1)
	return query.select(
		visit.rep,
		inside.as_("inside"),
		recent.as_("recent"),
		moved.as_("moved"),
		Count("*").as_("visits"),
		Sum(has_result).as_("with_result"),
		Sum(visit.needs_review).as_("flagged"),
		Sum(no_deal).as_("without_deal"),
	).groupby(visit.rep, inside.as_("inside"), recent.as_("recent"), moved.as_("moved"))


def duration_query(scope: ReportScope):
	"""Durations (seconds) of the period's checked-out visits, for the medians."""
	query, visit = scoped_visits(scope)
	return query.select(visit.rep, visit.duration).where(
		(visit.status == "Checked Out") & visit.duration.isnotnull()
	)


def stage_sequences() -> dict[str, float | None]:
	return {
		row.name: row.sp_sequence
		for row in frappe.get_all("Sales Stage", fields=["name", "sp_sequence"], order_by="name asc")
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
