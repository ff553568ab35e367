"""Sales Win Model: one training run of a company's close probability, written only by the server.

`train(company)` reads the company's closed deals (process.win_data), learns and judges the model
(engine.win_training) and writes a new version: Active when it beats the stage probability on the
hold-out (AUC and Brier), else Not Used or Not Enough History with the reason. The newest run
decides what the company's deals get: it supersedes the previous Active version, whatever its own
verdict, and then the company's open deals are scored again (process.win_scores).
"""

from __future__ import annotations

import json
from datetime import datetime

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html, flt, get_datetime, now_datetime

from sales_process.engine import win_training
from sales_process.engine.win_features import WON
from sales_process.engine.win_model import WinModel

MODEL = "Sales Win Model"
ACTIVE, NOT_USED, NOT_ENOUGH_HISTORY, SUPERSEDED = "Active", "Not Used", "Not Enough History", "Superseded"
TRAINERS = ("Sales Process Manager", "System Manager")
JOB_ID = "sales_process:train_win_model:{0}"
SAVEPOINT = "sales_process_win_training"


class SalesWinModel(Document):
	def autoname(self):
		self.version = next_version(self.company)
		self.name = f"{self.company}-WIN-{self.version}"

	def validate(self):
		if not self.flags.sp_system_write:
			frappe.throw(
				_(
					"A Sales Win Model is written only by its training: ask a Sales Process Manager to use Train Now."
				),
				frappe.PermissionError,
			)

	def on_change(self):
		from sales_process.process import win_scores

		win_scores.forget_active_model(self.company)

	def onload(self):
		self.set_onload("reason", verdict_text(self))
		self.set_onload("calibration_html", calibration_html(self))


def next_version(company: str) -> int:
	model = frappe.qb.DocType(MODEL)
	latest = (
		frappe.qb.from_(model)
		.select(model.version)
		.where(model.company == company)
		.orderby(model.version, order=frappe.qb.desc)
		.limit(1)
		.run(pluck=True)
	)
	return int(latest[0] or 0) + 1 if latest else 1


# training


@frappe.whitelist(methods=["POST"])
def train_now(company: str) -> str:
	"""Train the company's model now, in the background (Sales Process Manager, System Manager)."""
	if not set(TRAINERS) & set(frappe.get_roles()):
		frappe.throw(
			_("Only a Sales Process Manager can train the close probability."),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	from sales_process.process.settings import enrolled_companies

	if not company or not frappe.db.exists("Company", company):
		frappe.throw(_("Choose a Company to train its close probability for."))
	if company not in enrolled_companies():
		frappe.throw(
			_("{0} is not under process control: enrol it in Sales Process Settings first.").format(
				frappe.bold(company)
			)
		)
	frappe.enqueue(
		"sales_process.sales_process.doctype.sales_win_model.sales_win_model.train",
		queue="long",
		timeout=3600,
		job_id=JOB_ID.format(company),
		deduplicate=True,
		now=bool(frappe.flags.in_test),
		company=company,
	)
	return _(
		"Training for {0} has started in the background. The new Sales Win Model appears in the list when it is done (usually within minutes)."
	).format(company)


def train_all(now=None):
	"""Weekly, on the long queue: every enrolled company, each on its own (a failure is logged)."""
	from sales_process.process.settings import enrolled_companies

	written = {}
	for company in sorted(enrolled_companies()):
		try:
			frappe.db.savepoint(SAVEPOINT)
			written[company] = train(company, now=now)
			if not frappe.flags.in_test:
				frappe.db.commit()
		except Exception:
			frappe.db.rollback(save_point=SAVEPOINT)
			frappe.log_error(
				title="Sales Win Model training failed", reference_doctype="Company", reference_name=company
			)
	return written


def train(company: str, now=None, C: float = win_training.DEFAULT_C) -> str:
	"""Learn, judge and write the company's next version; returns its name."""
	from sales_process.process import win_data, win_scores

	now = get_datetime(now) if now else now_datetime()
	frames = win_data.training_frames(company)
	result = win_training.fit_and_evaluate(**frames, now=now, C=C)
	deals = frames["deals"]
	won = deals.loc[deals["outcome"].eq(WON), "deal"].tolist()
	doc = record_of(company, result, now, paid=win_data.paid_won_deals(won), C=C)
	for name in frappe.get_all(MODEL, filters={"company": company, "status": ACTIVE}, pluck="name"):
		frappe.db.set_value(MODEL, name, {"status": SUPERSEDED, "superseded_on": now}, update_modified=False)
	doc.flags.sp_system_write = True
	doc.insert(ignore_permissions=True)
	win_scores.forget_active_model(company)
	win_scores.score_company(company, now)
	return doc.name


def record_of(company: str, result: win_training.TrainingResult, now: datetime, paid: int, C: float):
	counts, window = result.counts or {}, result.window or {}
	model_metrics, baseline_metrics = result.model_metrics or {}, result.baseline_metrics or {}
	if result.use_model:
		status = ACTIVE
	elif result.ok:
		status = NOT_USED
	else:
		status = NOT_ENOUGH_HISTORY
	model = result.model if result.use_model else result.holdout_model
	doc = frappe.get_doc(
		{
			"doctype": MODEL,
			"company": company,
			"status": status,
			"trained_on": now,
			"reason_code": result.reason,
			"first_closed_on": _datetime(window.get("first_closed_on")),
			"last_closed_on": _datetime(window.get("last_closed_on")),
			"holdout_from": _datetime(window.get("holdout_from")),
			"closed_deals": counts.get("deals", 0),
			"won_deals": counts.get("won", 0),
			"lost_deals": counts.get("lost", 0),
			"won_paid": paid,
			"snapshots": counts.get("snapshots", 0),
			"train_deals": counts.get("train_deals", 0),
			"holdout_deals": counts.get("holdout_deals", 0),
			"train_snapshots": counts.get("train_snapshots", 0),
			"holdout_snapshots": counts.get("holdout_snapshots", 0),
			"baseline_fallback_snapshots": counts.get("baseline_fallback_snapshots", 0),
			"regularisation_c": C,
			"model_auc": model_metrics.get("auc"),
			"model_brier": model_metrics.get("brier"),
			"baseline_auc": baseline_metrics.get("auc"),
			"baseline_brier": baseline_metrics.get("brier"),
			"model_calibration": json.dumps(model_metrics.get("calibration")) if model_metrics else None,
			"baseline_calibration": json.dumps(baseline_metrics.get("calibration"))
			if baseline_metrics
			else None,
			"model_json": json.dumps(model) if model else None,
			"intercept": model["intercept"] if model else None,
		}
	)
	for row in coefficient_rows(WinModel.from_dict(model)) if model else []:
		doc.append("coefficients", row)
	return doc


def coefficient_rows(model: WinModel) -> list[dict]:
	"""One row per model column, largest |coefficient| first (ties by name)."""
	from sales_process.process.win_scores import feature_label

	rows = [
		{
			"feature": name,
			"feature_label": feature_label(name),
			"coefficient": coefficient,
			"mean": mean,
			"scale": scale,
			"effect": "Raises" if coefficient > 0 else "Lowers" if coefficient < 0 else "No Effect",
		}
		for name, coefficient, mean, scale in zip(
			model.feature_names, model.coefficients, model.means, model.scales, strict=True
		)
	]
	rows.sort(key=lambda row: (-abs(row["coefficient"]), row["feature"]))
	return rows


def _datetime(value):
	return get_datetime(value) if value else None


# what the form shows, in the reader's language


def _metric(value) -> str:
	return "–" if value is None else f"{flt(value):.3f}"


def verdict_text(doc) -> str:
	"""Why this version is (not) in use."""
	code = doc.reason_code
	closed, won, lost = doc.closed_deals or 0, doc.won_deals or 0, doc.lost_deals or 0
	auc = (_metric(doc.model_auc), _metric(doc.baseline_auc))
	brier = (_metric(doc.model_brier), _metric(doc.baseline_brier))
	keep = _("Deals keep their stage's default probability.")
	if doc.status == SUPERSEDED:
		return _("Superseded on {0} by a newer training run.").format(
			frappe.format(doc.superseded_on, "Datetime")
		)
	if doc.status == ACTIVE:
		return _(
			"In use: on the hold-out deals it beats the stage probability on both counts (AUC {0} against {1}, Brier score {2} against {3})."
		).format(auc[0], auc[1], brier[0], brier[1])
	texts = {
		win_training.TOO_FEW_CLOSED: lambda: _(
			"Not enough history: {0} closed deals with a logged stage; at least {1} are needed, with at least {2} won and {3} lost."
		).format(
			closed, win_training.MIN_CLOSED_DEALS, win_training.MIN_WON_DEALS, win_training.MIN_LOST_DEALS
		),
		win_training.TOO_FEW_WON: lambda: _(
			"Not enough history: {0} won deals; at least {1} are needed."
		).format(won, win_training.MIN_WON_DEALS),
		win_training.TOO_FEW_LOST: lambda: _(
			"Not enough history: {0} lost deals; at least {1} are needed."
		).format(lost, win_training.MIN_LOST_DEALS),
		win_training.ONE_OUTCOME_IN_TRAINING: lambda: _(
			"Not enough history: the older deals learned from are all won or all lost."
		),
		win_training.ONE_OUTCOME_IN_HOLDOUT: lambda: _(
			"Not enough history: the most recently closed deals (the hold-out) are all won or all lost, so the model cannot be judged."
		),
		win_training.AUC_NOT_ABOVE_BASELINE: lambda: _(
			"Not used: it does not rank the hold-out deals better than the stage probability (AUC {0} against {1}), although its Brier score is lower ({2} against {3})."
		).format(auc[0], auc[1], brier[0], brier[1]),
		win_training.BRIER_NOT_BELOW_BASELINE: lambda: _(
			"Not used: its Brier score on the hold-out deals is not below the stage probability's ({0} against {1}), although it ranks them better (AUC {2} against {3})."
		).format(brier[0], brier[1], auc[0], auc[1]),
		win_training.NOT_BETTER_THAN_BASELINE: lambda: _(
			"Not used: the stage probability is at least as good on the hold-out deals (AUC {0} against {1}, Brier score {2} against {3})."
		).format(auc[0], auc[1], brier[0], brier[1]),
	}
	text = texts.get(code)
	return f"{text()} {keep}" if text else keep


def calibration_html(doc) -> str:
	"""Per bin of predicted probability: the hold-out moments, mean predicted and observed win rate,
	for the model and the stage-probability baseline."""
	model, baseline = _bins(doc.model_calibration), _bins(doc.baseline_calibration)
	if not model and not baseline:
		return f'<p class="text-muted small">{escape_html(_("No hold-out evaluation for this version."))}</p>'

	def percent(value):
		return "–" if value is None else f"{100 * flt(value):.0f}%"

	head = "".join(
		f"<th>{escape_html(text)}</th>"
		for text in (
			_("Predicted"),
			_("Model: Snapshots"),
			_("Model: Mean Predicted"),
			_("Model: Won"),
			_("Baseline: Snapshots"),
			_("Baseline: Mean Predicted"),
			_("Baseline: Won"),
		)
	)
	body = []
	for index in range(max(len(model), len(baseline))):
		m = model[index] if index < len(model) else {}
		b = baseline[index] if index < len(baseline) else {}
		row = m or b
		cells = (
			f"{percent(row.get('lower'))}–{percent(row.get('upper'))}",
			m.get("count", 0),
			percent(m.get("mean_predicted")),
			percent(m.get("observed_rate")),
			b.get("count", 0),
			percent(b.get("mean_predicted")),
			percent(b.get("observed_rate")),
		)
		body.append("<tr>" + "".join(f"<td>{escape_html(str(cell))}</td>" for cell in cells) + "</tr>")
	note = _(
		"Won = the share of the bin's hold-out deals that were won (each deal counts once, however many snapshots it has). A well-calibrated probability is close to it."
	)
	return (
		'<div style="overflow-x: auto"><table class="table table-bordered table-sm small">'
		f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
		f'<p class="text-muted small">{escape_html(note)}</p>'
	)


def _bins(value) -> list[dict]:
	if not value:
		return []
	try:
		bins = json.loads(value) if isinstance(value, str) else value
	except (TypeError, ValueError):
		return []
	return [row for row in bins if isinstance(row, dict)] if isinstance(bins, list) else []
