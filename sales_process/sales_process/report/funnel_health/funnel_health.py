"""Funnel Health 过程健康度: where deals wait and leak, stage by stage, and who skips which step.

Stages view: per Sales Stage in process order (Sales Stage.sp_sequence) the open deals now, the
deals that entered in the period and how many went further, the time spent in the stage (median,
p90, histogram, from the Sales Stage Log), the deals stalled now and the checkpoint completion
at the stage. Rep × Checkpoint view: one row per rep, one column per checkpoint, each cell the
rep's compliance at that checkpoint. Entries, advances, wins and stays are read from the funnel
rollup (`process.stage_rollup`, months kept exact by every Stage Log write), checkpoint counts
from the compliance rollup; the maths is `engine.funnel` and `engine.compliance`; reading follows
`report_scope`.
"""

from __future__ import annotations

from datetime import timedelta

import frappe
import pandas as pd
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Sum
from frappe.query_builder.terms import ParameterizedValueWrapper
from frappe.utils import now_datetime

from sales_process.adapters import opportunity
from sales_process.engine.compliance import band, compliance_from_counts
from sales_process.engine.funnel import (
	DWELL_BUCKETS,
	STAGE_ROLLUP_COUNTS,
	bucket_key,
	completion_matrix,
	funnel_from_counts,
	safe_fieldname,
)
from sales_process.engine.rollup import Change, period_parts
from sales_process.process import deal_rollup, stage_rollup
from sales_process.process.compliance_rollup import compliance_counts
from sales_process.process.report_scope import ReportScope, chosen, readable_links, report_scope, restrict
from sales_process.process.settings import setting
from sales_process.setup.indexes import OPEN_DEALS_INDEX

STAGES_VIEW, MATRIX_VIEW = "Stages", "Rep × Checkpoint"
VIEWS = (STAGES_VIEW, MATRIX_VIEW)
DEAL = "Opportunity"
LOG = "Sales Stage Log"
BAND_INDICATOR = {"Good": "green", "Watch": "orange", "Poor": "red"}
# a drill-down link names at most this many reps; beyond, the list shows what the reader may read
MAX_REPS_IN_LINK = 60


def execute(filters=None):
	filters = frappe._dict(filters or {})
	view = chosen(filters, "view", "View", VIEWS, STAGES_VIEW)
	scope = report_scope(filters)
	if view == MATRIX_VIEW:
		return matrix_view(scope)
	return stages_view(scope, filters)


# the stages view


def stages_view(scope: ReportScope, filters: dict):
	columns = stage_columns()
	if scope.sees_nothing:
		return columns, [], stages_message(scope, nothing=True), None, []
	now = now_datetime()
	stages = sales_stages()
	limits = stall_limits(stages)
	per_stage = stage_figures(scope, now)
	counts = compliance_counts(scope, now, by=["stage"])
	table = funnel_from_counts(
		[stage.name for stage in stages],
		open_deals(scope, limits, now),
		pd.DataFrame(
			[{"stage": stage, **change.counts} for stage, change in per_stage.items()],
			columns=["stage", *STAGE_ROLLUP_COUNTS],
		),
		{stage: change.counts for stage, change in per_stage.items()},
		compliance_from_counts(counts, ["stage"]),
	)
	currency = company_currency(scope.company)
	deals = deal_drill(scope, filters)
	records = record_drill(scope)
	data = []
	for row in table.to_dict("records"):
		limit = limits.get(row["stage"]) or 0
		stalled_before = (now - timedelta(hours=limit)).replace(microsecond=0) if limit else None
		data.append(stage_row(row, currency, deals, records, stalled_before))
	return columns, data, stages_message(scope), dwell_chart(table), stages_summary(table, currency)


def sales_stages() -> list:
	"""Every Sales Stage in process order; stages without an order last, by name."""
	stages = frappe.get_all("Sales Stage", fields=["name", "sp_sequence", "sp_stall_hours"])
	return sorted(stages, key=lambda stage: (not stage.sp_sequence, stage.sp_sequence or 0, stage.name))


def stall_limits(stages) -> dict[str, float]:
	"""Hours a deal may wait in each stage (the Settings default where the stage has none; 0: never stalls)."""
	default = setting("default_stall_hours") or 0
	return {stage.name: float(stage.sp_stall_hours or default) for stage in stages}


OPEN_COLUMNS = ["stage", "open_deals", "open_value", "stalled"]


def open_deals(scope: ReportScope, limits: dict[str, float], now) -> pd.DataFrame:
	"""Open deals per stage now (no outcome, not closed), their value in company currency, and
	those waiting past the stage's limit (wall-clock hours since they entered the stage).

	The open deals and their value are the open pipeline's sums (`deal_rollup.open_per_stage`,
	kept by every writer of a deal); the stalled ones are those less the few that entered their
	stage within its limit. Under a territory or customer-group filter (the deal's, read now)
	everything is read from the deals."""
	if scope.territories is not None or scope.customer_groups is not None:
		return open_deals_read(scope, limits, now)
	lately = entered_lately(scope, limits, now)
	return pd.DataFrame(
		[
			(stage, deals, amount, deals - lately.get(stage, 0) if limits.get(stage, 0) > 0 else 0)
			for stage, (deals, amount) in deal_rollup.open_per_stage(scope).items()
		],
		columns=OPEN_COLUMNS,
	)


def entered_lately(scope: ReportScope, limits: dict[str, float], now) -> dict[str, int]:
	"""Per stage with a limit, its open deals that entered it within the limit or at no known time
	(neither can be called stalled): ranges of the open-deals index, one per status and stage."""
	stages_by_cutoff: dict = {}
	for stage, hours in limits.items():
		if hours > 0:
			stages_by_cutoff.setdefault(now - timedelta(hours=hours), []).append(stage)
	if not stages_by_cutoff:
		return {}
	deal = frappe.qb.DocType(DEAL)
	entered = deal.sp_stage_entered_on
	lately = None
	for cutoff, stages in stages_by_cutoff.items():
		condition = deal.sales_stage.isin(stages) & ((entered >= cutoff) | entered.isnull())
		lately = condition if lately is None else lately | condition
	query = (
		frappe.qb.from_(deal)
		.force_index(OPEN_DEALS_INDEX)
		.select(deal.sales_stage, Count("*"))
		.where(deal.status.isin(opportunity.open_statuses()))
		.where(opportunity.open_deal_condition(deal))
		.where(lately)
		.groupby(deal.sales_stage)
	)
	return {stage: int(count) for stage, count in restrict_deals(query, deal, scope).run()}


def open_deals_read(scope: ReportScope, limits: dict[str, float], now) -> pd.DataFrame:
	"""`open_deals` from the deals themselves, grouped in the open-deals index's order."""
	deal = frappe.qb.DocType(DEAL)
	stalled = ParameterizedValueWrapper(0)
	limited = {stage: hours for stage, hours in limits.items() if hours > 0}
	if limited:
		stalled = Case()
		for stage, hours in limited.items():
			stalled = stalled.when(
				(deal.sales_stage == stage) & (deal.sp_stage_entered_on < now - timedelta(hours=hours)), 1
			)
		stalled = stalled.else_(0)
	query = (
		# the optimizer prefers (company, status) and reads every open deal's row; grouped in the
		# index's order (status, then stage) the database needs no temporary table: 80 k open deals
		# of a large org in 0.07 s where grouping by stage alone takes 0.14 s
		frappe.qb.from_(deal)
		.force_index(OPEN_DEALS_INDEX)
		.select(
			deal.sales_stage.as_("stage"),
			Count(deal.name).as_("open_deals"),
			Sum(deal.base_opportunity_amount).as_("open_value"),
			Sum(stalled).as_("stalled"),
		)
		.where(opportunity.open_deal_condition(deal))
		.where(deal.sales_stage.isnotnull())
		.groupby(deal.status, deal.sales_stage)
	)
	query = restrict_deals(query, deal, scope)
	per_status = pd.DataFrame(query.run(), columns=OPEN_COLUMNS)
	return per_status.groupby("stage", as_index=False, sort=False)[OPEN_COLUMNS[1:]].sum()


def restrict_deals(query, deal, scope: ReportScope):
	return restrict(
		query,
		scope,
		rep=opportunity.rep_column(deal),
		company=deal.company,
		territory=deal.territory,
		customer_group=deal.customer_group,
	)


def stage_figures(scope: ReportScope, now) -> dict[str, Change]:
	"""Per stage: entries, advances, wins, exits and the dwell buckets of the period.

	Whole months come from the funnel rollup (Sales Stage Month); a month the period cuts from the
	log rows inside the period or as its rollup rows less the log rows outside it (whichever reads
	fewer days); every month under a territory or customer-group filter (the deal's, read now) from
	the log rows."""
	if scope.territories is not None or scope.customer_groups is not None:
		months, parts = [], [(scope.start, scope.end, 1)]
	else:
		months, parts = period_parts(scope.start, scope.end, now)
	per_stage = stage_rollup.month_rows(scope, months)
	for start, end, sign in parts:
		query, log = scoped_log(scope, start, end)
		for stage, change in stage_rollup.sums_per_stage(query, log).items():
			per_stage.setdefault(stage, Change()).add(change, sign)
	return per_stage


def scoped_log(scope: ReportScope, start, end):
	"""The log rows of [start, end) the reader may see."""
	log = frappe.qb.DocType(LOG)
	query = (
		frappe.qb.from_(log)
		.where((log.changed_on >= start) & (log.changed_on < end))
		.where(log.reference_doctype == DEAL)
	)
	query = restrict(query, scope, rep=log.rep, company=log.company)
	if scope.territories is not None or scope.customer_groups is not None:
		deal = frappe.qb.DocType(DEAL)
		query = query.join(deal).on(log.reference_name == deal.name)
		query = restrict(query, scope, territory=deal.territory, customer_group=deal.customer_group)
	return query, log


def company_currency(company: str | None) -> str | None:
	if company:
		return frappe.get_cached_value("Company", company, "default_currency")
	return frappe.db.get_default("currency")


def stage_row(row: dict, currency: str | None, deals: dict, records: dict, stalled_before) -> dict:
	out = {key: _plain(value) for key, value in row.items()}
	out["currency"] = currency
	stage_band = row.get("checkpoint_band")
	out["checkpoint_band_key"] = stage_band if isinstance(stage_band, str) else None
	out["checkpoint_band"] = _(stage_band) if isinstance(stage_band, str) else None
	out["stalled_before"] = str(stalled_before) if stalled_before else None
	out["drill"] = deals
	out["record_drill"] = records
	return out


def deal_drill(scope: ReportScope, filters: dict) -> dict:
	"""Opportunity list filters shared by a stage's links (the JS adds stage, status and stall): a
	deal with an outcome stamped is not open, whatever its status says."""
	drill = {"sp_won_on": ["is", "not set"], "sp_lost_on": ["is", "not set"]}
	if scope.company:
		drill["company"] = scope.company
	if scope.reps is not None and 0 < len(scope.reps) <= MAX_REPS_IN_LINK:
		drill["opportunity_owner"] = scope.reps[0] if len(scope.reps) == 1 else ["in", scope.reps]
	for field in ("territory", "customer_group"):
		if filters.get(field):
			drill[field] = ["descendants of (inclusive)", filters[field]]
	return drill


def record_drill(scope: ReportScope, rep: str | None = None) -> dict:
	filters = {"due_on": ["Between", [str(scope.from_date), str(scope.to_date)]]}
	if scope.company:
		filters["company"] = scope.company
	if rep:
		filters["assigned_to"] = rep
	elif scope.reps is not None and len(scope.reps) == 1:
		filters["assigned_to"] = scope.reps[0]
	if scope.checkpoints is not None and len(scope.checkpoints) == 1:
		filters["checkpoint"] = scope.checkpoints[0]
	return filters


def stage_columns() -> list[dict]:
	columns = [
		{
			"fieldname": "stage",
			"label": _("Sales Stage"),
			"fieldtype": "Link",
			"options": "Sales Stage",
			"width": 190,
		},
		{"fieldname": "open_deals", "label": _("Open Deals"), "fieldtype": "Int", "width": 100},
		{
			"fieldname": "open_value",
			"label": _("Open Value"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 130,
		},
		{"fieldname": "entered", "label": _("Entered in Period"), "fieldtype": "Int", "width": 130},
		{"fieldname": "to_next_rate", "label": _("To a Later Stage"), "fieldtype": "Percent", "width": 130},
		{"fieldname": "to_won_rate", "label": _("To Won"), "fieldtype": "Percent", "width": 90},
		{"fieldname": "exits", "label": _("Left in Period"), "fieldtype": "Int", "width": 110},
		{
			"fieldname": "median_hours",
			"label": _("Median Dwell (h)"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 130,
		},
		{
			"fieldname": "p90_hours",
			"label": _("p90 Dwell (h)"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 110,
		},
	]
	for index, label in enumerate(bucket_labels()):
		columns.append({"fieldname": bucket_key(index), "label": label, "fieldtype": "Int", "width": 70})
	columns += [
		{"fieldname": "stalled", "label": _("Stalled Now"), "fieldtype": "Int", "width": 100},
		{"fieldname": "checkpoints_due", "label": _("Checkpoints Due"), "fieldtype": "Int", "width": 130},
		{
			"fieldname": "checkpoint_compliance",
			"label": _("Checkpoint Completion"),
			"fieldtype": "Percent",
			"width": 160,
		},
		{"fieldname": "checkpoint_band", "label": _("Band"), "fieldtype": "Data", "width": 80},
	]
	return readable_links(columns)


def bucket_labels() -> list[str]:
	"""The histogram's buckets (engine.funnel.DWELL_BUCKETS), in the reader's language."""
	labels = [_("≤ 1 d"), _("1–3 d"), _("3–7 d"), _("1–2 w"), _("2–4 w"), _("> 4 w")]
	assert len(labels) == len(DWELL_BUCKETS)
	return labels


def stages_message(scope: ReportScope, nothing: bool = False) -> str:
	lines = [
		_(
			"Open deals, their value and stalled deals are as of now; everything else covers {0} to {1}."
		).format(frappe.format(scope.from_date, "Date"), frappe.format(scope.to_date, "Date")),
		_(
			"Entered: deals that first reached the stage in the period (a deal coming back to a stage is not a new entry). To a later stage: of those, the share that has since moved to a stage further on in the process order; to won: the share whose deal is won now (a Sales Order of the deal was submitted)."
		),
		_(
			"Dwell: wall-clock hours from entering the stage to leaving it, over the deals that left it in the period (Sales Stage Log), to the hour up to a week, to 6 hours up to 30 days and to the day beyond; the columns after p90 are its histogram, and so is the chart."
		),
		_(
			"Stalled: open deals whose wall-clock time in their current stage exceeds the stage's stall limit (the alerts count working hours, so they may flag fewer)."
		),
		_(
			"Checkpoint completion: completed ÷ due of the checkpoint records started at the stage and falling due in the period; waived and cancelled records are not due."
		),
	]
	if nothing:
		lines.append(_("Nothing to show: these filters leave no rep or checkpoint you may read."))
	return "<br>".join(lines)


def dwell_chart(table: pd.DataFrame) -> dict | None:
	"""The dwell-time histogram: one bar group per bucket, one bar per stage that had exits."""
	with_exits = table[table["exits"] > 0]
	if with_exits.empty:
		return None
	return {
		"data": {
			"labels": bucket_labels(),
			"datasets": [
				{
					"name": _(row["stage"]),
					"values": [int(row[bucket_key(index)]) for index in range(len(DWELL_BUCKETS))],
				}
				for row in with_exits.to_dict("records")
			],
		},
		"type": "bar",
		"title": _("Time in stage before leaving it (deals)"),
	}


def stages_summary(table: pd.DataFrame, currency: str | None) -> list[dict]:
	due = int(table["checkpoints_due"].sum())
	completed = int(pd.to_numeric(table["checkpoints_completed"], errors="coerce").fillna(0).sum())
	rate = round(100.0 * completed / due, 1) if due else None
	return [
		{
			"value": int(table["open_deals"].sum()),
			"label": _("Open Deals"),
			"datatype": "Int",
			"indicator": "blue",
		},
		{
			"value": float(table["open_value"].sum()),
			"label": _("Open Value"),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "blue",
		},
		{
			"value": int(table["stalled"].sum()),
			"label": _("Stalled Now"),
			"datatype": "Int",
			"indicator": "red" if int(table["stalled"].sum()) else "green",
		},
		{
			"value": rate if rate is not None else "-",
			"label": _("Checkpoint Completion"),
			"datatype": "Percent" if rate is not None else "Data",
			"indicator": BAND_INDICATOR.get(band(rate), "gray"),
		},
	]


# the rep × checkpoint view


def matrix_view(scope: ReportScope):
	if scope.sees_nothing:
		return matrix_columns([], {}), [], matrix_message(nothing=True), None, []
	counts = compliance_counts(scope, now_datetime(), by=["assigned_to", "checkpoint"])
	counts = counts.rename(columns={"assigned_to": "rep"})
	checkpoints = checkpoint_columns(scope, set(counts["checkpoint"].dropna()))
	keys = {checkpoint: safe_fieldname(checkpoint) for checkpoint in checkpoints}
	cells = compliance_from_counts(counts, ["rep", "checkpoint"])
	reps = compliance_from_counts(counts, ["rep"]).sort_values(
		["compliance", "rep"], na_position="last", kind="mergesort"
	)
	per_checkpoint = compliance_from_counts(counts, ["checkpoint"]).set_index("checkpoint")
	# {rep: {checkpoint: value}}: 500 reps × 6 checkpoints × 3 values read one by one from the
	# frames took longer than the query
	pivots = {
		value: completion_matrix(cells, "rep", "checkpoint", value, checkpoints)
		.set_index("rep")
		.to_dict("index")
		for value in ("compliance", "band", "due")
	}
	names = rep_names(reps["rep"].tolist())

	data = []
	for rep in reps.to_dict("records"):
		user = rep["rep"]
		compliance, bands, dues = (pivots[value][user] for value in ("compliance", "band", "due"))
		row = {"rep": user, "rep_name": names.get(user, user)}
		drill = record_drill(scope, user)
		for checkpoint, key in keys.items():
			row[key] = _plain(compliance[checkpoint])
			row[f"{key}_band"] = _plain(bands[checkpoint])
			row[f"{key}_due"] = int(_plain(dues[checkpoint]) or 0)
			row[f"{key}_drill"] = {**drill, "checkpoint": checkpoint}
		row.update(_total_cells(rep))
		row["total_drill"] = drill
		data.append(row)

	if data:
		everyone = {"rep": None, "rep_name": _("All Reps"), "is_total": 1}
		by_checkpoint = per_checkpoint.to_dict("index")
		for checkpoint, key in keys.items():
			known = by_checkpoint.get(checkpoint)
			everyone[key] = _plain(known["compliance"]) if known else None
			everyone[f"{key}_band"] = _plain(known["band"]) if known else None
			everyone[f"{key}_due"] = int(known["due"]) if known else 0
		(total,) = compliance_from_counts(counts.assign(all=1), ["all"]).to_dict("records")
		everyone.update(_total_cells(total))
		data.append(everyone)
	return (
		matrix_columns(checkpoints, keys),
		data,
		matrix_message(),
		matrix_chart(per_checkpoint, checkpoints),
		matrix_summary(counts, cells),
	)


def _total_cells(values: dict) -> dict:
	band = values.get("band")
	return {
		"total_compliance": _plain(values.get("compliance")),
		"total_band": band if isinstance(band, str) else None,
		"total_due": int(values.get("due") or 0),
	}


def checkpoint_columns(scope: ReportScope, with_records: set[str]) -> list[str]:
	"""A column per checkpoint the reader may see that is enabled or has records, in process order."""
	checkpoint = frappe.qb.DocType("Sales Checkpoint")
	query = (
		frappe.qb.from_(checkpoint)
		.select(checkpoint.name, checkpoint.enabled)
		.orderby(checkpoint.sequence)
		.orderby(checkpoint.name)
	)
	if scope.checkpoints is not None:
		query = query.where(checkpoint.name.isin(scope.checkpoints or [""]))
	return [name for name, enabled in query.run() if enabled or name in with_records]


def rep_names(users: list[str]) -> dict[str, str]:
	users = [user for user in users if user]
	if not users:
		return {}
	user = frappe.qb.DocType("User")
	rows = frappe.qb.from_(user).select(user.name, user.full_name).where(user.name.isin(users)).run()
	return {name: full_name or name for name, full_name in rows}


def matrix_columns(checkpoints: list[str], keys: dict[str, str]) -> list[dict]:
	columns = [
		{"fieldname": "rep", "label": _("Rep"), "fieldtype": "Link", "options": "User", "width": 200},
		{"fieldname": "rep_name", "label": _("Rep Name"), "fieldtype": "Data", "width": 140},
	]
	for checkpoint in checkpoints:
		columns.append(
			{"fieldname": keys[checkpoint], "label": _(checkpoint), "fieldtype": "Percent", "width": 150}
		)
	columns.append(
		{"fieldname": "total_compliance", "label": _("All Checkpoints"), "fieldtype": "Percent", "width": 130}
	)
	columns.append({"fieldname": "total_due", "label": _("Due"), "fieldtype": "Int", "width": 70})
	return readable_links(columns)


def matrix_message(nothing: bool = False) -> str:
	lines = [
		_(
			"Each cell: the rep's compliance at the checkpoint (completed ÷ due) over the records falling due in the period; empty where nothing was due. Waived and cancelled records are not due. Bands: above 85 % Good, 70–85 % Watch, below 70 % Poor. Weakest reps first."
		)
	]
	if nothing:
		lines.append(_("Nothing to show: these filters leave no rep or checkpoint you may read."))
	return "<br>".join(lines)


def matrix_chart(per_checkpoint: pd.DataFrame, checkpoints: list[str]) -> dict | None:
	shown = [
		c for c in checkpoints if c in per_checkpoint.index and pd.notna(per_checkpoint.at[c, "compliance"])
	]
	if not shown:
		return None
	return {
		"data": {
			"labels": [_(c) for c in shown],
			"datasets": [
				{
					"name": _("Compliance"),
					"values": [float(per_checkpoint.at[c, "compliance"]) for c in shown],
				}
			],
			"yMarkers": [{"label": "85 %", "value": 85}, {"label": "70 %", "value": 70}],
		},
		"type": "bar",
		"colors": ["#2490ef"],
		"fieldtype": "Percent",
	}


def matrix_summary(counts: pd.DataFrame, cells: pd.DataFrame) -> list[dict]:
	(total,) = compliance_from_counts(counts.assign(all=1), ["all"]).to_dict("records") or [{}]
	rate = _plain(total.get("compliance"))
	poor = int((cells["band"] == "Poor").sum()) if not cells.empty else 0
	return [
		{
			"value": rate if rate is not None else "-",
			"label": _("Compliance"),
			"datatype": "Percent" if rate is not None else "Data",
			"indicator": BAND_INDICATOR.get(total.get("band"), "gray"),
		},
		{
			"value": int(cells["rep"].nunique()) if not cells.empty else 0,
			"label": _("Reps"),
			"datatype": "Int",
		},
		{
			"value": poor,
			"label": _("Poor Cells (below 70 %)"),
			"datatype": "Int",
			"indicator": "red" if poor else "green",
		},
	]


def _plain(value):
	"""A JSON-friendly scalar: NaN and NaT become None, numpy numbers Python numbers."""
	if value is None:
		return None
	try:
		if pd.isna(value):
			return None
	except (TypeError, ValueError):
		return value
	if hasattr(value, "item"):
		return value.item()
	return value
