"""Target Back-calculation 目标倒推: from the period's target and each rep's own history, how many
new opportunities, visits and quotations a week each rep needs for the rest of the period, and
how well their open pipeline covers what is left.

The maths is engine.targets; this module reads what it needs with `frappe.qb` (aggregated in
the database per rep) within the reader's scope (a rep their own row, a manager their team's,
Sales Manager everyone's) and formats it. The history comes from the deals' facts summed per
month (`process.deal_rollup`): a large org's year of deals, stage moves and visits is never
read row by row.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta

import frappe
import pandas as pd
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Sum
from frappe.utils import (
	add_months,
	cint,
	flt,
	fmt_money,
	get_first_day,
	get_last_day,
	getdate,
	now_datetime,
	today,
)
from frappe.utils.data import escape_html

from sales_process.adapters import opportunity
from sales_process.engine import targets as engine
from sales_process.engine.deal_history import History, history_from, pipeline_groups
from sales_process.engine.targets import Rate, Status
from sales_process.process import deal_rollup, win_scores
from sales_process.process.report_scope import (
	decimal_text,
	full_name,
	full_names,
	report_scope,
	restrict,
)

DEAL = opportunity.DOCTYPE
DEFAULT_HISTORY_MONTHS = 12
MAX_HISTORY_MONTHS = 60


def execute(filters=None):
	filters = frappe._dict(filters or {})
	_default_to_this_quarter(filters)
	history_months = _history_months(filters)
	typed_target = _typed_target(filters)
	scope = report_scope(filters)
	company = scope.company or frappe.defaults.get_user_default("Company")
	if not company:
		return _nothing(_("Choose a Company: targets and amounts are read in its currency."))
	scope = dataclasses.replace(scope, company=company)
	if scope.sees_nothing:
		return _nothing(_("You see no rep's deals: ask a Sales Manager to add you to the Sales Person tree."))

	today_date = getdate(today())
	history_start = getdate(add_months(scope.from_date, -history_months))
	reader = Reader(scope, history_start, today_date)
	stages = reader.stages()

	history = reader.history()
	won = reader.won_in_period()
	model = win_scores.active_model(company)
	open_deals = reader.open_deals(use_model=model is not None)
	pace = reader.new_deals_lately()
	rep_targets, distributions = reader.sales_person_targets()

	roster = reader.roster(
		set(history.counts["rep"]) | set(won) | set(open_deals["rep"]) | set(pace) | set(rep_targets)
	)
	if not roster:
		return _nothing(
			_(
				"No rep in scope: nobody in these filters has a Sales Person or a deal in the period or the {0} months before it."
			).format(history_months)
		)

	if typed_target:
		total_target = typed_target
		shares = engine.split_target(typed_target, roster, rep_targets)
	else:
		shares = {rep: rep_targets.get(rep, 0.0) for rep in roster}
		total_target = sum(shares.values())
		if not total_target:
			return _nothing(
				_(
					"No target for {0} – {1}: type one in the Target filter, or set the reps' targets on their Sales Person (Targets table, with the fiscal year)."
				).format(frappe.format(scope.from_date, "Date"), frappe.format(scope.to_date, "Date"))
			)

	rates = engine.history_rates(history.counts, history.cycles, reps=roster)
	pipeline = engine.weighted_pipeline(open_deals, {name: probability for name, _seq, probability in stages})
	plan = pd.DataFrame(
		[
			(rep, shares.get(rep, 0.0), won.get(rep, 0.0), float(pipeline.get(rep, 0.0)), pace.get(rep, 0))
			for rep in roster
		],
		columns=engine.PLAN_COLUMNS,
	)
	table = engine.back_calculation(plan, rates, scope.from_date, scope.to_date, today_date)
	# stages outside the process order (no sequence) are no step of the funnel
	ordered_stages = [(name, sequence) for name, sequence, _p in stages if sequence > 0]
	conversions = engine.stage_conversions(history.funnel, ordered_stages)
	summary = engine.team_summary(table, total_target, scope.from_date, scope.to_date, today_date)
	currency = frappe.get_cached_value("Company", company, "default_currency")

	data = rows(table, conversions, currency, reader.names)
	for row in data:  # what the formatter's links to the deals behind a number need
		row.update(
			company=company,
			history_from=str(history_start),
			history_to=str(scope.from_date - timedelta(days=1)),
		)
	message = explain(
		scope,
		history_start,
		history_months,
		typed_target,
		rep_targets,
		distributions,
		summary,
		currency,
		today_date,
		model[0] if model else None,
	)
	return columns(), data, message, chart(data), report_summary(summary, currency)


# filters


def _default_to_this_quarter(filters):
	"""Without dates the period is this quarter (a target's usual span), not the last months."""
	if filters.get("from_date") or filters.get("to_date"):
		return
	current = getdate(today())
	quarter_start = get_first_day(current.replace(month=3 * ((current.month - 1) // 3) + 1))
	filters.from_date = quarter_start
	filters.to_date = get_last_day(add_months(quarter_start, 2))


def _history_months(filters) -> int:
	months = filters.get("history_months")
	months = DEFAULT_HISTORY_MONTHS if months in (None, "") else cint(months)
	if not 1 <= months <= MAX_HISTORY_MONTHS:
		frappe.throw(
			_("History (months) must be between 1 and {0}; it is {1}.").format(MAX_HISTORY_MONTHS, months),
			title=_("Check the filters"),
		)
	return months


def _typed_target(filters) -> float:
	target = flt(filters.get("target"))
	if target < 0:
		frappe.throw(
			_("The Target cannot be negative: type the amount to win in the period, or leave it empty."),
			title=_("Check the filters"),
		)
	return target


def _nothing(message: str):
	return columns(), [], message, None, []


# reading


class Reader:
	"""The report's queries, each aggregated per rep in the database and limited to the scope."""

	def __init__(self, scope, history_start, today_date):
		self.scope = scope
		self.history_start = history_start
		self.today = today_date
		self.deal = frappe.qb.DocType(DEAL)
		self.rep = opportunity.rep_column(self.deal)
		self.names: dict[str, str] = {}  # the roster's full names (`roster`)

	def deals(self, *tables):
		"""Opportunities in scope (company, reps, territory, customer group subtrees)."""
		return restrict(
			frappe.qb.from_(self.deal),
			self.scope,
			rep=self.rep,
			company=self.deal.company,
			territory=self.deal.territory,
			customer_group=self.deal.customer_group,
		)

	def stages(self) -> list[tuple[str, float, float]]:
		"""(name, sp_sequence, sp_probability) of the stages in the process order."""
		stage = frappe.qb.DocType("Sales Stage")
		rows = (
			frappe.qb.from_(stage)
			.select(stage.name, stage.sp_sequence, stage.sp_probability)
			.orderby(stage.sp_sequence)
			.orderby(stage.name)
			.run()
		)
		return [(name, flt(sequence), flt(probability)) for name, sequence, probability in rows]

	def history(self) -> History:
		"""Per rep: the cohort's decided and won deals and amounts, forward stage moves, visits,
		submitted quotations, the funnel of the decided deals and the won deals' cycle days."""
		sums = deal_rollup.history_sums(
			self.scope, datetime.combine(self.history_start, time.min), self.scope.start, now_datetime()
		)
		return history_from(sums)

	def won_in_period(self) -> dict[str, float]:
		"""Amount won per rep from the period's start to today (the deals' facts: won when
		process.outcomes stamped it)."""
		return deal_rollup.won_amounts(self.scope, self.scope.start, self.scope.end)

	def open_deals(self, use_model: bool = False) -> pd.DataFrame:
		"""Open deals' amounts per rep, stage and probability, from the open pipeline's sums
		(`engine.deal_history.pipeline_groups`), or with a territory or customer-group filter from
		the deals themselves."""
		if self.scope.territories is None and self.scope.customer_groups is None:
			return pipeline_groups(deal_rollup.open_pipeline(self.scope), use_model)
		return self.open_deals_read(use_model)

	def open_deals_read(self, use_model: bool = False) -> pd.DataFrame:
		"""Open deals' amounts summed per rep, stage and the deal's own probability. With the
		company's Sales Win Model in use, a deal the model scored is weighted by its close
		probability instead (its row has no stage, so the engine takes the deal's probability)."""
		deal = self.deal
		stage, probability = deal.sales_stage, deal.probability
		if use_model:
			scored = deal.sp_probability_source == win_scores.SOURCE_MODEL
			stage = Case().when(scored, None).else_(deal.sales_stage)
			probability = Case().when(scored, deal.sp_close_probability).else_(deal.probability)
		rows = (
			self.deals()
			.select(
				self.rep.as_("rep"),
				stage.as_("stage"),
				probability.as_("probability"),
				Sum(deal.base_opportunity_amount).as_("amount"),
			)
			.where(opportunity.open_deal_condition(deal))
			.groupby(self.rep, stage, probability)
			.run(as_dict=True)
		)
		return frame_of(rows, ["rep", "stage", "probability", "amount"])

	def new_deals_lately(self) -> dict[str, int]:
		"""New opportunities per rep in the last `PACE_WEEKS` weeks up to today (their fact rows)."""
		since = datetime.combine(self.today - timedelta(weeks=engine.PACE_WEEKS), time.min)
		return deal_rollup.deals_created(
			self.scope, since, datetime.combine(self.today + timedelta(days=1), time.min)
		)

	def sales_person_targets(self) -> tuple[dict[str, float], dict[str, list[str]]]:
		"""Each rep's Sales Person targets (Target Detail) pro-rated to the period, and which
		Monthly Distributions spread them ("" for evenly by days)."""
		sales_person = frappe.qb.DocType("Sales Person")
		employee = frappe.qb.DocType("Employee")
		target = frappe.qb.DocType("Target Detail")
		fiscal_year = frappe.qb.DocType("Fiscal Year")
		query = (
			frappe.qb.from_(sales_person)
			.join(employee)
			.on(employee.name == sales_person.employee)
			.join(target)
			.on(
				(target.parent == sales_person.name)
				& (target.parenttype == "Sales Person")
				& (target.parentfield == "targets")
			)
			.join(fiscal_year)
			.on(fiscal_year.name == target.fiscal_year)
			.select(
				employee.user_id,
				target.target_amount,
				target.distribution_id,
				fiscal_year.year_start_date,
				fiscal_year.year_end_date,
			)
			.where(employee.user_id.isnotnull())
			# a group's target is its team's: counting it beside its members' would count it twice
			.where((sales_person.is_group == 0) & (sales_person.enabled == 1))
			.where(target.target_amount > 0)
			.where(
				(fiscal_year.year_start_date <= self.scope.to_date)
				& (fiscal_year.year_end_date >= self.scope.from_date)
			)
		)
		if self.scope.reps is not None:
			query = query.where(employee.user_id.isin(self.scope.reps or [""]))
		rows = query.run(as_dict=True)
		percentages = self._distributions({row.distribution_id for row in rows if row.distribution_id})
		shares: dict[str, float] = {}
		used: dict[str, list[str]] = {}
		for row in rows:
			share = engine.prorate_target(
				flt(row.target_amount),
				getdate(row.year_start_date),
				getdate(row.year_end_date),
				self.scope.from_date,
				self.scope.to_date,
				percentages.get(row.distribution_id),
			)
			shares[row.user_id] = shares.get(row.user_id, 0.0) + share
			used.setdefault(row.distribution_id or "", []).append(row.user_id)
		return shares, used

	def _distributions(self, names) -> dict[str, dict[str, float]]:
		if not names:
			return {}
		month = frappe.qb.DocType("Monthly Distribution Percentage")
		rows = (
			frappe.qb.from_(month)
			.select(month.parent, month.month, month.percentage_allocation)
			.where((month.parenttype == "Monthly Distribution") & month.parent.isin(sorted(names)))
			.run()
		)
		percentages: dict[str, dict[str, float]] = {}
		for parent, month_name, share in rows:
			percentages.setdefault(parent, {})[month_name] = flt(share)
		return percentages

	def roster(self, with_deals_or_targets: set[str]) -> list[str]:
		"""The reps a target is shared among: enabled users with a (non-group) Sales Person or
		with deals in these filters, within the reader's scope; their full names are kept for the
		rows (`self.names`), read in the same query."""
		sales_person = frappe.qb.DocType("Sales Person")
		employee = frappe.qb.DocType("Employee")
		user = frappe.qb.DocType("User")
		query = (
			frappe.qb.from_(sales_person)
			.join(employee)
			.on(employee.name == sales_person.employee)
			.join(user)
			.on(user.name == employee.user_id)
			.select(user.name, user.first_name, user.last_name)
			.distinct()
			.where((sales_person.is_group == 0) & (sales_person.enabled == 1) & (user.enabled == 1))
			.where(Coalesce(employee.company, self.scope.company) == self.scope.company)
		)
		if self.scope.reps is not None:
			query = query.where(user.name.isin(self.scope.reps or [""]))
		self.names = {name: full_name(name, first, last) for name, first, last in query.run()}
		# reps with deals but no Sales Person: usually none, so this reads nothing
		others = {rep for rep in with_deals_or_targets if rep and rep not in self.names}
		if self.scope.reps is not None:
			others &= set(self.scope.reps)
		self.names.update(full_names(others, enabled_only=True))
		return sorted(self.names)


def frame_of(rows: list, columns: list[str]) -> pd.DataFrame:
	"""A frame of `run(as_dict=True)` rows (frappe._dict answers every attribute, which pandas
	would take for an array: plain dicts only)."""
	return pd.DataFrame([dict(row) for row in rows], columns=columns)


# formatting


class Labels:
	"""The notes' words translated once per report, not once per rep (500 reps asked for 6,000
	translations)."""

	def __init__(self):
		self.status = {
			Status.PERIOD_OVER: _("Period over"),
			Status.NO_TARGET: _("No target share"),
			Status.TARGET_MET: _("Target met"),
			Status.UNREACHABLE: _("Cannot be reached with this history"),
		}
		self.rate = {
			Rate.WIN_RATE: _("Win Rate"),
			Rate.AVG_WON_AMOUNT: _("Avg Won Amount"),
			Rate.CYCLE_DAYS: _("Cycle (days)"),
			Rate.ADVANCES_PER_DEAL: _("Stage Advances per Deal"),
			Rate.VISITS_PER_ADVANCE: _("Visits per Stage Advance"),
			Rate.QUOTATIONS_PER_WON: _("Quotations per Won Deal"),
		}
		self.team_rates, self.own_history = _("Team rates"), _("Own history")
		self.borrowed = _("Team rate for: {0}")
		self.long_cycle = _(
			"Median cycle of {0} days is longer than the time left: deals opened now may close after the period"
		)
		self.step = _("{0} → {1}: {2}%")
		self.stages: dict[str, str] = {}

	def stage(self, name: str) -> str:
		if name not in self.stages:
			self.stages[name] = _(name)
		return self.stages[name]


def rows(table: pd.DataFrame, conversions: pd.DataFrame, currency: str, names: dict[str, str]) -> list[dict]:
	data = []
	labels = Labels()
	weakest_by_rep = engine.weakest_steps(conversions)
	# NaN to None for the whole table at once (JSON has no NaN); to_dict gives plain Python values
	for record in table.astype(object).where(table.notna(), None).to_dict("records"):
		rep = record["rep"]
		notes = []
		if record["status"] in labels.status:
			notes.append(labels.status[record["status"]])
		if record["borrowed"]:
			notes.append(labels.borrowed.format(", ".join(labels.rate[rate] for rate in record["borrowed"])))
		if record["cycle_beyond_period"]:
			notes.append(labels.long_cycle.format(round(record["cycle_days"])))
		weakest = weakest_by_rep.get(rep)
		data.append(
			{
				"rep": rep,
				"rep_name": names.get(rep, rep),
				"target": record["target"],
				"won": record["won"],
				"remaining": record["remaining"],
				"win_rate": _percent(record["win_rate"]),
				"avg_won_amount": record["avg_won_amount"],
				"cycle_days": _round(record["cycle_days"], 1),
				"new_per_week": _round(record["new_per_week"], 2),
				"pace_per_week": _round(record["pace_per_week"], 2),
				"visits_per_week": _round(record["visits_per_week"], 2),
				"quotations_per_week": _round(record["quotations_per_week"], 2),
				"wins_per_week": _round(record["wins_per_week"], 2),
				"weighted_pipeline": record["weighted_pipeline"],
				"coverage": _round(record["coverage"], 2),
				"coverage_band": record["band"],
				"basis": labels.team_rates if record["team_rates"] else labels.own_history,
				"team_rates": int(bool(record["team_rates"])),
				"status": record["status"],
				"note": "; ".join(notes),
				"decided": int(record["decided"] or 0),
				"won_deals": int(record["won_deals"] or 0),
				"visits_per_advance": _round(record["visits_per_advance"], 2),
				"quotations_per_won": _round(record["quotations_per_won"], 2),
				"weakest_step": labels.step.format(
					labels.stage(weakest[0]), labels.stage(weakest[1]), round(100 * weakest[2], 1)
				)
				if weakest
				else None,
				"currency": currency,
			}
		)
	return data


def _round(value, digits):
	return None if value is None else round(float(value), digits)


def _percent(rate):
	return None if rate is None else round(100.0 * float(rate), 1)


def columns():
	money = {"fieldtype": "Currency", "options": "currency", "width": 130}
	return [
		{"fieldname": "rep", "label": _("Rep"), "fieldtype": "Link", "options": "User", "width": 190},
		{"fieldname": "rep_name", "label": _("Name"), "fieldtype": "Data", "width": 130},
		{"fieldname": "target", "label": _("Target Share"), **money},
		{"fieldname": "won", "label": _("Won So Far"), **money},
		{"fieldname": "remaining", "label": _("Remaining"), **money},
		{"fieldname": "win_rate", "label": _("Win Rate"), "fieldtype": "Percent", "width": 90},
		{"fieldname": "avg_won_amount", "label": _("Avg Won Amount"), **money},
		{
			"fieldname": "cycle_days",
			"label": _("Cycle (days)"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 100,
		},
		{
			"fieldname": "new_per_week",
			"label": _("New Opps / Week Needed"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 150,
		},
		{
			"fieldname": "pace_per_week",
			"label": _("New Opps / Week Now"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 140,
		},
		{
			"fieldname": "visits_per_week",
			"label": _("Visits / Week Needed"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 140,
		},
		{
			"fieldname": "quotations_per_week",
			"label": _("Quotations / Week Needed"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 160,
		},
		{"fieldname": "weighted_pipeline", "label": _("Weighted Pipeline"), **money},
		{
			"fieldname": "coverage",
			"label": _("Coverage (×)"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 110,
		},
		{"fieldname": "basis", "label": _("Rates From"), "fieldtype": "Data", "width": 110},
		{"fieldname": "note", "label": _("Note"), "fieldtype": "Data", "width": 260},
		{"fieldname": "decided", "label": _("Decided Deals (History)"), "fieldtype": "Int", "width": 150},
		{"fieldname": "won_deals", "label": _("Won Deals (History)"), "fieldtype": "Int", "width": 140},
		{
			"fieldname": "visits_per_advance",
			"label": _("Visits per Stage Advance"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 150,
		},
		{
			"fieldname": "quotations_per_won",
			"label": _("Quotations per Won Deal"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 150,
		},
		{"fieldname": "weakest_step", "label": _("Weakest Stage Step"), "fieldtype": "Data", "width": 230},
		{
			"fieldname": "currency",
			"label": _("Currency"),
			"fieldtype": "Link",
			"options": "Currency",
			"hidden": 1,
		},
	]


def chart(data: list[dict]):
	if not data:
		return None
	return {
		"data": {
			"labels": [row["rep_name"] or row["rep"] for row in data],
			"datasets": [
				{"name": _("Needed"), "values": [row["new_per_week"] or 0 for row in data]},
				{"name": _("Current Pace"), "values": [row["pace_per_week"] or 0 for row in data]},
			],
		},
		"title": _("New Opportunities a Week"),
		"type": "bar",
		"colors": ["#e24c4c", "#2490ef"],
	}


def report_summary(summary: dict, currency: str):
	coverage = summary["coverage"]
	return [
		{"value": summary["target"], "label": _("Target"), "datatype": "Currency", "currency": currency},
		{
			"value": summary["won"],
			"label": _("Won So Far"),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "green",
		},
		{
			"value": summary["remaining"],
			"label": _("Remaining"),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "blue",
		},
		{
			"value": f"{coverage:.2f}×" if coverage is not None else "-",
			"label": _("Coverage"),
			"datatype": "Data",
			"indicator": summary["band"] or ("green" if summary["remaining"] == 0 else "grey"),
		},
		{"value": f"{summary['weeks_left']:.1f}", "label": _("Weeks Left"), "datatype": "Data"},
		{
			"value": decimal_text(summary["new_per_week"], 2),
			"label": _("New Opps / Week Needed"),
			"datatype": "Data",
			"indicator": "red"
			if summary["new_per_week"] and summary["new_per_week"] > summary["pace_per_week"]
			else "green",
		},
	]


def explain(
	scope,
	history_start,
	history_months,
	typed_target,
	rep_targets,
	distributions,
	summary,
	currency,
	today_date,
	model=None,
) -> str:
	"""How every number was made, in the reader's language."""

	def money(value):
		return fmt_money(value, currency=currency)

	def day(value):
		return frappe.format(value, "Date")

	lines = []
	if summary["days_left"] == 0:
		lines.append(
			_(
				"The period ended on {0}: nothing remains to plan; the rows compare the target with what was won."
			).format(day(scope.to_date))
		)
	if typed_target:
		if any(rep_targets.values()):
			lines.append(
				_(
					"Target {0} as typed, shared among the reps in proportion to their Sales Person targets for the period (a rep without one gets no share)."
				).format(money(typed_target))
			)
		else:
			lines.append(
				_(
					"Target {0} as typed, shared evenly among the reps (no rep has a Sales Person target for the period)."
				).format(money(typed_target))
			)
	else:
		named = ", ".join(escape_html(name) for name in sorted(name for name in distributions if name))
		if named and "" in distributions:
			spread = _(
				"pro-rated to the period by the Monthly Distribution {0}, or evenly over the fiscal year's days for targets without one"
			).format(named)
		elif named:
			spread = _("pro-rated to the period by the Monthly Distribution {0}").format(named)
		else:
			spread = _("pro-rated to the period evenly over the fiscal year's days")
		lines.append(
			_("Target {0}: each rep's Sales Person targets (Target Detail), {1}.").format(
				money(summary["target"]), spread
			)
		)
	start = max(today_date, scope.from_date)
	lines.append(
		_("{0} weeks left, from {1} to {2}; needs a week = what is still needed ÷ the weeks left.").format(
			round(summary["weeks_left"], 1), day(start), day(scope.to_date)
		)
		if summary["days_left"]
		else _("No week left.")
	)
	lines.append(
		_(
			"History: each rep's opportunities created from {0} to {1} ({2} months before the period). Won = a Sales Order of the deal was submitted (Won On); lost = marked Lost or Closed (Lost On). Win rate = won ÷ decided (won or lost) deals; average won amount over won deals with an amount; cycle = median days from creation to won, counted to the day for two weeks, then within 2, 7 and 28 days."
		).format(day(history_start), day(scope.from_date - timedelta(days=1)), history_months)
	)
	lines.append(
		_(
			"New opportunities needed = remaining ÷ (win rate × average won amount); visits = new opportunities × stage advances per decided deal × visits per stage advance; quotations = wins needed × submitted quotations per won deal. The open pipeline is not subtracted: it is shown as coverage."
		)
	)
	lines.append(
		_(
			"Reps with no won deal or fewer than {0} decided deals in the history use the team's rates (all reps in the report together)."
		).format(engine.MIN_DECIDED_DEALS)
	)
	if model:
		lines.append(
			_(
				"Weighted pipeline = open deals' amounts × their close probability from the company's Sales Win Model {0} (learned from its own closed deals; it beat the stage probability on the hold-out), or for a deal it has not scored, its stage's probability (Sales Stage), else the deal's own. Coverage = weighted pipeline ÷ remaining: ≥ 3× green, 1–3× orange, below 1× red."
			).format(escape_html(model))
		)
	else:
		lines.append(
			_(
				"Weighted pipeline = open deals' amounts × their stage's probability (Sales Stage), else the deal's own probability, until a better model exists. Coverage = weighted pipeline ÷ remaining: ≥ 3× green, 1–3× orange, below 1× red."
			)
		)
	lines.append(_("Current pace = new opportunities in the last {0} weeks ÷ {0}.").format(engine.PACE_WEEKS))
	return "<br>".join(lines)
