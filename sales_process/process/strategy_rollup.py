"""Response strategies' uses for Objection Analysis at scale (`engine.strategy_uses`).

`Sales Strategy Use` holds one row per (deal, strategy) that answered one of the deal's objections
or risk signals: the first use's moment and rep, the deal's company and outcome. `refresh(deals)`
works a deal's uses out again from its answers and its stored outcome and moves `Sales Strategy
Month` by what changed, in the same transaction; it is idempotent, so every writer calls it: a
saved or deleted objection or risk signal, and a deal whose company or outcome changed (through
`deal_rollup.refresh`, which every change of a deal passes).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import frappe
from frappe.query_builder.functions import Count, Sum
from frappe.utils import get_datetime, now_datetime

from sales_process.adapters import opportunity
from sales_process.engine.objections_report import LOST, WON
from sales_process.engine.rollup import period_parts
from sales_process.engine.strategy_uses import (
	STRATEGY_ROLLUP_COUNTS,
	STRATEGY_ROLLUP_KEYS,
	USE_FIELDS,
	deal_outcome,
	strategy_contribution,
	strategy_uses,
)
from sales_process.process import rollups
from sales_process.process.report_scope import ReportScope, restrict

USE = "Sales Strategy Use"
ROLLUP = "Sales Strategy Month"
ANSWERS = ("Sales Objection", "Sales Risk Signal")
BATCH = 2_000

USES = rollups.Rollup(
	doctype=ROLLUP,
	keys=STRATEGY_ROLLUP_KEYS,
	counts=STRATEGY_ROLLUP_COUNTS,
	source=USE,
	fields=USE_FIELDS,
	contribution=strategy_contribution,
	datetime_fields=("first_used_on",),
	every_rep_key="rep",
)
# what of an answer makes its deal's uses: a change of anything else leaves them as they are
COUNTED_FIELDS = ("reference_doctype", "reference_name", "strategy", "assigned_to", "creation")


# keeping


def answer_written(doc):
	"""Sales Objection / Sales Risk Signal on_update: the deals it answers on now and before."""
	before = None if doc.is_new() else doc.get_doc_before_save()
	if before is not None and all(
		str(doc.get(field) or "") == str(before.get(field) or "") for field in COUNTED_FIELDS
	):
		return
	refresh(_deals_of(doc, before))


def answer_deleted(doc):
	"""after_delete: the answer is gone from its deal's uses."""
	refresh(_deals_of(doc))


def _deals_of(*docs) -> list[str]:
	return [
		doc.reference_name
		for doc in docs
		if doc is not None
		and doc.get("reference_doctype") == opportunity.DOCTYPE
		and doc.get("reference_name")
	]


def refresh(deals: Iterable[str]) -> int:
	"""Work these deals' strategy uses out again; the monthly sums move by what changed. Returns
	the number of uses written or removed."""
	deals = sorted({deal for deal in deals if deal})
	if not deals:
		return 0
	current = uses_of(deals)
	before = stored_uses(deals)
	changed = [key for key in current.keys() | before.keys() if current.get(key) != before.get(key)]
	if not changed:
		return 0
	rollups.apply(USES, [before.get(key) for key in changed], [current.get(key) for key in changed])
	gone = [use_name(*key) for key in changed if key not in current]
	if gone:
		table = frappe.qb.DocType(USE)
		frappe.qb.from_(table).delete().where(table.name.isin(gone)).run()
	now = now_datetime()
	for key in changed:
		if key in current:
			rollups.upsert_fact(USE, USE_COLUMNS, _use_row(key[0], current[key], now), USE_FIELDS)
	return len(changed)


def uses_of(deals: list[str]) -> dict[tuple[str, str], dict]:
	"""{(deal, strategy): the use} for the deals that exist, from their answers and outcome now."""
	answers: dict[str, list[dict]] = {}
	for doctype in ANSWERS:
		table = frappe.qb.DocType(doctype)
		for row in (
			frappe.qb.from_(table)
			.select(table.name, table.creation, table.strategy, table.assigned_to, table.reference_name)
			.where(
				(table.reference_doctype == opportunity.DOCTYPE)
				& table.reference_name.isin(deals)
				& table.strategy.isnotnull()
				& (table.strategy != "")
			)
			.run(as_dict=True)
		):
			row.creation = get_datetime(row.creation)
			answers.setdefault(row.reference_name, []).append(row)
	uses = {}
	if not answers:
		return uses
	for deal, values in opportunity.outcome_values_of(list(answers)).items():
		outcome = deal_outcome(bool(values.won_on), bool(values.lost_on))
		for strategy, use in strategy_uses(answers[deal], values.company, outcome).items():
			uses[(deal, strategy)] = use
	return uses


def stored_uses(deals: list[str]) -> dict[tuple[str, str], dict]:
	table = frappe.qb.DocType(USE)
	rows = (
		frappe.qb.from_(table)
		.select(table.reference_name, *(table[field] for field in USE_FIELDS))
		.where((table.reference_doctype == opportunity.DOCTYPE) & table.reference_name.isin(deals))
		.run(as_dict=True)
	)
	uses = {}
	for row in rows:
		deal = row.pop("reference_name")
		row["first_used_on"] = get_datetime(row["first_used_on"])
		row["company"] = row["company"] or ""
		row["rep"] = row["rep"] or ""
		uses[(deal, row["strategy"])] = dict(row)
	return uses


def use_name(deal: str, strategy: str, reference_doctype: str = opportunity.DOCTYPE) -> str:
	"""A use's name: a hash of its deal and strategy (the upsert's key)."""
	return rollups.fact_name(reference_doctype, deal, strategy)


USE_COLUMNS = rollups.fact_columns(USE_FIELDS)


def _use_row(deal: str, use: dict, at: datetime) -> tuple:
	return rollups.fact_row(use_name(deal, use["strategy"]), opportunity.DOCTYPE, deal, use, USE_FIELDS, at)


def rebuild(commit=None) -> int:
	"""Every deal's strategy uses from scratch and the monthly sums again (a patch, a bulk load):
	`bench --site <site> execute sales_process.process.strategy_rollup.rebuild`. `commit`, when
	given, is called after each batch of deals. Returns the uses counted."""

	def rows_of(deals, now):
		return [_use_row(deal, use, now) for (deal, _strategy), use in uses_of(deals).items()]

	counted = rollups.rebuild_facts(USE, USE_COLUMNS, opportunity.deal_name_batches(BATCH), rows_of, commit)
	rollups.rebuild(USES)
	return counted


# reading


def strategy_sums(scope: ReportScope, now: datetime) -> list[dict]:
	"""Per strategy, the deals it was first used on in the reader's period and scope, by outcome:
	whole months from `Sales Strategy Month`, a month the period cuts from its uses inside the
	period or as its sums less the uses outside (whichever reads fewer days), and
	everything under a territory or customer-group filter (the deal's, read now) from the uses
	joined to their deals."""
	if scope.territories is not None or scope.customer_groups is not None:
		months, parts = [], [(scope.start, scope.end, 1)]
	else:
		months, parts = period_parts(scope.start, scope.end, now)
	rows = _month_sums(scope, months)
	for start, end, sign in parts:
		rows += [
			{**row, **{name: sign * int(row[name] or 0) for name in STRATEGY_ROLLUP_COUNTS}}
			for row in _use_sums(scope, start, end)
		]
	return rows


def _month_sums(scope: ReportScope, months: list[date]) -> list[dict]:
	if not months:
		return []
	table = frappe.qb.DocType(ROLLUP)
	query = (
		frappe.qb.from_(table)
		.select(table.strategy, *(Sum(table[name]).as_(name) for name in STRATEGY_ROLLUP_COUNTS))
		.where(table.month.isin(months) & rollups.reader_rows(USES, table, scope.reps))
		.groupby(table.strategy)
	)
	query = restrict(query, scope, rep=table.rep, company=table.company)
	return [dict(zip(("strategy", *STRATEGY_ROLLUP_COUNTS), row, strict=True)) for row in query.run()]


def _use_sums(scope: ReportScope, start: datetime, end: datetime) -> list[dict]:
	"""`strategy_contribution`'s counts as SQL over the uses first made in [start, end)."""
	use = frappe.qb.DocType(USE)
	query = (
		frappe.qb.from_(use)
		.select(
			use.strategy,
			Count("*").as_("deals_used"),
			rollups.count_if(use.outcome == WON, "deals_won"),
			rollups.count_if(use.outcome == LOST, "deals_lost"),
			rollups.count_if(use.outcome.notin([WON, LOST]), "still_open"),
		)
		.where((use.first_used_on >= start) & (use.first_used_on < end))
		.groupby(use.strategy)
	)
	if scope.territories is not None or scope.customer_groups is not None:
		deal = frappe.qb.DocType(opportunity.DOCTYPE)
		query = query.join(deal).on(
			(use.reference_doctype == opportunity.DOCTYPE) & (deal.name == use.reference_name)
		)
		query = restrict(query, scope, territory=deal.territory, customer_group=deal.customer_group)
	query = restrict(query, scope, rep=use.rep, company=use.company)
	return [dict(zip(("strategy", *STRATEGY_ROLLUP_COUNTS), row, strict=True)) for row in query.run()]
