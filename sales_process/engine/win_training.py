"""Learning the close probability from the company's own closed deals, and judging it honestly.

`fit_and_evaluate` is the whole weekly job: enough history? → the moments of each closed deal →
their process facts → the oldest 80 % of deals train a model, the newest 20 % judge it against
ERPNext's stage probability on the very same moments → the model is used only when it beats that
baseline on both AUC and Brier score.

scikit-learn is imported inside the functions that fit and rank, so importing the engine (and
scoring, in `engine.win_model`) never loads it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from sales_process.engine import win_features
from sales_process.engine.win_features import FEATURE_GROUPS, FEATURES, STAGE, WON, frame_or_empty
from sales_process.engine.win_model import WinModel, design_matrix, score, stage_baseline

MIN_CLOSED_DEALS = 50
MIN_WON_DEALS = 10
MIN_LOST_DEALS = 10
HOLDOUT_SHARE = 0.2
DEFAULT_C = 1.0
MAX_ITERATIONS = 1000
CALIBRATION_BINS = 10

# reason codes (the Frappe side turns them into text)
TOO_FEW_CLOSED = "too_few_closed"
TOO_FEW_WON = "too_few_won"
TOO_FEW_LOST = "too_few_lost"
ONE_OUTCOME_IN_TRAINING = "one_outcome_in_training"
ONE_OUTCOME_IN_HOLDOUT = "one_outcome_in_holdout"
AUC_NOT_ABOVE_BASELINE = "auc_not_above_baseline"
BRIER_NOT_BELOW_BASELINE = "brier_not_below_baseline"
NOT_BETTER_THAN_BASELINE = "not_better_than_baseline"  # neither AUC nor Brier beats it


def history_verdict(deals: pd.DataFrame) -> tuple[bool, str | None, dict[str, int]]:
	"""Is there enough closed history to learn from? At least 50 closed deals, 10 won and 10 lost;
	the first threshold missed is the reason. Counts: closed, won, lost (one per deal)."""
	closed = win_features.closed_deals(frame_or_empty(deals, win_features.DEAL_COLUMNS))
	closed = closed.drop_duplicates("deal", keep="last")
	won = int(closed["outcome"].eq(WON).sum())
	counts = {"closed": len(closed), "won": won, "lost": len(closed) - won}
	if counts["closed"] < MIN_CLOSED_DEALS:
		return False, TOO_FEW_CLOSED, counts
	if counts["won"] < MIN_WON_DEALS:
		return False, TOO_FEW_WON, counts
	if counts["lost"] < MIN_LOST_DEALS:
		return False, TOO_FEW_LOST, counts
	return True, None, counts


def split_holdout(closed_deals: pd.DataFrame, share: float = HOLDOUT_SHARE) -> tuple[list[str], list[str]]:
	"""(training deals, hold-out deals): the hold-out is the most recently closed `share` of the
	deals (rounded, at least one and never all when there are two or more), deals closed at the same
	time ordered by name. A deal goes whole to one side, with all its moments."""
	frame = closed_deals[["deal", "closed_on"]].drop_duplicates("deal", keep="last")
	frame = frame.assign(closed_on=pd.to_datetime(frame["closed_on"]).astype("datetime64[ns]"))
	frame = frame.assign(_name=frame["deal"].astype(str)).sort_values(
		["closed_on", "_name"], kind="mergesort"
	)
	names = frame["deal"].tolist()
	held = math.floor(share * len(names) + 0.5) if share > 0 else 0
	if share > 0 and len(names) >= 2:
		held = min(max(held, 1), len(names) - 1)
	cut = len(names) - held
	return names[:cut], names[cut:]


def train(
	features: pd.DataFrame,
	outcomes,
	weights,
	*,
	C: float = DEFAULT_C,  # scikit-learn's name
	max_iter: int = MAX_ITERATIONS,
	stage_medians: Mapping[str, float] | None = None,
	window: tuple[str | None, str | None] = (None, None),
	counts: Mapping[str, int] | None = None,
) -> WinModel:
	"""An L2-regularised logistic regression (lbfgs) on standardised features, as a `WinModel`.

	`features` has the `FEATURES` and "stage" (one-hot: one column per stage seen here); `outcomes`
	is 1 for won; `weights` are per moment (`win_features.deal_weights`: each deal counts once).
	Means and scales are the weighted ones and are computed here, so scoring can repeat them; a
	feature without variance gets scale 1 and coefficient 0 and is left out of the fit. `C` is
	scikit-learn's: smaller is stronger regularisation (the penalty is ½‖β‖², against C × the
	weighted log loss summed over deals).
	"""
	from sklearn.linear_model import LogisticRegression

	numeric = list(FEATURES)
	stages = features[STAGE]
	stage_categories = sorted({str(stage) for stage in stages[stages.notna()]} - {""})
	model = WinModel(
		numeric_features=numeric,
		stage_categories=stage_categories,
		means=[0.0] * (len(numeric) + len(stage_categories)),
		scales=[1.0] * (len(numeric) + len(stage_categories)),
		coefficients=[0.0] * (len(numeric) + len(stage_categories)),
		intercept=0.0,
		fill_values={},
	)
	x = design_matrix(model, features)
	y = np.asarray(outcomes, dtype="int64")
	w = np.asarray(weights, dtype="float64")

	means = w @ x / w.sum()
	variance = w @ (x - means) ** 2 / w.sum()
	varies = np.ptp(x, axis=0) > 0 if len(x) else np.zeros(x.shape[1], dtype=bool)
	scales = np.where(varies & (variance > 0), np.sqrt(variance), 1.0)
	z = (x[:, varies] - means[varies]) / scales[varies]

	coefficients = np.zeros(x.shape[1])
	if varies.any():
		fit = LogisticRegression(C=C, solver="lbfgs", max_iter=max_iter)
		fit.fit(z, y, sample_weight=w)
		coefficients[varies] = fit.coef_[0]
		intercept = float(fit.intercept_[0])
	else:  # nothing to learn from: the (weighted) win rate for everyone
		rate = min(max(float(w @ y / w.sum()), 1e-9), 1.0 - 1e-9)
		intercept = math.log(rate / (1.0 - rate))

	model.means = [float(value) for value in means]
	model.scales = [float(value) for value in scales]
	model.coefficients = [float(value) for value in coefficients]
	model.intercept = intercept
	model.fill_values = {name: float(means[j]) for j, name in enumerate(numeric)}
	model.groups = dict(FEATURE_GROUPS)
	model.stage_median_days = {str(k): float(v) for k, v in (stage_medians or {}).items()}
	model.trained_from, model.trained_to = window
	model.counts = {str(k): int(v) for k, v in (counts or {}).items()}
	model.regularisation_c = float(C)
	return model


def evaluate(y, p, weights, bins: int = CALIBRATION_BINS) -> dict:
	"""AUC (weighted; None when only one outcome is present), Brier score (weighted mean squared
	error) and a calibration table of `bins` equal-width bins of the predicted probability: per bin
	the moments in it, their weight, the mean predicted and the observed win rate (weighted; None
	for an empty bin). With deal weights every deal counts once."""
	from sklearn.metrics import roc_auc_score

	y = np.asarray(y, dtype="float64")
	p = np.asarray(p, dtype="float64")
	w = np.asarray(weights, dtype="float64")
	total = float(w.sum())
	both = len(np.unique(y)) == 2
	auc = float(roc_auc_score(y, p, sample_weight=w)) if both else None
	brier = float(w @ (p - y) ** 2 / total) if total > 0 else None

	index = np.clip(np.floor(p * bins).astype("int64"), 0, bins - 1)
	calibration = []
	for b in range(bins):
		inside = index == b
		weight = float(w[inside].sum())
		calibration.append(
			{
				"bin": b,
				"lower": b / bins,
				"upper": (b + 1) / bins,
				"count": int(inside.sum()),
				"weight": weight,
				"mean_predicted": float(w[inside] @ p[inside] / weight) if weight > 0 else None,
				"observed_rate": float(w[inside] @ y[inside] / weight) if weight > 0 else None,
			}
		)
	return {"auc": auc, "brier": brier, "snapshots": len(y), "weight": total, "calibration": calibration}


@dataclass
class TrainingResult:
	"""The outcome of one training run, JSON-safe through `to_dict`.

	`ok` is False when the history was too thin (or one side of the split had one outcome) and
	nothing was judged; `use_model` says whether open deals get the model's score (`model`, the
	refit on every closed deal) or fall back to the stage probability; `reason` is a code when not.
	`holdout_model` is the model that was judged (trained on the older deals only).
	`model_metrics` and `baseline_metrics` are `evaluate` on the same hold-out moments.
	"""

	ok: bool
	use_model: bool
	reason: str | None
	counts: dict = field(default_factory=dict)
	window: dict = field(default_factory=dict)
	model: dict | None = None
	holdout_model: dict | None = None
	model_metrics: dict | None = None
	baseline_metrics: dict | None = None

	def to_dict(self) -> dict:
		return asdict(self)


def fit_and_evaluate(
	deals: pd.DataFrame,
	moves: pd.DataFrame | None,
	stages: pd.DataFrame | None,
	records: pd.DataFrame | None = None,
	risks: pd.DataFrame | None = None,
	objections: pd.DataFrame | None = None,
	competitors: pd.DataFrame | None = None,
	decision_makers: pd.DataFrame | None = None,
	visits: pd.DataFrame | None = None,
	quotations: pd.DataFrame | None = None,
	customer_orders: pd.DataFrame | None = None,
	*,
	now: datetime,
	C: float = DEFAULT_C,
	holdout_share: float = HOLDOUT_SHARE,
	landmark_days: float | None = win_features.LANDMARK_DAYS,
) -> TrainingResult:
	"""Train, judge against the stage probability, and decide.

	Deals closed after `now` and stage moves after `now` are ignored. Only closed deals with at
	least one moment (a logged stage) are learned from, and the thresholds of `history_verdict`
	apply to them. The hold-out deals are unseen by the judged model, down to the stage medians
	behind days_in_stage_ratio (from the training deals' stays). The baseline is the stage's default
	probability at each hold-out moment; a moment whose stage has none gets the training deals' win
	rate (counted in counts["baseline_fallback_snapshots"]).

	When the model wins on both AUC and Brier it is refitted on all closed deals (stage medians
	from every stay up to `now`), so the newest deals count too; the hold-out figures are those of
	the judged model, a fair (slightly conservative) estimate for the refit.
	"""
	now = pd.Timestamp(now)
	deals = frame_or_empty(deals, win_features.DEAL_COLUMNS)
	moves = frame_or_empty(moves, win_features.MOVE_COLUMNS)
	moves = moves[pd.to_datetime(moves["changed_on"]) <= now]
	stages = frame_or_empty(stages, win_features.STAGE_COLUMNS)

	closed = win_features.closed_deals(deals).drop_duplicates("deal", keep="last")
	closed = closed[pd.to_datetime(closed["closed_on"]) <= now]
	moments = win_features.snapshot_moments(closed, moves, landmark_days)
	learnable = closed[closed["deal"].isin(set(moments["deal"]))]
	ok, reason, verdict_counts = history_verdict(learnable)
	counts: dict = {
		"deals": verdict_counts["closed"],
		"won": verdict_counts["won"],
		"lost": verdict_counts["lost"],
	}
	counts["snapshots"] = len(moments)
	if not ok:
		return TrainingResult(ok=False, use_model=False, reason=reason, counts=counts)

	features = win_features.feature_frame(
		moments,
		deals=learnable,
		moves=moves,
		records=records,
		risks=risks,
		objections=objections,
		competitors=competitors,
		decision_makers=decision_makers,
		visits=visits,
		quotations=quotations,
		customer_orders=customer_orders,
	)
	won_deals = set(learnable.loc[learnable["outcome"].eq(WON), "deal"])
	outcome = features["deal"].isin(won_deals).to_numpy(dtype="int64")

	train_deals, holdout_deals = split_holdout(learnable, holdout_share)
	in_training = features["deal"].isin(set(train_deals)).to_numpy()
	train_medians = win_features.stage_median_days(moves[moves["deal"].isin(set(train_deals))])
	training = win_features.with_stage_ratio(features[in_training], train_medians)
	holdout = win_features.with_stage_ratio(features[~in_training], train_medians)
	y_train, y_holdout = outcome[in_training], outcome[~in_training]
	counts.update(
		{
			"train_deals": len(train_deals),
			"holdout_deals": len(holdout_deals),
			"train_snapshots": len(training),
			"holdout_snapshots": len(holdout),
		}
	)
	window = {
		"first_closed_on": _iso(learnable["closed_on"].min()),
		"last_closed_on": _iso(learnable["closed_on"].max()),
		"holdout_from": _iso(learnable.loc[learnable["deal"].isin(set(holdout_deals)), "closed_on"].min()),
	}
	if len(np.unique(y_train)) < 2:
		return TrainingResult(
			ok=False, use_model=False, reason=ONE_OUTCOME_IN_TRAINING, counts=counts, window=window
		)
	if len(np.unique(y_holdout)) < 2:
		return TrainingResult(
			ok=False, use_model=False, reason=ONE_OUTCOME_IN_HOLDOUT, counts=counts, window=window
		)

	w_train = win_features.deal_weights(training["deal"])
	w_holdout = win_features.deal_weights(holdout["deal"])
	train_closed = learnable[learnable["deal"].isin(set(train_deals))]["closed_on"]
	judged = train(
		training,
		y_train,
		w_train,
		C=C,
		stage_medians=train_medians,
		window=(_iso(train_closed.min()), _iso(train_closed.max())),
		counts=_model_counts(training, y_train),
	)

	baseline = stage_baseline(stages, holdout[STAGE].tolist())
	training_win_rate = float(w_train @ y_train / w_train.sum())
	no_baseline = ~np.isfinite(baseline)
	counts["baseline_fallback_snapshots"] = int(no_baseline.sum())
	counts["training_win_rate"] = training_win_rate
	baseline = np.where(no_baseline, training_win_rate, baseline)

	model_metrics = evaluate(y_holdout, score(judged, holdout), w_holdout)
	baseline_metrics = evaluate(y_holdout, baseline, w_holdout)
	reason = _verdict(model_metrics, baseline_metrics)
	result = TrainingResult(
		ok=True,
		use_model=reason is None,
		reason=reason,
		counts=counts,
		window=window,
		holdout_model=judged.to_dict(),
		model_metrics=model_metrics,
		baseline_metrics=baseline_metrics,
	)
	if result.use_model:
		all_medians = win_features.stage_median_days(moves)
		everything = win_features.with_stage_ratio(features, all_medians)
		final = train(
			everything,
			outcome,
			win_features.deal_weights(everything["deal"]),
			C=C,
			stage_medians=all_medians,
			window=(window["first_closed_on"], window["last_closed_on"]),
			counts=_model_counts(everything, outcome),
		)
		result.model = final.to_dict()
	return result


def _verdict(model_metrics: dict, baseline_metrics: dict) -> str | None:
	"""None when the model has the higher AUC and the lower Brier score, else why not."""
	better_auc = model_metrics["auc"] > baseline_metrics["auc"]
	better_brier = model_metrics["brier"] < baseline_metrics["brier"]
	if better_auc and better_brier:
		return None
	if not better_auc and not better_brier:
		return NOT_BETTER_THAN_BASELINE
	return BRIER_NOT_BELOW_BASELINE if better_auc else AUC_NOT_ABOVE_BASELINE


def _model_counts(features: pd.DataFrame, outcome: np.ndarray) -> dict[str, int]:
	deal_won = pd.Series(outcome, index=features.index).groupby(features["deal"].to_numpy(object)).max()
	return {
		"deals": len(deal_won),
		"snapshots": len(features),
		"won": int(deal_won.sum()),
		"lost": int((deal_won == 0).sum()),
	}


def _iso(value) -> str | None:
	return None if pd.isna(value) else pd.Timestamp(value).isoformat()
