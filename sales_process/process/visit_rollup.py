"""Visit counts for Visit Effectiveness at the scale of a year (1.8 M visits, DESIGN.md §3).

`Sales Visit Month` holds per month of check-in, company of the deal and rep what the visits add
(`engine.visits_report.visit_contribution`): counts, the visits followed by progress within each
offered window, and the durations in buckets. Every write of a visit — check-in, check-out,
review, the progress stamped when its deal moves — moves its row in the same transaction, so a
month's row is exact at every moment. Check-ins are stamped by the server, never in the future,
so the current month's row also answers a period that ends today.
"""

from __future__ import annotations

from datetime import date, datetime

from frappe.query_builder.functions import Coalesce, Count
from pypika.terms import Interval

from sales_process.engine.rollup import Change, period_parts
from sales_process.engine.visits_report import (
	DEAL_DOCTYPE,
	DURATION_BUCKETS,
	FOLLOW_WINDOWS,
	INSIDE,
	ROLLUP_COUNTS,
	ROLLUP_KEYS,
	visit_contribution,
)
from sales_process.process import rollups
from sales_process.process.report_scope import ReportScope, restrict

VISIT = "Sales Visit Log"
ROLLUP = "Sales Visit Month"

VISITS = rollups.Rollup(
	doctype=ROLLUP,
	keys=ROLLUP_KEYS,
	counts=ROLLUP_COUNTS,
	source=VISIT,
	fields=(
		"check_in_time",
		"company",
		"rep",
		"reference_doctype",
		"reference_name",
		"geofence_result",
		"needs_review",
		"progressed_on",
		"status",
		"duration",
	),
	contribution=visit_contribution,
	datetime_fields=("check_in_time", "progressed_on"),
)


def visit_written(doc, method=None):
	rollups.apply_doc(VISITS, doc)


def visit_deleted(doc, method=None):
	rollups.apply_doc(VISITS, doc, deleted=True)


def bulk_write(names: list[str]):
	return rollups.bulk_write(VISITS, names)


def rebuild() -> int:
	"""`bench --site <site> execute sales_process.process.visit_rollup.rebuild`"""
	return rollups.rebuild(VISITS)


def month_rows(
	scope: ReportScope, months: list[date], company_filter: bool, follow_days: int | None = None
) -> dict[str, Change]:
	"""Per rep, the rollup rows of `months` summed: every count, or with `follow_days` only the
	"moved within" counts of that window (the report shows one; 22 columns fewer to sum)."""

	def narrow(query, table):
		query = restrict(query, scope, rep=table.rep)
		if company_filter:
			query = query.where((table.company == scope.company) | (table.company == ""))
		return query

	return rollups.month_sums(VISITS, months, "rep", narrow, counts_for(follow_days))


def counts_for(follow_days: int | None) -> tuple[str, ...]:
	"""The rollup counts a reader of one follow-up window needs (None: all of them)."""
	if follow_days is None:
		return ROLLUP_COUNTS
	other_windows = {
		name
		for days in FOLLOW_WINDOWS
		if days != follow_days
		for name in (f"moved_{days}d", f"inside_moved_{days}d")
	}
	return tuple(name for name in ROLLUP_COUNTS if name not in other_windows)


def count_terms(visit, follow_days: int | None = None) -> list:
	"""`visit_contribution`'s counts as SQL over Sales Visit Log rows (a part of a month); with
	`follow_days` only that window's "moved within" counts."""
	windows = FOLLOW_WINDOWS if follow_days is None else (follow_days,)
	on_deal = (visit.reference_doctype == DEAL_DOCTYPE) & (Coalesce(visit.reference_name, "") != "")
	inside = visit.geofence_result == INSIDE
	terms = [
		Count("*").as_("visits"),
		rollups.count_if(Coalesce(visit.geofence_result, "") != "", "with_result"),
		rollups.count_if(inside, "inside"),
		rollups.count_if(visit.needs_review == 1, "flagged"),
		rollups.count_if(on_deal.negate(), "without_deal"),
	]
	for days in windows:
		moved = on_deal & (visit.progressed_on <= visit.check_in_time + Interval(days=days))
		terms.append(rollups.count_if(moved, f"moved_{days}d"))
	for days in windows:
		moved = on_deal & (visit.progressed_on <= visit.check_in_time + Interval(days=days))
		terms.append(rollups.count_if(moved & inside, f"inside_moved_{days}d"))
	return terms


def sums_per_rep(query, visit, follow_days: int | None = None) -> dict[str, Change]:
	"""Per rep, the counts of the visits `query` selects (checked in: check_in_time is set): the
	`counts_for(follow_days)`."""
	checked_in = query.where(visit.check_in_time.isnotnull())
	counted = [name for name in counts_for(follow_days) if name not in DURATION_BUCKETS.columns]
	per_rep = rollups.sums_by(
		checked_in.select(visit.rep, *count_terms(visit, follow_days)), visit.rep, tuple(counted)
	)
	checked_out = checked_in.where((visit.status == "Checked Out") & visit.duration.isnotnull())
	for rep, change in rollups.bucket_sums(
		checked_out, visit.rep, DURATION_BUCKETS, visit.duration / 60
	).items():
		per_rep.setdefault(rep, Change()).add(change)
	return per_rep


def split_period(
	scope: ReportScope, now: datetime
) -> tuple[list[date], list[tuple[datetime, datetime, int]]]:
	"""Months the rollup answers whole, and signed parts of the period read from the visits
	(`engine.rollup.period_parts`: nothing is checked in after now)."""
	return period_parts(scope.start, scope.end, now)
