"""Process facts of a deal at a moment, for the close probability 赢单概率 learned from the company's own deals.

A *moment* is (deal, as_of, stage). Every fact at a moment is counted from the events with a
timestamp at or before `as_of` and nothing later (no look-ahead): a checkpoint completed the day
after a moment is still open at that moment, a risk resolved later is still open.

- `snapshot_moments`: the moments a closed deal teaches from: each stage entry before it closed,
  its creation (when its stage is known then) and a landmark every `landmark_days` of a long stay;
- `open_moments`: one moment per open deal, now, in its current stage;
- `stage_median_days`: the median stay per stage, the yardstick of `days_in_stage_ratio`;
- `feature_frame`: the `FEATURES` (and `stage`) of many moments at once.

Input frames (all datetimes naive, site time; `None` stands for a frame with no rows):
`DEAL_COLUMNS`, `MOVE_COLUMNS` … `CUSTOMER_ORDER_COLUMNS` below.

Known limits of the history the adapter can read: a decision maker's attitude, a deal's amount and
an objection's category are their values today (no history is kept of them), so a deal marked
"Opponent" after it was lost shows an opponent at its earlier moments too.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sales_process.engine.funnel import stage_stays
from sales_process.engine.geo import INSIDE

WON, LOST = "Won", "Lost"

OBJECTION_CATEGORIES = (
	"Price",
	"Budget",
	"Timing",
	"Competition",
	"Technical",
	"Authority",
	"Trust",
	"Process",
	"Other",
)
OTHER_CATEGORY = "Other"
ROLE_FEATURES = {
	"Initiator": "has_initiator",
	"Influencer": "has_influencer",
	"Decision Maker": "has_decision_maker",
	"Veto Holder": "has_veto_holder",
}
SUPPORTER, OPPONENT = "Supporter", "Opponent"

DAY_NS = 86_400 * 10**9
VISIT_WINDOW_DAYS = 30
MAX_STAGE_RATIO = 10.0
# A stay of minutes would turn every later day into a huge ratio: a stage's yardstick is at least an hour.
MIN_MEDIAN_DAYS = 1.0 / 24.0
# Stage entries alone would always find a deal on its first day in the stage, and the model could
# never learn what a long stay means; a landmark every 30 days of a stay (at most 12 per stay, so a
# deal forgotten for years does not flood the data) shows it deals that had been waiting.
LANDMARK_DAYS = 30.0
MAX_LANDMARKS_PER_STAY = 12

# Facts that can be unknown at a moment get a fixed neutral value plus an indicator that says so;
# with the indicator beside it the model learns the unknown case's own weight, so the fill only
# has to be a fixed number. Nothing due yet = nothing missed (1.0); no visit with a geofence
# result = nothing failed (1.0); no lead score = the scale's floor (0.0).
NEUTRAL_FILLS = {"compliance_so_far": 1.0, "geofence_pass_rate_30d": 1.0, "lead_score": 0.0}
MISSING_INDICATORS = {
	"compliance_so_far": "no_checkpoints_due",
	"geofence_pass_rate_30d": "no_geofence_result_30d",
	"lead_score": "no_lead_score",
}
# An indicator is explained together with its fact ("no lead score" is one reason, not two).
FEATURE_GROUPS = {indicator: feature for feature, indicator in MISSING_INDICATORS.items()}

FEATURES: tuple[str, ...] = (
	"days_in_stage_ratio",
	"compliance_so_far",
	"no_checkpoints_due",
	"overdue_checkpoints",
	"open_risks",
	*(f"objections_{category.lower()}" for category in OBJECTION_CATEGORIES),
	"competitors",
	*ROLE_FEATURES.values(),
	"supporters",
	"opponents",
	"visits_30d",
	"geofence_pass_rate_30d",
	"no_geofence_result_30d",
	"quotation_revisions",
	"payment_term_changes",
	"log_amount",
	"repeat_customer",
	"deal_age_days",
	"lead_score",
	"no_lead_score",
)
STAGE = "stage"

DEAL_COLUMNS = ["deal", "created_on", "amount", "customer", "outcome", "closed_on", "lead_score"]
MOVE_COLUMNS = ["deal", "changed_on", "from_stage", "to_stage"]
STAGE_COLUMNS = ["stage", "sequence", "probability"]
RECORD_COLUMNS = ["deal", "checkpoint", "triggered_on", "due_on", "completed_on", "waived_on", "cancelled_on"]
RISK_COLUMNS = ["deal", "raised_on", "resolved_on"]
OBJECTION_COLUMNS = ["deal", "raised_on", "category"]
COMPETITOR_COLUMNS = ["deal", "added_on"]
DECISION_MAKER_COLUMNS = ["deal", "role", "attitude", "added_on"]
VISIT_COLUMNS = ["deal", "check_in_time", "geofence_result"]
QUOTATION_COLUMNS = ["deal", "submitted_on", "payment_terms"]
CUSTOMER_ORDER_COLUMNS = ["customer", "first_order_on"]
MOMENT_COLUMNS = ["deal", "as_of", STAGE]

NAT = np.iinfo(np.int64).min  # NaT as int64 nanoseconds


def frame_or_empty(frame: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
	"""`frame`, or an empty frame with `columns` for None; an absent optional `lead_score` reads as unknown."""
	if frame is None:
		return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
	if "lead_score" in columns and "lead_score" not in frame:
		frame = frame.assign(lead_score=np.nan)
	return frame


def nanoseconds(values) -> np.ndarray:
	"""Naive datetimes as int64 nanoseconds, NaT as `NAT` (whatever unit pandas inferred)."""
	stamps = pd.to_datetime(pd.Series(values, dtype=object if len(values) == 0 else None), errors="coerce")
	return stamps.to_numpy(dtype="datetime64[ns]").view("int64")


def _blank(values: pd.Series) -> np.ndarray:
	"""None, NaN or only spaces; judged once per distinct value (stage names and results repeat)."""
	codes, uniques = pd.factorize(values, use_na_sentinel=True)
	blank = np.array([str(value).strip() == "" for value in uniques] + [True], dtype=bool)
	return blank[codes]  # the NA code -1 picks the trailing True


def _labels(values: pd.Series) -> np.ndarray:
	"""An integer per value, equal for values that read the same after stripping (blank = none)."""
	codes, uniques = pd.factorize(values, use_na_sentinel=True)
	canonical: dict[str, int] = {"": -1}
	relabel = np.array([canonical.setdefault(str(value).strip(), len(canonical)) for value in uniques] + [-1])
	return relabel[codes]


def _by_deal_then_time(deal_codes: np.ndarray, times: np.ndarray) -> np.ndarray:
	"""Positions sorted by deal code, then time, then position: two stable sorts (fast on the
	nearly sorted frames the database returns, unlike a lexsort)."""
	by_time = np.argsort(times, kind="stable")
	return by_time[np.argsort(deal_codes[by_time], kind="stable")]


def _is_closed(deals: pd.DataFrame) -> np.ndarray:
	return deals["outcome"].isin((WON, LOST)).to_numpy(dtype=bool) & (nanoseconds(deals["closed_on"]) != NAT)


def closed_deals(deals: pd.DataFrame) -> pd.DataFrame:
	"""The deals won or lost with a closing time: the ones a model can learn from."""
	return deals[_is_closed(deals)]


def _entering_rows(moves: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
	"""Positions of the rows that moved a deal into a (named, other) stage at a known time, and
	every row's time in nanoseconds."""
	changed_on = nanoseconds(moves["changed_on"])
	same = moves["from_stage"].to_numpy(object) == moves["to_stage"].to_numpy(object)
	return np.flatnonzero(~same & ~_blank(moves["to_stage"]) & (changed_on != NAT)), changed_on


def stage_entries(moves: pd.DataFrame | None) -> pd.DataFrame:
	"""The log rows that moved a deal into a stage (`MOVE_COLUMNS`), grouped by deal, by time within a
	deal, rows of the same time in the order given; rows that changed only the status, or into no
	stage, are skipped."""
	moves = frame_or_empty(moves, MOVE_COLUMNS)
	frame = moves[MOVE_COLUMNS].reset_index(drop=True)
	order, changed_on = _entering_rows(frame)
	deal_codes, _deals = pd.factorize(frame["deal"])
	# by deal (in order of first appearance), time, then the order given; integer sorts, not strings
	order = order[_by_deal_then_time(deal_codes[order], changed_on[order])]
	frame = frame.iloc[order].reset_index(drop=True)
	frame["changed_on"] = changed_on[order].view("datetime64[ns]")
	return frame


def snapshot_moments(
	deals: pd.DataFrame,
	moves: pd.DataFrame | None,
	landmark_days: float | None = LANDMARK_DAYS,
) -> pd.DataFrame:
	"""The moments closed deals are learned from (`MOMENT_COLUMNS`), grouped by deal, by time.

	Each stage entry strictly before the deal closed; the creation moment when the log starts with
	the deal leaving a stage (it was in that stage from creation; a first row without a from-stage
	*is* the creation); and a landmark every `landmark_days` of a stay while the deal is still in
	the stage and open (None or 0: no landmarks). Nothing at or after closing. Rows of the same time
	make one moment, in the stage the last of them left the deal in. Deals without a logged stage
	have no moment.
	"""
	deals = frame_or_empty(deals, DEAL_COLUMNS)
	closed = closed_deals(deals)
	closed = closed[~closed["deal"].duplicated(keep="last").to_numpy()]
	names = closed["deal"].to_numpy(object)
	entries = stage_entries(moves)
	deal_codes = pd.Index(names).get_indexer(entries["deal"].to_numpy(object))
	keep = deal_codes >= 0
	codes = deal_codes[keep]
	closed_on = nanoseconds(closed["closed_on"])[codes]
	created_on = nanoseconds(closed["created_on"])[codes]
	entered = entries["changed_on"].to_numpy(dtype="datetime64[ns]").view("int64")[keep]
	to_stage = entries["to_stage"].to_numpy(object)[keep]
	from_stage = entries["from_stage"]

	# entries are grouped by deal and in time order: a deal's first row is its first entry
	first = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, dtype=bool)
	known_from = first & ~_blank(from_stage)[keep] & (created_on != NAT)
	known_from &= (created_on < entered) & (created_on < closed_on)
	# the creation rows go first, so that a stable sort keeps them ahead of entries of the same time
	stay_codes = np.concatenate([codes[known_from], codes])
	stay_entered = np.concatenate([created_on[known_from], entered])
	stay_stage = np.concatenate([from_stage.to_numpy(object)[keep][known_from], to_stage])
	stay_closed = np.concatenate([closed_on[known_from], closed_on])
	order = _by_deal_then_time(stay_codes, stay_entered)
	order = order[stay_entered[order] < stay_closed[order]]
	# rows of the same time: the deal's state at that time is the one after all of them
	codes_in_order, entered_in_order = stay_codes[order], stay_entered[order]
	same_as_next = (codes_in_order[1:] == codes_in_order[:-1]) & (
		entered_in_order[1:] == entered_in_order[:-1]
	)
	order = order[~np.r_[same_as_next, False]] if len(order) else order
	stay_codes, stay_entered = stay_codes[order], stay_entered[order]
	stay_stage, stay_closed = stay_stage[order], stay_closed[order]

	moment_codes, as_of, stage = [stay_codes], [stay_entered], [stay_stage]
	if landmark_days and len(order):
		rows, at = _landmarks(stay_codes, stay_entered, stay_closed, landmark_days)
		moment_codes.append(stay_codes[rows])
		as_of.append(at)
		stage.append(stay_stage[rows])
	moment_codes, as_of, stage = np.concatenate(moment_codes), np.concatenate(as_of), np.concatenate(stage)
	order = _by_deal_then_time(moment_codes, as_of)
	return pd.DataFrame(
		{
			"deal": names[moment_codes[order]],
			"as_of": as_of[order].view("datetime64[ns]"),
			"stage": stage[order],
		},
		columns=MOMENT_COLUMNS,
	)


def _landmarks(codes, entered, closed_on, landmark_days: float) -> tuple[np.ndarray, np.ndarray]:
	"""(stay, time) of each landmark: entered + k·step for k = 1, 2 … while before the stay's end
	(the next entry, or closing). Stays are grouped by deal and in time order."""
	step = int(round(landmark_days * DAY_NS))
	followed = np.r_[codes[1:] == codes[:-1], False]
	ends = np.where(followed, np.r_[entered[1:], NAT], closed_on)
	per_stay = np.clip((ends - entered - 1) // step, 0, MAX_LANDMARKS_PER_STAY).astype("int64")
	rows = np.repeat(np.arange(len(codes)), per_stay)
	k = np.arange(len(rows)) - np.repeat(np.cumsum(per_stay) - per_stay, per_stay) + 1
	return rows, entered[rows] + k * step


def open_moments(deals: pd.DataFrame, moves: pd.DataFrame | None, now) -> pd.DataFrame:
	"""One moment per open deal (no outcome), at `now`, in the stage its last logged entry at or
	before `now` left it in (None when the log has none)."""
	deals = frame_or_empty(deals, DEAL_COLUMNS)
	open_deals = deals[_blank(deals["outcome"])]
	open_deals = open_deals[~open_deals["deal"].duplicated(keep="last").to_numpy()]
	names = open_deals["deal"].to_numpy(object)
	moves = frame_or_empty(moves, MOVE_COLUMNS)
	entered, changed_on = _entering_rows(moves)
	entered = entered[changed_on[entered] <= pd.Timestamp(now).value]
	# the last entry of each deal: in time order, rows of the same time in the order given
	entered = entered[np.argsort(changed_on[entered], kind="stable")]
	deal_codes = pd.Index(names).get_indexer(moves["deal"].to_numpy(object)[entered])
	last = np.full(len(names), -1)
	np.maximum.at(last, deal_codes[deal_codes >= 0], np.flatnonzero(deal_codes >= 0))
	to_stage = moves["to_stage"].to_numpy(object)[entered]
	stage = np.full(len(names), None, dtype=object)
	stage[last >= 0] = to_stage[last[last >= 0]]
	return pd.DataFrame(
		{
			"deal": names,
			"as_of": np.full(len(names), pd.Timestamp(now).to_datetime64().astype("datetime64[ns]")),
			"stage": stage,
		},
		columns=MOMENT_COLUMNS,
	)


def stage_median_days(moves: pd.DataFrame | None) -> dict[str, float]:
	"""Median days per stage over the stays that ended with a move to another stage (a stay that
	is still going, or ended by closing, has not shown how long the stage takes)."""
	moves = frame_or_empty(moves, MOVE_COLUMNS)
	if moves.empty:
		return {}
	if "seconds_in_previous" not in moves:
		moves = moves.assign(seconds_in_previous=np.nan)
	stays = stage_stays(moves)
	done = stays[stays["entered_on"].notna() & stays["exited_on"].notna()]
	days = pd.to_numeric(done["dwell_seconds"], errors="coerce") / 86_400.0
	medians = days[days >= 0].groupby(done["stage"], sort=True).median()
	return {str(stage): float(value) for stage, value in medians.items() if np.isfinite(value)}


class _Clock:
	"""Counts of each moment's own deal's events at or before the moment, without a loop per moment.

	An event at e is at or before a moment at t exactly when fewer of the moments' times lie
	before e than before t (t is one of them), so times are replaced by those ranks and (deal,
	rank) packs into one sortable integer: one sort per kind of event, then binary searches. The
	moments come in (deal, time) order, so their keys are sorted and the searches run in order.
	"""

	# above this many distinct moment times, events are ranked in time order: a binary search in a
	# large array jumping around at random waits on memory at every step
	SORT_BEFORE_RANKING = 4096
	# a table of counts over every (deal, rank) key pays when it is not much longer than the moments
	DENSE_KEYS_PER_MOMENT = 4
	DENSE_KEYS_ANYWAY = 65_536

	def __init__(self, deal_codes: np.ndarray, times: Mapping[str, np.ndarray]):
		every = np.concatenate(list(times.values()))
		order = np.argsort(every)
		ordered = every[order]
		new = np.r_[True, ordered[1:] != ordered[:-1]] if len(ordered) else np.zeros(0, dtype=bool)
		self.grid = ordered[new]
		ranks = np.empty(len(every), dtype="int64")
		ranks[order] = np.cumsum(new) - 1
		self.stride = np.int64(len(self.grid) + 1)
		self.base = deal_codes.astype("int64") * self.stride
		self.keys, offset = {}, 0
		for name, at in times.items():
			self.keys[name] = self.base + ranks[offset : offset + len(at)]
			offset += len(at)
		# few distinct times per deal (scoring: one moment each): count in a table over every
		# possible key instead of sorting
		self.span = int(deal_codes.max() + 1) * int(self.stride) if len(deal_codes) else 0
		self.dense = self.span <= self.DENSE_KEYS_PER_MOMENT * len(deal_codes) + self.DENSE_KEYS_ANYWAY
		self.before_deal = self.base - 1  # the last key of the deals before each moment's deal

	def _rank(self, times: np.ndarray) -> np.ndarray:
		"""How many distinct moment times lie before each time."""
		if len(self.grid) <= self.SORT_BEFORE_RANKING:
			return np.searchsorted(self.grid, times, "left")
		order = np.argsort(times)
		ranks = np.empty(len(times), dtype="int64")
		ranks[order] = np.searchsorted(self.grid, times[order], "left")
		return ranks

	def _event_keys(self, codes: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
		valid = np.flatnonzero((codes >= 0) & (times != NAT))
		keys = codes[valid].astype("int64") * self.stride + self._rank(times[valid])
		return keys, valid

	def count(self, codes: np.ndarray, times: np.ndarray, at: str = "as_of") -> np.ndarray:
		"""Per moment: events of its deal (`codes`) with a time (`times`, NAT = never) ≤ the moment."""
		keys, _valid = self._event_keys(codes, times)
		if self.dense:
			return self._dense_counts(keys, self.keys[at], self.before_deal)
		keys.sort()
		return (
			np.searchsorted(keys, self.keys[at], "right") - np.searchsorted(keys, self.base, "left")
		).astype("float64")

	def _dense_counts(self, keys: np.ndarray, upto: np.ndarray, since: np.ndarray) -> np.ndarray:
		"""Events with a key in (since, upto], from running counts over the whole key space."""
		running = np.r_[0, np.cumsum(np.bincount(keys, minlength=self.span))]
		return (running[upto + 1] - running[since + 1]).astype("float64")

	def tally(
		self, codes: np.ndarray, times: np.ndarray, kinds: Mapping[str, np.ndarray], window: bool = False
	) -> dict[str, np.ndarray]:
		"""`count` for several kinds of the same events at once (`kinds`: name → which events are of
		it): one sort and one search, then running sums per kind. With `window`, the events in
		(window_start, as_of] instead of all up to as_of."""
		keys, valid = self._event_keys(codes, times)
		if self.dense:
			since = self.keys["window_start"] if window else self.before_deal
			return {
				name: self._dense_counts(
					keys[np.asarray(of_kind, dtype=bool)[valid]], self.keys["as_of"], since
				)
				for name, of_kind in kinds.items()
			}
		order = np.argsort(keys)
		keys = keys[order]
		upto = np.searchsorted(keys, self.keys["as_of"], "right")
		if window:
			since = np.searchsorted(keys, self.keys["window_start"], "right")
		else:
			since = np.searchsorted(keys, self.base, "left")
		tallies = {}
		for name, of_kind in kinds.items():
			running = np.r_[0, np.cumsum(np.asarray(of_kind, dtype=bool)[valid][order], dtype="int64")]
			tallies[name] = (running[upto] - running[since]).astype("float64")
		return tallies

	def latest(self, codes: np.ndarray, times: np.ndarray, at: str = "as_of") -> np.ndarray:
		"""Per moment: the position (in `codes`) of its deal's last event ≤ the moment, -1 for none.
		A deal's events must be given in time order (`stage_entries` are); of events of the same
		time, the last one given."""
		keys, valid = self._event_keys(codes, times)
		if not len(keys):
			return np.full(len(self.base), -1)
		order = np.argsort(keys, kind="stable")
		keys = keys[order]
		position = np.searchsorted(keys, self.keys[at], "right") - 1
		found = position >= 0
		found[found] = keys[position[found]] >= self.base[found]
		return np.where(found, valid[order][np.maximum(position, 0)], -1)


def _nat_max(a: np.ndarray, b: np.ndarray) -> np.ndarray:
	"""Elementwise later of two times, NAT when either is."""
	return np.where((a == NAT) | (b == NAT), NAT, np.maximum(a, b))


def _nat_min(a: np.ndarray, b: np.ndarray) -> np.ndarray:
	"""Elementwise earlier of two times, ignoring NAT (NAT only when both are)."""
	return np.where(a == NAT, b, np.where(b == NAT, a, np.minimum(a, b)))


def feature_frame(
	moments: pd.DataFrame,
	*,
	deals: pd.DataFrame,
	moves: pd.DataFrame | None = None,
	records: pd.DataFrame | None = None,
	risks: pd.DataFrame | None = None,
	objections: pd.DataFrame | None = None,
	competitors: pd.DataFrame | None = None,
	decision_makers: pd.DataFrame | None = None,
	visits: pd.DataFrame | None = None,
	quotations: pd.DataFrame | None = None,
	customer_orders: pd.DataFrame | None = None,
	stage_medians: Mapping[str, float] | None = None,
) -> pd.DataFrame:
	"""The `FEATURES` of each moment, in the moments' order.

	Columns: deal, as_of, stage, days_in_stage (the raw days behind the ratio, so another
	yardstick can be applied with `with_stage_ratio`), then `FEATURES`, all float, none NaN.
	`stage_medians` is `stage_median_days` (a model's own when scoring); a stage without one is
	measured by the median of the others.
	"""
	moments = moments[MOMENT_COLUMNS].reset_index(drop=True)
	deal_index = pd.Index(pd.unique(moments["deal"].to_numpy(object)))
	moment_codes = deal_index.get_indexer(moments["deal"].to_numpy(object))
	as_of = nanoseconds(moments["as_of"])
	order = _by_deal_then_time(moment_codes, as_of)  # in (deal, time) order the binary searches stay in cache
	codes, at = moment_codes[order], as_of[order]
	clock = _Clock(codes, {"as_of": at, "window_start": at - VISIT_WINDOW_DAYS * DAY_NS})

	def coded(frame: pd.DataFrame | None, columns: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
		frame = frame_or_empty(frame, columns)
		return frame, deal_index.get_indexer(frame["deal"].to_numpy(object))

	values: dict[str, np.ndarray] = {}
	deals_known = frame_or_empty(deals, DEAL_COLUMNS).drop_duplicates("deal", keep="last").set_index("deal")
	deal_rows = deals_known.reindex(deal_index)
	created_on = nanoseconds(deal_rows["created_on"])[codes]

	days = _days_in_stage(clock, at, created_on, frame_or_empty(moves, MOVE_COLUMNS), deal_index)
	values.update(_checkpoint_features(clock, *coded(records, RECORD_COLUMNS)))
	values.update(_risk_features(clock, *coded(risks, RISK_COLUMNS)))
	values.update(_objection_features(clock, *coded(objections, OBJECTION_COLUMNS)))
	competitor_frame, competitor_codes = coded(competitors, COMPETITOR_COLUMNS)
	values["competitors"] = clock.count(competitor_codes, nanoseconds(competitor_frame["added_on"]))
	values.update(_decision_maker_features(clock, *coded(decision_makers, DECISION_MAKER_COLUMNS)))
	values.update(_visit_features(clock, *coded(visits, VISIT_COLUMNS)))
	values.update(_quotation_features(clock, *coded(quotations, QUOTATION_COLUMNS)))
	values.update(_deal_features(deal_rows, codes, at, created_on, customer_orders))

	frame = pd.DataFrame(index=order)
	frame["deal"] = moments["deal"].to_numpy(object)[order]
	frame["as_of"] = moments["as_of"].to_numpy()[order]
	frame[STAGE] = moments[STAGE].to_numpy(object)[order]
	frame["days_in_stage"] = days
	for name, column in values.items():
		frame[name] = column
	frame = frame.sort_index()
	frame["days_in_stage_ratio"] = stage_ratio(frame["days_in_stage"], frame[STAGE], stage_medians)
	return frame[["deal", "as_of", STAGE, "days_in_stage", *FEATURES]]


def stage_ratio(days: pd.Series, stages: pd.Series, stage_medians: Mapping[str, float] | None) -> np.ndarray:
	"""days ÷ the stage's median stay, clipped to 0..10; a stage without a median is measured by the
	median of the others, and with no medians at all the ratio is 0 for everyone (no yardstick)."""
	medians = {str(k): float(v) for k, v in (stage_medians or {}).items() if v is not None and np.isfinite(v)}
	if not medians:
		return np.zeros(len(days))
	fallback = float(np.median(list(medians.values())))
	yardstick = pd.Series(stages, dtype=object).map(medians).astype("float64").fillna(fallback).to_numpy()
	ratio = np.asarray(days, dtype="float64") / np.maximum(yardstick, MIN_MEDIAN_DAYS)
	return np.clip(ratio, 0.0, MAX_STAGE_RATIO)


def with_stage_ratio(features: pd.DataFrame, stage_medians: Mapping[str, float] | None) -> pd.DataFrame:
	"""`features` with days_in_stage_ratio measured against other stage medians (the training split's)."""
	return features.assign(
		days_in_stage_ratio=stage_ratio(features["days_in_stage"], features[STAGE], stage_medians)
	)


def _days_in_stage(clock, at, created_on, moves, deal_index) -> np.ndarray:
	"""Days since the deal's last stage entry at or before the moment (its creation when none)."""
	rows, changed_on = _entering_rows(moves)
	entry_codes = deal_index.get_indexer(moves["deal"].to_numpy(object)[rows])
	entry_times = changed_on[rows]
	# `latest` needs each deal's entries in time order
	in_order = _by_deal_then_time(entry_codes, entry_times)
	entry_codes, entry_times = entry_codes[in_order], entry_times[in_order]
	latest = clock.latest(entry_codes, entry_times)
	entered = created_on.copy()
	entered[latest >= 0] = entry_times[latest[latest >= 0]]
	days = np.where(entered == NAT, 0.0, (at - entered) / DAY_NS)
	return np.maximum(days, 0.0)


def _checkpoint_features(clock: _Clock, records: pd.DataFrame, codes: np.ndarray) -> dict[str, np.ndarray]:
	"""compliance_so_far, no_checkpoints_due and overdue_checkpoints at each moment.

	As in `engine.compliance`: a record is due once its due time has passed or once it is completed,
	and a waived or cancelled record is not due. At a moment only what had happened by then counts:
	a record completed later is still open, one waived later still counts as due (and overdue).
	The first of completion and waiver/cancellation ends a record.
	"""
	triggered = nanoseconds(records["triggered_on"])
	due = nanoseconds(records["due_on"])
	completed = nanoseconds(records["completed_on"])
	set_aside = _nat_min(nanoseconds(records["waived_on"]), nanoseconds(records["cancelled_on"]))
	completed_at = np.where(
		(completed != NAT) & ((set_aside == NAT) | (completed <= set_aside)), completed, NAT
	)
	set_aside_at = np.where((set_aside != NAT) & (completed_at == NAT), set_aside, NAT)
	ended_at = _nat_min(completed_at, set_aside_at)
	# a record without a trigger time exists from its first dated event
	exists_from = np.where(triggered != NAT, triggered, _nat_min(_nat_min(due, completed_at), set_aside_at))

	due_from = _nat_min(completed_at, _nat_max(due, exists_from))
	due_until = _nat_max(due_from, set_aside_at)
	due_now = clock.count(codes, due_from) - clock.count(codes, due_until)
	completed_now = clock.count(codes, completed_at)

	# overdue: due strictly before the moment (1 ns later on the integer clock), not ended by then
	overdue_from = _nat_max(np.where(due == NAT, NAT, due + 1), exists_from)
	overdue_until = _nat_max(overdue_from, ended_at)
	overdue_now = clock.count(codes, overdue_from) - clock.count(codes, overdue_until)

	nothing_due = due_now <= 0
	compliance = np.where(
		nothing_due, NEUTRAL_FILLS["compliance_so_far"], completed_now / np.maximum(due_now, 1)
	)
	return {
		"compliance_so_far": compliance,
		"no_checkpoints_due": nothing_due.astype("float64"),
		"overdue_checkpoints": overdue_now,
	}


def _risk_features(clock: _Clock, risks: pd.DataFrame, codes: np.ndarray) -> dict[str, np.ndarray]:
	raised = nanoseconds(risks["raised_on"])
	resolved = _nat_max(nanoseconds(risks["resolved_on"]), raised)
	return {"open_risks": clock.count(codes, raised) - clock.count(codes, resolved)}


def _objection_features(clock: _Clock, objections: pd.DataFrame, codes: np.ndarray) -> dict[str, np.ndarray]:
	category = objections["category"].where(objections["category"].isin(OBJECTION_CATEGORIES), OTHER_CATEGORY)
	category = category.to_numpy(object)
	kinds = {f"objections_{name.lower()}": category == name for name in OBJECTION_CATEGORIES}
	return clock.tally(codes, nanoseconds(objections["raised_on"]), kinds)


def _decision_maker_features(clock: _Clock, people: pd.DataFrame, codes: np.ndarray) -> dict[str, np.ndarray]:
	role = people["role"].to_numpy(object)
	attitude = people["attitude"].to_numpy(object)
	kinds = {feature: role == name for name, feature in ROLE_FEATURES.items()}
	kinds.update(supporters=attitude == SUPPORTER, opponents=attitude == OPPONENT)
	values = clock.tally(codes, nanoseconds(people["added_on"]), kinds)
	for feature in ROLE_FEATURES.values():
		values[feature] = (values[feature] > 0).astype("float64")
	return values


def _visit_features(clock: _Clock, visits: pd.DataFrame, codes: np.ndarray) -> dict[str, np.ndarray]:
	"""Check-ins in (t − 30 d, t]; the pass rate is Inside ÷ visits with any geofence result, as in
	the visits report (a visit where the site or the device had no location has a result, not a pass)."""
	checked_in = nanoseconds(visits["check_in_time"])
	with_result = ~_blank(visits["geofence_result"])
	inside = visits["geofence_result"].eq(INSIDE).fillna(False).to_numpy(dtype=bool)

	kinds = {"visits": np.ones(len(codes), dtype=bool), "with_result": with_result, "inside": inside}
	tallies = clock.tally(codes, checked_in, kinds, window=True)
	visit_count, result_count, inside_count = tallies["visits"], tallies["with_result"], tallies["inside"]
	no_result = result_count <= 0
	pass_rate = np.where(
		no_result, NEUTRAL_FILLS["geofence_pass_rate_30d"], inside_count / np.maximum(result_count, 1)
	)
	return {
		"visits_30d": visit_count,
		"geofence_pass_rate_30d": pass_rate,
		"no_geofence_result_30d": no_result.astype("float64"),
	}


def _quotation_features(clock: _Clock, quotations: pd.DataFrame, codes: np.ndarray) -> dict[str, np.ndarray]:
	"""quotation_revisions = quotations submitted so far − 1; payment_term_changes = consecutive
	quotations (by submission time) whose payment terms differ (no terms stated is a value too)."""
	submitted = nanoseconds(quotations["submitted_on"])
	count = clock.count(codes, submitted)
	keep = np.flatnonzero((codes >= 0) & (submitted != NAT))
	order = keep[_by_deal_then_time(codes[keep], submitted[keep])]
	terms = _labels(quotations["payment_terms"])[order]
	same_deal = np.r_[False, codes[order][1:] == codes[order][:-1]]
	changed = same_deal & np.r_[False, terms[1:] != terms[:-1]]
	changes = clock.count(np.where(changed, codes[order], -1), submitted[order])
	return {"quotation_revisions": np.maximum(count - 1, 0.0), "payment_term_changes": changes}


def _deal_features(deal_rows, codes, at, created_on, customer_orders) -> dict[str, np.ndarray]:
	"""log_amount, repeat_customer (the customer's first order came before the deal was created),
	deal_age_days and lead_score (the Lead's score at conversion)."""
	amount = pd.to_numeric(deal_rows["amount"], errors="coerce").to_numpy(dtype="float64")
	log_amount = np.where(np.isfinite(amount), np.log1p(np.maximum(amount, 0.0)), 0.0)

	orders = frame_or_empty(customer_orders, CUSTOMER_ORDER_COLUMNS)
	orders = orders.assign(first_order_on=pd.to_datetime(orders["first_order_on"]).astype("datetime64[ns]"))
	first_order = orders.dropna(subset=["customer"]).groupby("customer")["first_order_on"].min()
	first_order_on = nanoseconds(first_order.reindex(deal_rows["customer"]).to_numpy())
	deal_created = nanoseconds(deal_rows["created_on"])
	repeat = (first_order_on != NAT) & (deal_created != NAT) & (first_order_on < deal_created)

	lead_score = pd.to_numeric(deal_rows["lead_score"], errors="coerce").to_numpy(dtype="float64")
	no_lead_score = ~np.isfinite(lead_score)
	age = np.where(created_on == NAT, 0.0, (at - created_on) / DAY_NS)
	return {
		"log_amount": log_amount[codes],
		"repeat_customer": repeat.astype("float64")[codes],
		"deal_age_days": np.maximum(age, 0.0),
		"lead_score": np.where(no_lead_score, NEUTRAL_FILLS["lead_score"], lead_score)[codes],
		"no_lead_score": no_lead_score.astype("float64")[codes],
	}


def deal_weights(deals: pd.Series) -> np.ndarray:
	"""1 ÷ the number of moments of each moment's deal: every deal counts once, however many moments."""
	deals = pd.Series(deals).reset_index(drop=True)
	return 1.0 / deals.map(deals.value_counts()).to_numpy(dtype="float64")
