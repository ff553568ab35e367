"""Stage-log counts for Funnel Health at the scale of a year (DESIGN.md §3).

Each Sales Stage Log row carries what the funnel needs, stamped by the server when the row is
written (`engine.funnel.move_facts`): the deal's rep and company, whether it is the deal's first
arrival in the stage, when the deal then first reached a later stage, whether the deal is won,
and how long the stay it ends lasted. `Sales Stage Month` sums what the rows add
(`engine.funnel.log_row_contribution`) per month, company, rep and stage, and again over every
rep (`engine.rollup.EVERY_REP`, what a manager reads); every write of a row —
a new move, a later advance, a win, a reassignment — moves its summary row in the same
transaction. Moves are logged at the server's time, never in the future, so the current month's
row also answers a period that ends today.
"""

from __future__ import annotations

from datetime import date, datetime

import frappe
from frappe.query_builder.functions import Coalesce, Count

from sales_process.engine.funnel import (
	DWELL_HOURS,
	STAGE_ROLLUP_COUNTS,
	STAGE_ROLLUP_KEYS,
	log_row_contribution,
	move_facts,
)
from sales_process.engine.rollup import Change
from sales_process.process import rollups
from sales_process.process.report_scope import ReportScope, restrict

LOG = "Sales Stage Log"
ROLLUP = "Sales Stage Month"
FACT_FIELDS = ("rep", "company", "first_entry", "advanced_on", "deal_won", "stay_seconds")

STAGES = rollups.Rollup(
	doctype=ROLLUP,
	keys=STAGE_ROLLUP_KEYS,
	counts=STAGE_ROLLUP_COUNTS,
	source=LOG,
	fields=("changed_on", "from_stage", "to_stage", *FACT_FIELDS),
	contribution=log_row_contribution,
	datetime_fields=("changed_on", "advanced_on"),
	# 136 count columns: a year of a large org's rep rows takes the database 0.6 s to sum
	every_rep_key="rep",
)


# keeping


def counted_insert(row):
	"""Insert a log row (a system write of values just read from the deal) and count it."""
	row.db_insert()
	rollups.apply(STAGES, [], [rollups.values_of(STAGES, row)])


def stamp_advances(names: list[str], at: datetime):
	"""Earlier first entries the deal has now moved beyond."""
	if not names:
		return
	log = frappe.qb.DocType(LOG)
	with rollups.bulk_write(STAGES, names):
		frappe.qb.update(log).set(log.advanced_on, at).where(log.name.isin(names)).run()


def follow_deal(reference_doctype: str, reference_name: str, **values):
	"""The deal's rows take its new rep / company / won state (a reassignment, a win, a reopening)."""
	log = frappe.qb.DocType(LOG)
	query = (
		frappe.qb.from_(log)
		.select(log.name)
		.where((log.reference_doctype == reference_doctype) & (log.reference_name == reference_name))
	)
	for field, value in values.items():
		query = query.where(log[field].isnull() | (log[field] != value))
	names = query.run(pluck=True)
	if not names:
		return
	update = frappe.qb.update(log)
	for field, value in values.items():
		update = update.set(log[field], value)
	with rollups.bulk_write(STAGES, names):
		update.where(log.name.isin(names)).run()


def rebuild() -> int:
	"""`bench --site <site> execute sales_process.process.stage_rollup.rebuild`"""
	return rollups.rebuild(STAGES)


def restamp_all(commit=None) -> int:
	"""Stamp every log row's facts again from the deals' histories and rebuild the rollup (a patch,
	the install's backfill, a bulk load): `bench --site <site> execute
	sales_process.process.stage_rollup.restamp_all`."""
	from sales_process.adapters import opportunity
	from sales_process.process.rule_book import stage_order

	return restamp(stage_order(), opportunity.funnel_facts_of, commit=commit)


def restamp(sequence: dict, deal_facts, only: list[str] | None = None, commit=None) -> int:
	"""`deal_facts(names) -> {name: (rep, company, won)}`. Returns the rows written.

	Every deal (the rollup rebuilt at the end; `commit`, when given, is called after each batch of
	deals to keep a patch's transactions small), or `only` these deals (their summary rows moved
	in the caller's transaction)."""
	if only is not None:
		names = frappe.get_all(
			LOG, filters={"reference_doctype": "Opportunity", "reference_name": ("in", only)}, pluck="name"
		)
		with rollups.bulk_write(STAGES, names):
			return _restamp_deals(only, deal_facts, sequence)
	written, last = 0, ""
	while deals := _deals_after(last):
		last = deals[-1]
		written += _restamp_deals(deals, deal_facts, sequence)
		if commit:
			commit()
	rebuild()
	return written


def _deals_after(last: str, batch: int = 2_000) -> list[str]:
	log = frappe.qb.DocType(LOG)
	return (
		frappe.qb.from_(log)
		.select(log.reference_name)
		.distinct()
		.where((log.reference_doctype == "Opportunity") & (log.reference_name > last))
		.orderby(log.reference_name)
		.limit(batch)
		.run(pluck=True)
	)


def _restamp_deals(deals: list[str], deal_facts, sequence: dict) -> int:
	log = frappe.qb.DocType(LOG)
	if not deals:
		return 0
	facts = deal_facts(deals)
	rows = (
		frappe.qb.from_(log)
		.select(
			log.name,
			log.reference_name,
			log.changed_on,
			log.from_stage,
			log.to_stage,
			log.seconds_in_previous,
		)
		.where((log.reference_doctype == "Opportunity") & log.reference_name.isin(deals))
		.orderby(log.reference_name)
		.orderby(log.changed_on)
		.orderby(log.creation)
		.run(as_dict=True)
	)
	updates = []
	history: list[dict] = []
	for row in rows:
		if history and history[-1]["reference_name"] != row.reference_name:
			updates += _stamped(history, facts)
			history = []
		stamped = move_facts(
			history, row.from_stage, row.to_stage, row.changed_on, row.seconds_in_previous, sequence
		)
		for earlier in history:
			if earlier["name"] in stamped.advances:
				earlier["advanced_on"] = row.changed_on
		history.append(
			{
				**row,
				"first_entry": int(stamped.first_entry),
				"advanced_on": None,
				"stay_seconds": stamped.stay_seconds,
			}
		)
	updates += _stamped(history, facts)
	_write_facts(updates)
	return len(updates)


def _stamped(history: list[dict], facts: dict) -> list[tuple]:
	if not history:
		return []
	rep, company, won = facts.get(history[0]["reference_name"], (None, None, False))
	return [
		(
			row["name"],
			rep,
			company,
			row["first_entry"],
			row["advanced_on"],
			int(bool(won)),
			row["stay_seconds"],
		)
		for row in history
	]


def _write_facts(updates: list[tuple]):
	rollups.write_fields(LOG, FACT_FIELDS, updates)


# reading


def month_rows(scope: ReportScope, months: list[date]) -> dict[str, Change]:
	"""Per stage, the rollup rows of `months` summed: the rows of every rep for a reader who sees
	every rep, else the rows of the reps they may see."""

	def narrow(query, table):
		query = query.where(rollups.reader_rows(STAGES, table, scope.reps))
		return restrict(query, scope, rep=table.rep, company=table.company)

	return rollups.month_sums(STAGES, months, "stage", narrow)


def sums_per_stage(query, log) -> dict[str, Change]:
	"""`log_row_contribution`'s counts as SQL over the Stage Log rows `query` selects: entries per
	stage moved into, exits and their dwell buckets per stage left (a part of a month)."""
	moved = Coalesce(log.from_stage, "") != Coalesce(log.to_stage, "")
	entries = query.select(
		log.to_stage,
		Count("*").as_("entered"),
		rollups.count_if(log.advanced_on.isnotnull(), "advanced"),
		rollups.count_if(log.deal_won == 1, "won"),
	).where(moved & (log.first_entry == 1) & (Coalesce(log.to_stage, "") != ""))
	per_stage = rollups.sums_by(entries, log.to_stage, ("entered", "advanced", "won"))
	leaving = query.where(moved & (Coalesce(log.from_stage, "") != "") & log.stay_seconds.isnotnull())
	exits = rollups.bucket_sums(leaving, log.from_stage, DWELL_HOURS, log.stay_seconds / 3600)
	for stage, change in exits.items():
		change.counts["exits"] = DWELL_HOURS.total(change.counts)
		per_stage.setdefault(stage, Change()).add(change)
	return per_stage
