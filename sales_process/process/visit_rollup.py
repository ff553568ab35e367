"""Visit counts for Visit Effectiveness at the scale of a year (1.8 M visits, DESIGN.md §3).

`Sales Visit Month` holds per month of check-in, company of the deal and rep what the visits add
(`engine.visits_report.visit_contribution`): counts, and histograms of the days from check-in to
the deal's first progress and of the durations. Every write of a visit — check-in, check-out,
review, the progress stamped when its deal moves — moves its row in the same transaction, so a
month's row is exact at every moment. Check-ins are stamped by the server, never in the future,
so the current month's row also answers a period that ends today.
"""

from __future__ import annotations

from datetime import date, datetime

from sales_process.engine.rollup import Change
from sales_process.engine.visits_report import (
	ROLLUP_COUNTS,
	ROLLUP_HISTOGRAMS,
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
	histograms=ROLLUP_HISTOGRAMS,
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


def month_rows(scope: ReportScope, months: list[date], company_filter: bool) -> dict[str, Change]:
	"""Per rep, the rollup rows of `months` summed (histograms merged)."""

	def narrow(query, table):
		query = restrict(query, scope, rep=table.rep)
		if company_filter:
			query = query.where((table.company == scope.company) | (table.company == ""))
		return query

	return rollups.month_sums(VISITS, months, "rep", narrow)


def from_rows(rows: list[dict]) -> dict[str, Change]:
	"""Per rep, what visit rows read from the visits add (a part of the period no month covers)."""
	per_rep: dict[str, Change] = {}
	for key, change in rollups.total_of(VISITS, rows).items():
		per_rep.setdefault(key[2], Change()).add(rollups.Contribution(key, change.counts, change.histograms))
	return per_rep


def split_period(scope: ReportScope, now: datetime) -> tuple[list[date], list[tuple[datetime, datetime]]]:
	"""Months the rollup answers whole, and the parts of the period read from the visits: a month
	counts whole when the period covers it, or covers it from its first day up to now or beyond
	(nothing is checked in after now)."""
	return rollups.split_period(scope.start, scope.end, now)
