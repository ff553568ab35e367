"""The close probability 赢单概率 of open deals, and why, in the reader's language.

A deal of an enrolled company is scored from its company's Active Sales Win Model using only the
stored numbers (`engine.win_model`: numpy, never scikit-learn — this runs inside a save), from
its facts as they are now (`win_data.scoring_frames`, a few indexed queries). Without an Active
model the deal keeps the stage's default probability (ERPNext's own when the stage has none).
The probability (0–100), its source, the top reasons (feature, value, points) and the moment are
stored on the Opportunity without touching `modified`; the panel and the reports read them.
"""

from __future__ import annotations

import json
import math
import numbers

import frappe
from frappe import _
from frappe.utils import flt, fmt_money, now_datetime

from sales_process.adapters import opportunity
from sales_process.engine import win_features
from sales_process.engine.win_model import STAGE, WinModel, explain, score
from sales_process.process import deal_rollup, win_data
from sales_process.process.settings import enrolled_companies

MODEL = "Sales Win Model"
ACTIVE = "Active"
SOURCE_MODEL = opportunity.SCORED_BY_MODEL
SOURCE_STAGE = "Stage Default"
TOP_REASONS = 5
# a fact that moves the probability by less than half a point is not a reason worth showing
MIN_REASON_POINTS = 0.5
BATCH = 1000
CACHE_KEY = "sales_process:active_win_model"
SAVEPOINT = "sales_process_win_score"
# parsed models by record name: a record is never changed once written, so its numbers never go stale
_PARSED: dict[str, WinModel] = {}


# the model in use


def active_model(company: str | None) -> tuple[str, WinModel] | None:
	"""(record name, model) of the company's Active Sales Win Model, or None."""
	if not company:
		return None
	name = frappe.cache.hget(CACHE_KEY, company)
	if name is None:
		name = (
			frappe.db.get_value(
				MODEL, {"company": company, "status": ACTIVE}, "name", order_by="version desc"
			)
			or ""
		)
		frappe.cache.hset(CACHE_KEY, company, name)
	if not name:
		return None
	if name not in _PARSED:
		data = frappe.db.get_value(MODEL, name, "model_json")
		if not data:
			return None
		_PARSED[name] = WinModel.from_dict(json.loads(data) if isinstance(data, str) else data)
	return name, _PARSED[name]


def forget_active_model(company: str | None = None):
	"""After a model is written or superseded."""
	if company:
		frappe.cache.hdel(CACHE_KEY, company)
	else:
		frappe.cache.delete_value(CACHE_KEY)


# scoring


def score_on_change(doc):
	"""Opportunity on_change: rescore the deal; nothing for a closed deal or one outside the process.

	Without an Active model the stage default is stored at once (one write). With one, reading the
	deal's facts and explaining its score takes tens of milliseconds, more than a save should
	wait: a short background job does it right after the commit (one queued job per deal)."""
	if not opportunity.is_scorable(doc) or doc.get("company") not in enrolled_companies():
		return
	if active_model(doc.get("company")) is None:
		values = _values(
			stage_default(doc.get("sales_stage"), doc.get("probability")), SOURCE_STAGE, [], now_datetime()
		)
		if not _changed(doc, values):
			return  # most saves move nothing the figure depends on: no write
		was_model = doc.get("sp_probability_source") == SOURCE_MODEL
		opportunity.store_score(doc.name, values)
		doc.update(values)  # the response shows what was stored
		if was_model:
			deal_rollup.refresh([doc.name])  # the pipeline no longer weighs it by the model
		return
	if frappe.flags.in_import or frappe.flags.in_patch or frappe.flags.in_install:
		return  # the daily job scores them
	frappe.enqueue(
		"sales_process.process.win_scores.score_deals",
		queue="short",
		job_id=f"sales_process:close_probability:{doc.name}",
		deduplicate=True,
		enqueue_after_commit=True,
		now=bool(frappe.flags.in_test),
		names=[doc.name],
	)


def score_deals(names: list[str], now=None) -> dict[str, dict]:
	"""Score these deals (the open ones of enrolled companies) and store the results; returns
	{deal: stored values}. Deals of a company with an Active model are scored together."""
	now = now or now_datetime()
	enrolled = enrolled_companies()
	rows = opportunity.win_deal_rows(names=names, open_only=True)
	rows = [row for row in rows if row[9] in enrolled]
	results: dict[str, dict] = {}
	by_company: dict[str, list[tuple]] = {}
	for row in rows:
		by_company.setdefault(row[9], []).append(row)
	for company, company_rows in by_company.items():
		active = active_model(company)
		if active is None:
			results.update(_stage_defaults(company_rows, now))
		else:
			results.update(_model_scores(active[1], company_rows, now))
	stored = opportunity.stored_scores(list(results))
	changed = [name for name, values in results.items() if _changed(stored.get(name) or {}, values)]
	for name in changed:
		opportunity.store_score(name, results[name])
	# a model's score weighs the deal in Target Back-calculation's open pipeline
	deal_rollup.refresh(changed)
	return results


def _changed(stored, values: dict) -> bool:
	"""Whether the figure, its source or its reasons differ from what is stored. The moment
	stored is when they last changed, so an unchanged score is not written again."""
	return (
		flt(stored.get(opportunity.CLOSE_PROBABILITY), 1) != values[opportunity.CLOSE_PROBABILITY]
		or stored.get(opportunity.PROBABILITY_SOURCE) != values[opportunity.PROBABILITY_SOURCE]
		or (stored.get(opportunity.PROBABILITY_REASONS) or "[]") != values[opportunity.PROBABILITY_REASONS]
	)


def _stage_defaults(rows: list[tuple], now) -> dict[str, dict]:
	columns = opportunity.WIN_DEAL_COLUMNS
	results = {}
	for row in rows:
		deal = dict(zip(columns, row, strict=True))
		results[deal["deal"]] = _values(
			stage_default(deal["stage"], deal["probability"]), SOURCE_STAGE, [], now
		)
	return results


def stage_default(stage: str | None, typed) -> float:
	"""The stage's default probability (document cache: cleared when the stage is saved), else the
	deal's own."""
	default = flt(frappe.get_cached_value("Sales Stage", stage, "sp_probability")) if stage else 0.0
	return default or flt(typed)


def _model_scores(model: WinModel, rows: list[tuple], now) -> dict[str, dict]:
	"""Features of the deals as they are now, probability and explanation (vectorised scoring,
	one explanation per deal)."""
	frames = win_data.frames_of(win_data.deal_frame(rows))
	deals = frames["deals"]
	moments = win_features.open_moments(deals, frames["moves"], now)
	table = win_features.feature_frame(
		moments,
		deals=deals,
		moves=frames["moves"],
		records=frames["records"],
		risks=frames["risks"],
		objections=frames["objections"],
		competitors=frames["competitors"],
		decision_makers=frames["decision_makers"],
		visits=frames["visits"],
		quotations=frames["quotations"],
		customer_orders=frames["customer_orders"],
		stage_medians=model.stage_median_days,
	)
	probabilities = score(model, table)
	results = {}
	for row, probability in zip(table.to_dict("records"), probabilities.tolist(), strict=True):
		reasons = [
			{
				"feature": reason.feature,
				"value": shown_value(reason.feature, reason.value),
				"points": round(reason.points, 1),
			}
			for reason in explain(model, row, top=None)
			if abs(reason.points) >= MIN_REASON_POINTS
		][:TOP_REASONS]
		results[row["deal"]] = _values(100.0 * probability, SOURCE_MODEL, reasons, now)
	return results


# how precisely a reason's value is kept: what its text shows (time in stage to a tenth, rates to
# a percent, the amount's log to 0.01 %), so the time passing between two saves is no change
VALUE_DIGITS = {
	"days_in_stage_ratio": 1,
	"compliance_so_far": 2,
	"geofence_pass_rate_30d": 2,
	"log_amount": 4,
}


def shown_value(feature: str, value):
	"""A reason's value as stored: counts and days whole, the rest to `VALUE_DIGITS`."""
	if isinstance(value, bool) or not isinstance(value, numbers.Real):
		return value  # a stage's name, or nothing
	value = float(value)
	if not math.isfinite(value):
		return None
	digits = VALUE_DIGITS.get(feature)
	return round(value, digits) if digits is not None else math.floor(value + 1e-9)


def _values(probability: float, source: str, reasons: list, now) -> dict:
	return {
		opportunity.CLOSE_PROBABILITY: round(min(max(float(probability), 0.0), 100.0), 1),
		opportunity.PROBABILITY_SOURCE: source,
		opportunity.PROBABILITY_REASONS: json.dumps(reasons, ensure_ascii=False),
		opportunity.SCORED_ON: now,
	}


def score_open_deals(now=None) -> dict:
	"""Daily: every open deal of every enrolled company. Returns counts."""
	now = now or now_datetime()
	counts = {"scored": 0, "failed": 0}
	for company in sorted(enrolled_companies()):
		for key, value in score_company(company, now).items():
			counts[key] += value
	return counts


def score_company(company: str, now=None) -> dict:
	"""The company's open deals, a batch at a time (vectorised), committed per batch; a batch that
	fails is scored deal by deal and each failure is logged."""
	now = now or now_datetime()
	counts = {"scored": 0, "failed": 0}
	after = ""
	while names := opportunity.open_deal_names(company, after, BATCH):
		after = names[-1]
		try:
			frappe.db.savepoint(SAVEPOINT)
			counts["scored"] += len(score_deals(names, now))
		except Exception:
			frappe.db.rollback(save_point=SAVEPOINT)
			for name in names:
				try:
					frappe.db.savepoint(SAVEPOINT)
					counts["scored"] += len(score_deals([name], now))
				except Exception:
					frappe.db.rollback(save_point=SAVEPOINT)
					counts["failed"] += 1
					frappe.log_error(
						title="Sales close probability failed",
						reference_doctype=opportunity.DOCTYPE,
						reference_name=name,
					)
		if not frappe.flags.in_test:
			frappe.db.commit()
	return counts


# what the panel shows


def panel_payload(doc) -> dict | None:
	"""The deal's probability, its source and its top reasons in the reader's language; None for
	a deal outside the process. A deal not scored yet shows its stage default (nothing is written)."""
	if doc.doctype != opportunity.DOCTYPE or doc.get("company") not in enrolled_companies():
		return None
	closed = not opportunity.is_scorable(doc)
	source = doc.get(opportunity.PROBABILITY_SOURCE)
	probability = doc.get(opportunity.CLOSE_PROBABILITY)
	reasons = _stored_reasons(doc.get(opportunity.PROBABILITY_REASONS)) if source == SOURCE_MODEL else []
	if not source:
		source = SOURCE_STAGE
		probability = stage_default(doc.get("sales_stage"), doc.get("probability"))
	active = active_model(doc.get("company"))
	return {
		"probability": flt(probability, 1),
		"source": source,
		"source_label": _("learned from this company's closed deals")
		if source == SOURCE_MODEL
		else _("the stage's default probability"),
		"scored_on": doc.get(opportunity.SCORED_ON),
		"closed": closed,
		"model": active[0] if active and source == SOURCE_MODEL else None,
		"reasons": [
			{
				"feature": reason.get("feature"),
				"points": flt(reason.get("points"), 1),
				"text": reason_text(reason.get("feature"), reason.get("value"), reason.get("points")),
			}
			for reason in reasons
		],
	}


def _stored_reasons(value) -> list[dict]:
	if isinstance(value, list):
		return [reason for reason in value if isinstance(reason, dict)]
	try:
		reasons = json.loads(value or "[]")
	except (TypeError, ValueError):
		return []
	return [reason for reason in reasons if isinstance(reason, dict)] if isinstance(reasons, list) else []


# reasons in plain words


def points_text(points) -> str:
	"""+6, −12 (a real minus sign), one decimal below 1."""
	points = flt(points)
	shown = f"{abs(points):.1f}" if abs(points) < 1 else f"{abs(points):.0f}"
	if shown in ("0", "0.0"):
		return "±0"
	return ("+" if points > 0 else "−") + shown


def reason_text(feature: str | None, value, points) -> str:
	"""Such as "no veto holder identified: −12 points", in the reader's language."""
	return _("{0}: {1} points").format(fact_text(feature, value), points_text(points))


def _count(value) -> int:
	number = flt(value)
	return int(round(number)) if math.isfinite(number) else 0


def fact_text(feature: str | None, value) -> str:
	"""What a fact is at this deal, in words."""
	feature = feature or ""
	if feature == STAGE:
		return _("stage {0}").format(_(value)) if value else _("no stage")
	if feature.startswith("objections_"):
		return _objection_text(feature[len("objections_") :], _count(value))
	if feature in ROLE_TEXTS:
		present, absent = ROLE_TEXTS[feature]()
		return present if flt(value) > 0 else absent
	maker = FACT_TEXTS.get(feature)
	if maker is None:
		return _(feature_label(feature))
	return maker(value)


def _objection_text(category: str, count: int) -> str:
	name = next((c for c in win_features.OBJECTION_CATEGORIES if c.lower() == category), category)
	label = _(name).lower()
	if count == 0:
		return _("no {0} objection").format(label)
	if count == 1:
		return _("1 {0} objection").format(label)
	return _("{0} {1} objections").format(count, label)


def _pick(value, none: str, one: str, many: str) -> str:
	count = _count(value)
	return none if count == 0 else one if count == 1 else many.format(count)


def _percent(value) -> int:
	return round(100 * flt(value))


FACT_TEXTS = {
	"days_in_stage_ratio": lambda value: _("{0}× the usual time in this stage").format(f"{flt(value):.1f}"),
	"compliance_so_far": lambda value: (
		_("no checkpoint due yet") if value is None else _("process compliance {0}%").format(_percent(value))
	),
	"overdue_checkpoints": lambda value: _pick(
		value, _("no overdue checkpoint"), _("1 overdue checkpoint"), _("{0} overdue checkpoints")
	),
	"open_risks": lambda value: _pick(
		value, _("no open risk signal"), _("1 open risk signal"), _("{0} open risk signals")
	),
	"competitors": lambda value: _pick(
		value, _("no competitor named"), _("1 competitor named"), _("{0} competitors named")
	),
	"supporters": lambda value: _pick(
		value,
		_("no supporter in the decision chain"),
		_("1 supporter in the decision chain"),
		_("{0} supporters in the decision chain"),
	),
	"opponents": lambda value: _pick(
		value,
		_("no opponent in the decision chain"),
		_("1 opponent in the decision chain"),
		_("{0} opponents in the decision chain"),
	),
	"visits_30d": lambda value: _pick(
		value,
		_("no visit in the last 30 days"),
		_("1 visit in the last 30 days"),
		_("{0} visits in the last 30 days"),
	),
	"geofence_pass_rate_30d": lambda value: (
		_("no visit with a location check in the last 30 days")
		if value is None
		else _("{0}% of recent visits inside the geofence").format(_percent(value))
	),
	"quotation_revisions": lambda value: _pick(
		value, _("no quotation revision"), _("1 quotation revision"), _("{0} quotation revisions")
	),
	"payment_term_changes": lambda value: _pick(
		value,
		_("payment terms never changed"),
		_("payment terms changed once"),
		_("payment terms changed {0} times"),
	),
	"log_amount": lambda value: (
		_("amount unknown")
		if value is None
		else _("amount {0}").format(fmt_money(math.expm1(flt(value)), precision=0))
	),
	"repeat_customer": lambda value: (
		_("repeat customer") if flt(value) > 0 else _("new customer (no earlier order)")
	),
	"deal_age_days": lambda value: _("open for {0} days").format(_count(value)),
	"lead_score": lambda value: (
		_("no lead score") if value is None else _("lead score {0}").format(_count(value))
	),
}
ROLE_TEXTS = {
	"has_initiator": lambda: (_("initiator identified"), _("no initiator identified")),
	"has_influencer": lambda: (_("influencer identified"), _("no influencer identified")),
	"has_decision_maker": lambda: (_("decision maker identified"), _("no decision maker identified")),
	"has_veto_holder": lambda: (_("veto holder identified"), _("no veto holder identified")),
}


def english_feature_labels() -> dict[str, str]:
	"""Each feature's label in English, as stored on a Sales Win Model's coefficient rows (the
	form shows them translated in the reader's language)."""

	def _(text):  # marks the label for translation; kept in English here
		return text

	return {
		"days_in_stage_ratio": _("Time in stage ÷ the stage's median"),
		"compliance_so_far": _("Process compliance so far"),
		"no_checkpoints_due": _("No checkpoint due yet"),
		"overdue_checkpoints": _("Overdue checkpoints"),
		"open_risks": _("Open risk signals"),
		"objections_price": _("Price objections"),
		"objections_budget": _("Budget objections"),
		"objections_timing": _("Timing objections"),
		"objections_competition": _("Competition objections"),
		"objections_technical": _("Technical objections"),
		"objections_authority": _("Authority objections"),
		"objections_trust": _("Trust objections"),
		"objections_process": _("Process objections"),
		"objections_other": _("Other objections"),
		"competitors": _("Competitors named"),
		"has_initiator": _("Initiator identified"),
		"has_influencer": _("Influencer identified"),
		"has_decision_maker": _("Decision maker identified"),
		"has_veto_holder": _("Veto holder identified"),
		"supporters": _("Supporters in the decision chain"),
		"opponents": _("Opponents in the decision chain"),
		"visits_30d": _("Visits in the last 30 days"),
		"geofence_pass_rate_30d": _("Share of recent visits inside the geofence"),
		"no_geofence_result_30d": _("No visit with a location check in 30 days"),
		"quotation_revisions": _("Quotation revisions"),
		"payment_term_changes": _("Payment term changes"),
		"log_amount": _("Amount (log)"),
		"repeat_customer": _("Repeat customer"),
		"deal_age_days": _("Deal age (days)"),
		"lead_score": _("Lead score"),
		"no_lead_score": _("No lead score"),
	}


def feature_label(feature: str) -> str:
	"""English label of a model column; a stage's one-hot column is the stage's name."""
	if feature.startswith("stage="):
		return feature[len("stage=") :]
	return english_feature_labels().get(feature, feature)
