"""Summary rows kept exact by the writes themselves (see `engine.rollup`).

A `Rollup` names its summary doctype, its key columns (month first), its count columns, the
source doctype and the fields its contribution function reads. Whoever writes a counted
document calls `apply(rollup, old_rows, new_rows)` in the same transaction: the summary rows
change by new − old with one `INSERT … ON DUPLICATE KEY UPDATE` per row, so two writers adding
to the same row at once serialise on that row and neither is lost. A summary row's name is a
hash of its key, which is what makes the upsert possible without another unique index.

`rebuild(rollup)` throws the rows away and adds every source document again (a command, a patch,
and the tests' reference).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import frappe
from frappe.query_builder import Case, CustomFunction
from frappe.query_builder.functions import Concat, Concat_ws, Count, GroupConcat, Sum
from frappe.utils import get_datetime, now_datetime
from pypika.terms import Values

from sales_process.engine.rollup import (
	EVERY_REP,
	PACK_SEPARATOR,
	SPARSE_PAIR,
	SPARSE_SEPARATOR,
	Buckets,
	Change,
	Contribution,
	changes,
	period_parts,
	total,
	unpacked,
	whole,
	with_every_rep,
)

__all__ = [
	"Change",
	"Contribution",
	"Rollup",
	"apply",
	"apply_doc",
	"bulk_write",
	"rebuild",
	"split_period",
]

SYSTEM = "Administrator"
REBUILD_BATCH = 20_000
# texts of one row per group (`bucket_sums`, the deal history's readers): GROUP_CONCAT joins the
# items with its comma, an item's values are joined by a space
GROUP_SEPARATOR, VALUE_SEPARATOR = ",", " "
Hex = CustomFunction("HEX", ["value"])


@dataclass(frozen=True)
class Rollup:
	doctype: str
	keys: tuple[str, ...]
	counts: tuple[str, ...]
	source: str
	fields: tuple[str, ...]
	contribution: Callable[[Mapping], list[Contribution]]
	# read as datetimes whatever a request sent (a form posts them as text)
	datetime_fields: tuple[str, ...] = ()
	# the key column of the rep, when the rollup also keeps rows summed over every rep
	# (`engine.rollup.EVERY_REP`): a wide rollup that a manager reads for a year
	every_rep_key: str | None = None

	def contributions(self, rows: Iterable[Mapping | None]) -> list[Contribution]:
		items = [item for row in rows if row for item in self.contribution(row)]
		if self.every_rep_key:
			items = with_every_rep(items, self.keys.index(self.every_rep_key))
		return items


def apply(rollup: Rollup, old_rows: Iterable[Mapping | None], new_rows: Iterable[Mapping | None]) -> int:
	"""Move the summary rows by what these documents now add minus what they added before."""
	delta = changes(rollup.contributions(old_rows), rollup.contributions(new_rows))
	_upsert(rollup, delta)
	return len(delta)


def apply_doc(rollup: Rollup, doc, deleted: bool = False):
	"""The hook form: a document saved (its state before the save is what was counted) or deleted."""
	before = None if doc.is_new() else doc.get_doc_before_save()
	if deleted:
		apply(rollup, [values_of(rollup, doc)], [])
	else:
		apply(rollup, [values_of(rollup, before)] if before is not None else [], [values_of(rollup, doc)])


def values_of(rollup: Rollup, doc) -> dict | None:
	if doc is None:
		return None
	values = {field: doc.get(field) for field in rollup.fields}
	for field in rollup.datetime_fields:
		values[field] = get_datetime(values[field]) if values[field] else None
	return values


@contextmanager
def bulk_write(rollup: Rollup, names: list[str]):
	"""Around an UPDATE of many source rows that bypasses their controller: count them again after."""
	before = read_rows(rollup, names)
	yield
	apply(rollup, before, read_rows(rollup, names))


def read_rows(rollup: Rollup, names: list[str]) -> list[dict]:
	"""The counted fields of source documents, as they are stored now (before a bulk write)."""
	if not names:
		return []
	source = frappe.qb.DocType(rollup.source)
	return (
		frappe.qb.from_(source)
		.select(*(source[field] for field in rollup.fields))
		.where(source.name.isin(names))
		.run(as_dict=True)
	)


def total_of(rollup: Rollup, rows: Iterable[Mapping]) -> dict[tuple, Change]:
	"""What source rows add, per summary key (a part of a period no summary row covers)."""
	return total(rollup.contributions(rows))


def split_period(
	start: datetime, end: datetime, now: datetime
) -> tuple[list[date], list[tuple[datetime, datetime]]]:
	"""The months of [start, end) a summary answers whole, and the rest as [from, to) intervals to
	add (`engine.rollup.period_parts` without subtracting, for readers that only add)."""
	months, parts = period_parts(start, end, now, subtract=False)
	return months, [(part_start, part_end) for part_start, part_end, _sign in parts]


def reader_rows(rollup: Rollup, table, reps: list[str] | None, per_rep: bool = False):
	"""Which rows of a rollup kept also over every rep a reader sums: the every-rep rows for a
	reader who sees every rep (`reps` None) unless the sums are per rep, else the reps' rows."""
	column = table[rollup.every_rep_key]
	return column == EVERY_REP if reps is None and not per_rep else column != EVERY_REP


def month_sums(
	rollup: Rollup, months: list[date], by: str, narrow, counts: tuple[str, ...] | None = None
) -> dict[str, Change]:
	"""Per value of the key column `by`, the summary rows of `months` summed by the database;
	`narrow(query, table)` adds the reader's conditions; `counts` (default: all) the columns the
	reader needs."""
	if not months:
		return {}
	counts = rollup.counts if counts is None else counts
	table = frappe.qb.DocType(rollup.doctype)
	query = (
		frappe.qb.from_(table)
		.select(table[by], packed_sums(table, counts))
		.where(table.month.isin(months))
		.groupby(table[by])
	)
	return {group: Change(unpacked(packed, counts, whole)) for group, packed in narrow(query, table).run()}


def packed_sums(table, counts: tuple[str, ...]):
	"""The sums of `counts` as one text, comma-separated: the driver (pure-Python pymysql) parses
	one value per group instead of one per column, which for a month of 500 reps × 145 visit
	counts was 40 ms of the 60. Count columns are NOT NULL, so no sum is NULL for CONCAT_WS to
	leave out."""
	return Concat_ws(PACK_SEPARATOR, *(Sum(table[name]) for name in counts))


def sparse_sums(table, counts: tuple[str, ...]):
	"""The sums of `counts` that are not zero, as one text of `index:sum` pairs (CONCAT_WS leaves
	out the NULLs): most of a rep's buckets are empty, and the driver and Python pay per value."""
	return Concat_ws(
		SPARSE_SEPARATOR,
		*(
			Case().when(Sum(table[name]) != 0, Concat(index, SPARSE_PAIR, Sum(table[name])))
			for index, name in enumerate(counts)
		),
	)


def report_index_columns(keys: tuple[str, ...], counts: tuple[str, ...]) -> list[str]:
	"""A covering index for a rollup read per month and rep: month, rep, the other keys, then the
	counts. A team's year is tens of thousands of rep rows; read from this index the database sums
	them without looking each row up (InnoDB's 3072-byte key limit allows four Link keys)."""
	return ["month", "rep", *(key for key in keys if key not in ("month", "rep")), *counts]


def row_name(rollup: Rollup, key: tuple) -> str:
	text = json.dumps([rollup.doctype, *(_plain_key(value) for value in key)], ensure_ascii=False)
	return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def _plain_key(value):
	return value.isoformat() if isinstance(value, date) else value


def _upsert(rollup: Rollup, delta: dict[tuple, Change]):
	"""Move the summary rows by `delta` in one statement, each count by its own step (`c = c +
	VALUES(c)`: concurrent writers never lose a count). One statement, not one per row: a deal
	counts on up to 24 rows of its trailing history, and a round trip per row cost a save 12 ms.
	Rows in name order, so two writers lock shared rows in the same order."""
	moving = [count for count in rollup.counts if any(change.counts.get(count) for change in delta.values())]
	if not moving:
		return
	table = frappe.qb.DocType(rollup.doctype)
	now = now_datetime()
	# a new row takes the column defaults (0) for the counts that do not move
	query = frappe.qb.into(table).columns(
		"name", "creation", "modified", "owner", "modified_by", *rollup.keys, *moving
	)
	for name, key, change in sorted((row_name(rollup, key), key, change) for key, change in delta.items()):
		query = query.insert(
			name, now, now, SYSTEM, SYSTEM, *key, *(change.counts.get(count, 0) for count in moving)
		)
	query = query.on_duplicate_key_update(table.modified, now)
	for count in moving:
		query = query.on_duplicate_key_update(table[count], table[count] + Values(table[count]))
	query.run()


def rebuild(rollup: Rollup, where=None) -> int:
	"""Count every source document again; returns the number of summary rows written."""
	frappe.db.delete(rollup.doctype)
	source = frappe.qb.DocType(rollup.source)
	rows: dict[tuple, Change] = {}
	last = ""
	while True:
		query = (
			frappe.qb.from_(source)
			.select(source.name, *(source[field] for field in rollup.fields))
			.where(source.name > last)
			.orderby(source.name)
			.limit(REBUILD_BATCH)
		)
		if where is not None:
			query = query.where(where(source))
		batch = query.run(as_dict=True)
		if not batch:
			break
		last = batch[-1].name
		for key, change in total(rollup.contributions(batch)).items():
			rows.setdefault(key, Change()).add(change)
	_insert(rollup, rows)
	return len(rows)


def _insert(rollup: Rollup, rows: dict[tuple, Change]):
	now = now_datetime()
	fields = ["name", "creation", "modified", "owner", "modified_by", *rollup.keys, *rollup.counts]
	values = [
		(
			row_name(rollup, key),
			now,
			now,
			SYSTEM,
			SYSTEM,
			*key,
			*(change.counts.get(count, 0) for count in rollup.counts),
		)
		for key, change in rows.items()
	]
	frappe.db.bulk_insert(rollup.doctype, fields, values, chunk_size=2_000)


def stored(rollup: Rollup) -> dict[tuple, Change]:
	"""The summary rows as they are (for the tests that compare them with a rebuild)."""
	table = frappe.qb.DocType(rollup.doctype)
	rows = frappe.qb.from_(table).select(
		*(table[key] for key in rollup.keys), *(table[c] for c in rollup.counts)
	)
	result = {}
	width = len(rollup.keys)
	for row in rows.run():
		change = Change(
			{name: int(value) for name, value in zip(rollup.counts, row[width:], strict=True) if value}
		)
		if not change.is_zero():
			result[tuple(row[:width])] = change
	return result


# fact rows: one per deal (or per deal and something of it), written whole by the system. A row's
# name is a hash of what it is about, so a write is one upsert and a CRM Deal may share a name.


def fact_columns(fields: tuple[str, ...]) -> tuple[str, ...]:
	"""A fact row's columns as stored: the document's own, its deal, then the facts."""
	return (
		"name",
		"creation",
		"modified",
		"owner",
		"modified_by",
		"reference_doctype",
		"reference_name",
		*fields,
	)


def fact_name(*about: str) -> str:
	return hashlib.sha1("\n".join(about).encode()).hexdigest()[:20]


def fact_row(
	name: str,
	reference_doctype: str,
	reference_name: str,
	values: Mapping,
	fields: tuple[str, ...],
	at: datetime,
) -> tuple:
	"""The values of `fact_columns(fields)`, written by the system at `at`."""
	return (
		name,
		at,
		at,
		SYSTEM,
		SYSTEM,
		reference_doctype,
		reference_name,
		*(values[field] for field in fields),
	)


def upsert_fact(doctype: str, columns: tuple[str, ...], row: tuple, fields: tuple[str, ...]):
	"""A fact row written whole by the system: inserted, or its `fields` and `modified` replaced
	(the row's name, a hash of what it is about, is the key)."""
	table = frappe.qb.DocType(doctype)
	values = dict(zip(columns, row, strict=True))
	query = frappe.qb.into(table).columns(*columns).insert(*row)
	query = query.on_duplicate_key_update(table.modified, values["modified"])
	for field in fields:
		query = query.on_duplicate_key_update(table[field], values[field])
	query.run()


def rebuild_facts(
	doctype: str,
	columns: tuple[str, ...],
	batches: Iterable[list[str]],
	rows_of: Callable[[list[str], datetime], list[tuple]],
	commit=None,
) -> int:
	"""Throw a fact table's rows away and write them again, `rows_of(batch, now)` for each batch of
	the documents they are about; `commit`, when given, after each batch. Returns the rows written."""
	frappe.db.delete(doctype)
	written, now = 0, now_datetime()
	for batch in batches:
		rows = rows_of(batch, now)
		frappe.db.bulk_insert(doctype, columns, rows, chunk_size=2_000)
		written += len(rows)
		if commit:
			commit()
	return written


def write_fields(doctype: str, fields: tuple[str, ...], rows: list[tuple], chunk: int = 500):
	"""Stamp `fields` on many rows (name, *values): one UPDATE per chunk, each field a CASE on the
	row's name (one statement per row would take an hour for a large org's year). No rollup moves:
	the caller rebuilds."""
	table = frappe.qb.DocType(doctype)
	for start in range(0, len(rows), chunk):
		part = rows[start : start + chunk]
		query = frappe.qb.update(table)
		for index, field in enumerate(fields, start=1):
			case = Case()
			for row in part:
				case = case.when(table.name == row[0], row[index])
			query = query.set(table[field], case.else_(table[field]))
		query.where(table.name.isin([row[0] for row in part])).run()


def every_rollup() -> list[Rollup]:
	"""The rollups the reports read (imported here: their modules import this one)."""
	from sales_process.process import (
		compliance_rollup,
		deal_rollup,
		objection_rollup,
		stage_rollup,
		strategy_rollup,
		visit_rollup,
	)

	return [
		compliance_rollup.COMPLIANCE,
		visit_rollup.VISITS,
		stage_rollup.STAGES,
		objection_rollup.OBJECTIONS,
		objection_rollup.ITEM_GROUPS,
		deal_rollup.DEALS,
		deal_rollup.TRAILING,
		strategy_rollup.USES,
	]


def rebuild_all() -> dict[str, int]:
	"""Count every rollup again (`bench --site <site> execute sales_process.process.rollups.rebuild_all`)."""
	return {rollup.doctype: rebuild(rollup) for rollup in every_rollup()}


def recount_after_bulk_load(commit=None) -> dict[str, int]:
	"""Rows written without their controllers (the demo's benchmark volumes, an import by SQL): the
	deals' outcomes and the Stage Log's facts are stamped first, then every rollup is rebuilt.
	`commit` is called between batches when given (`bench execute` passes none: one transaction)."""
	from sales_process.process import deal_rollup, objection_rollup, outcomes, stage_rollup, strategy_rollup

	outcomes.backfill()
	stage_rollup.restamp_all(commit)
	objection_rollup.stamp_stages_when_raised()
	objection_rollup.restamp_all(commit)
	deal_rollup.rebuild(commit)
	strategy_rollup.rebuild(commit)
	restamped = (stage_rollup.STAGES, *objection_rollup.BOTH, *deal_rollup.ALL, strategy_rollup.USES)
	return {rollup.doctype: rebuild(rollup) for rollup in every_rollup() if rollup not in restamped}


# the same counts read from the source rows by the database (a part of a month no summary row
# answers); each rollup's module writes its counts as SQL, and a test holds them equal


def count_if(condition, name: str):
	return Sum(Case().when(condition, 1).else_(0)).as_(name)


Ceil = CustomFunction("CEIL", ["value"])


def bucket_index(buckets: Buckets, value):
	"""The bucket of `value` as one SQL expression (`engine.rollup.Buckets.index`): a CASE per step
	region, each a CEIL of the distance into the region — a few comparisons per row where one
	CASE per bucket would be a hundred."""
	case = Case().when(value <= 0, 0)
	for lower, up_to, step, offset in buckets.regions:
		case = case.when(value <= up_to, offset + Ceil((value - lower) / step))
	return case.else_(len(buckets.bounds))


def bucket_sums(query, by_term, buckets: Buckets, value) -> dict[str, Change]:
	"""Per group, how many of the rows `query` selects fall in each bucket of `value`, one row per
	group: its `bucket:count` pairs joined by GROUP_CONCAT. A row per group and bucket was 30 000
	rows for a large org's visits of two weeks, and the driver's cost is per row (130 ms)."""
	index = bucket_index(buckets, value)
	per_bucket = query.select(by_term.as_("grp"), index.as_("bucket"), Count("*").as_("n")).groupby(
		by_term, index
	)
	rows = (
		frappe.qb.from_(per_bucket)
		.select(per_bucket.grp, GroupConcat(Concat(per_bucket.bucket, SPARSE_PAIR, per_bucket.n)))
		.groupby(per_bucket.grp)
		.run()
	)
	per_group: dict[str, Change] = {}
	for group, pairs in rows:
		counts = per_group.setdefault(group, Change()).counts
		for pair in pairs.split(GROUP_SEPARATOR):
			bucket, count = pair.split(SPARSE_PAIR)
			column = buckets.column(int(bucket))
			counts[column] = counts.get(column, 0) + int(count)
	return per_group


def sums_by(query, by_term, names: tuple[str, ...]) -> dict[str, Change]:
	"""Run a GROUP BY whose first column is the group and the rest `names`, as Changes per group."""
	return {
		row[0]: Change({name: int(value or 0) for name, value in zip(names, row[1:], strict=True) if value})
		for row in query.groupby(by_term).run()
	}
