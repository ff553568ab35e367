"""A learned close probability as plain numbers: scored and explained without scikit-learn.

The model is a logistic regression on standardised features:

    logit = intercept + Σ_j coefficient_j · z_j,   z_j = (x_j − mean_j) ÷ scale_j,   p = 1 ÷ (1 + e^−logit)

where x holds the numeric `engine.win_features.FEATURES` and one 0/1 column per stage the model
was trained on ("stage=Proposal"). Because it is linear, coefficient_j · z_j is exactly what fact j
adds to the logit compared with an average deal (z_j = 0), and the contributions add up to
logit − intercept: `explain` reports them per fact, with the probability points each one moves.

Scoring runs inside a document save, so this module needs numpy and math only. The numbers are
stored as JSON (`to_dict` / `from_dict`), never pickled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

MODEL_VERSION = 1
STAGE = "stage"
STAGE_PREFIX = "stage="


def stage_feature(stage: str) -> str:
	"""The one-hot column name of a stage."""
	return f"{STAGE_PREFIX}{stage}"


@dataclass
class WinModel:
	"""Everything scoring needs, as numbers and names.

	`feature_names` = `numeric_features` then one `stage_feature` per `stage_categories`;
	`means`, `scales` and `coefficients` are in that order (a feature without variance in training
	has scale 1 and coefficient 0). `fill_values` stand in for a numeric feature that is missing or
	NaN at scoring: the training mean, so an unknown fact moves nothing. `groups` names the reason
	a feature is explained under when it is not its own (missing-value indicators join their fact;
	the stage one-hots form "stage"). `stage_median_days` is the yardstick of days_in_stage_ratio.
	"""

	numeric_features: list[str]
	stage_categories: list[str]
	means: list[float]
	scales: list[float]
	coefficients: list[float]
	intercept: float
	fill_values: dict[str, float]
	groups: dict[str, str] = field(default_factory=dict)
	stage_median_days: dict[str, float] = field(default_factory=dict)
	trained_from: str | None = None  # first closed_on of the deals learned from (ISO)
	trained_to: str | None = None  # last closed_on
	counts: dict[str, int] = field(default_factory=dict)
	regularisation_c: float = 1.0
	version: int = MODEL_VERSION

	@property
	def feature_names(self) -> list[str]:
		return [*self.numeric_features, *(stage_feature(stage) for stage in self.stage_categories)]

	def group_of(self, feature: str) -> str:
		if feature.startswith(STAGE_PREFIX) and feature[len(STAGE_PREFIX) :] in self.stage_categories:
			return STAGE
		return self.groups.get(feature, feature)

	def to_dict(self) -> dict:
		"""JSON-safe plain values; floats survive json.dumps / json.loads bit for bit."""
		data = asdict(self)
		data["feature_names"] = self.feature_names
		return data

	@classmethod
	def from_dict(cls, data: Mapping) -> WinModel:
		if int(data.get("version", MODEL_VERSION)) != MODEL_VERSION:
			raise ValueError(f"win model version {data.get('version')} is not {MODEL_VERSION}")
		model = cls(
			numeric_features=[str(name) for name in data["numeric_features"]],
			stage_categories=[str(stage) for stage in data["stage_categories"]],
			means=[float(value) for value in data["means"]],
			scales=[float(value) for value in data["scales"]],
			coefficients=[float(value) for value in data["coefficients"]],
			intercept=float(data["intercept"]),
			fill_values={str(k): float(v) for k, v in data["fill_values"].items()},
			groups={str(k): str(v) for k, v in (data.get("groups") or {}).items()},
			stage_median_days={str(k): float(v) for k, v in (data.get("stage_median_days") or {}).items()},
			trained_from=data.get("trained_from"),
			trained_to=data.get("trained_to"),
			counts={str(k): int(v) for k, v in (data.get("counts") or {}).items()},
			regularisation_c=float(data.get("regularisation_c", 1.0)),
		)
		width = len(model.feature_names)
		if not (len(model.means) == len(model.scales) == len(model.coefficients) == width):
			raise ValueError("win model: means, scales and coefficients must have one value per feature")
		return model


@dataclass(frozen=True)
class Reason:
	"""One fact's share of a deal's score.

	`feature` is the fact's (group's) name, `value` its raw value at the deal (the stage's name for
	"stage", None when unknown), `logit` what it adds to the logit compared with an average value,
	`points` how many probability points (0–100 scale) the deal has because of it: the score minus
	the score the deal would have with an average value of it, everything else as it is.
	"""

	feature: str
	value: float | str | None
	logit: float
	points: float


def _rows(frame) -> int:
	if hasattr(frame, "shape"):
		return int(frame.shape[0])
	columns = list(frame.values())
	return len(columns[0]) if columns else 0


def design_matrix(model: WinModel, frame) -> np.ndarray:
	"""The raw x of each row of `frame` (a DataFrame or a mapping of columns): numeric features as
	given (missing column or NaN → its fill value), then the stage one-hots (a stage the model has
	not seen, or none, → all 0)."""
	rows = _rows(frame)
	# column by column: a column-major matrix keeps every write contiguous
	x = np.zeros(
		(rows, len(model.numeric_features) + len(model.stage_categories)), dtype="float64", order="F"
	)
	for j, name in enumerate(model.numeric_features):
		fill = model.fill_values.get(name, model.means[j])
		if name in frame:
			column = np.asarray(frame[name], dtype="float64")
			x[:, j] = column
			x[~np.isfinite(column), j] = fill
		else:
			x[:, j] = fill
	if STAGE in frame and model.stage_categories:
		position = {stage: k for k, stage in enumerate(model.stage_categories)}
		stage_of_row = np.fromiter(
			(position.get(stage, -1) if isinstance(stage, str) else -1 for stage in frame[STAGE]),
			dtype="int64",
			count=rows,
		)
		known = np.flatnonzero(stage_of_row >= 0)
		x[known, len(model.numeric_features) + stage_of_row[known]] = 1.0
	return x


def logits(model: WinModel, frame) -> np.ndarray:
	"""intercept + Σ coefficient · z for each row of `frame`."""
	z = (design_matrix(model, frame) - np.asarray(model.means)) / np.asarray(model.scales)
	return model.intercept + z @ np.asarray(model.coefficients, dtype="float64")


def sigmoid(logit: np.ndarray) -> np.ndarray:
	"""1 ÷ (1 + e^−x) without overflow for large |x|."""
	logit = np.asarray(logit, dtype="float64")
	e = np.exp(-np.abs(logit))
	return np.where(logit >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def score(model: WinModel, features_frame) -> np.ndarray:
	"""The win probability (0–1) of each row of `features_frame`."""
	return sigmoid(logits(model, features_frame))


def _sigmoid(x: float) -> float:
	if x >= 0:
		return 1.0 / (1.0 + math.exp(-x))
	e = math.exp(x)
	return e / (1.0 + e)


def explain(model: WinModel, feature_row: Mapping, top: int | None = 5) -> list[Reason]:
	"""The facts that move this deal's score most, either way, largest |points| first (ties by name).

	`feature_row` maps feature names (and "stage") to the deal's values, e.g. one row of
	`feature_frame` as a dict or Series. Contributions are exact: over all groups (`top=None`) the
	`logit`s add up to the row's logit − intercept.
	"""
	frame = {
		name: [_get(feature_row, name)]
		for name in model.numeric_features
		if _get(feature_row, name) is not None
	}
	frame[STAGE] = [_get(feature_row, STAGE)]
	z = (design_matrix(model, frame)[0] - np.asarray(model.means)) / np.asarray(model.scales)
	contributions = np.asarray(model.coefficients, dtype="float64") * z

	by_group: dict[str, float] = {}
	for name, contribution in zip(model.feature_names, contributions.tolist(), strict=True):
		group = model.group_of(name)
		by_group[group] = by_group.get(group, 0.0) + contribution
	total = model.intercept + float(contributions.sum())
	probability = _sigmoid(total)

	reasons = [
		Reason(
			feature=group,
			value=_reason_value(model, feature_row, group),
			logit=logit,
			points=100.0 * (probability - _sigmoid(total - logit)),
		)
		for group, logit in by_group.items()
	]
	reasons.sort(key=lambda reason: (-abs(reason.points), reason.feature))
	return reasons if top is None else reasons[:top]


def _get(row: Mapping, name: str):
	value = row.get(name) if hasattr(row, "get") else None
	if value is None or (isinstance(value, float) and math.isnan(value)):
		return None
	return value


def _reason_value(model: WinModel, row: Mapping, group: str) -> float | str | None:
	"""The raw value shown with a reason; None for an unknown fact (its indicator says so)."""
	if group == STAGE:
		stage = _get(row, STAGE)
		return None if stage is None else str(stage)
	for indicator, owner in model.groups.items():
		if owner == group and _get(row, indicator) not in (None, 0, 0.0, False):
			return None
	value = _get(row, group)
	try:
		return None if value is None else float(value)
	except (TypeError, ValueError):
		return None


def stage_baseline(stages, stage_series: Sequence) -> np.ndarray:
	"""ERPNext's own guess: the stage's default probability ÷ 100 for each stage in `stage_series`
	(`stages` has columns stage and probability); NaN where the stage has none — callers fall back."""
	probability: dict[str, float] = {}
	for stage, value in zip(list(stages["stage"]), list(stages["probability"]), strict=True):
		try:
			number = float(value)
		except (TypeError, ValueError):
			continue
		if stage is not None and math.isfinite(number):
			probability[str(stage)] = number / 100.0
	return np.array(
		[probability.get(str(stage), math.nan) if stage is not None else math.nan for stage in stage_series],
		dtype="float64",
	)
