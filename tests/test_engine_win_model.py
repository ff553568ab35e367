import json
import math
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sales_process.engine import win_features
from sales_process.engine.win_features import (
	DEAL_COLUMNS,
	FEATURES,
	MAX_STAGE_RATIO,
	deal_weights,
	feature_frame,
	open_moments,
	snapshot_moments,
	stage_median_days,
	with_stage_ratio,
)
from sales_process.engine.win_model import WinModel, design_matrix, explain, logits, score, stage_baseline
from sales_process.engine.win_training import (
	NOT_BETTER_THAN_BASELINE,
	TOO_FEW_CLOSED,
	TOO_FEW_LOST,
	TOO_FEW_WON,
	evaluate,
	fit_and_evaluate,
	history_verdict,
	split_holdout,
	train,
)

REPO_ROOT = Path(__file__).resolve().parents[1]


def day(month: int, d: int, hour: int = 0) -> datetime:
	return datetime(2026, month, d, hour)


def frame(rows, columns):
	return pd.DataFrame(rows, columns=columns)


# one won deal followed by hand (d1), a deal whose log starts mid-way (d2), an open deal (d3), a closed
# deal without any logged stage (d4), and one whose first two rows share a time (d5)
DEALS = frame(
	[
		("d1", day(1, 1), 1000.0, "C1", "Won", day(3, 1), np.nan),
		("d2", day(1, 1), 0.0, None, "Lost", day(1, 20), 55.0),
		("d3", day(1, 2), np.nan, "C3", None, pd.NaT, 70.0),
		("d4", day(1, 1), 10.0, None, "Lost", day(2, 1), np.nan),
		("d5", day(1, 1), 10.0, None, "Won", day(1, 3), np.nan),
	],
	DEAL_COLUMNS,
)
MOVES = frame(
	[
		("d1", day(1, 1), None, "Qualification"),
		("d1", day(1, 10), "Qualification", "Proposal"),
		("d1", day(1, 15), "Proposal", "Proposal"),  # a status change only
		("d1", day(2, 20), "Proposal", "Negotiation"),
		("d1", day(3, 1), "Negotiation", "Closing"),  # at the close: not a moment
		("d2", day(1, 5), "Qualification", "Proposal"),
		("d3", day(1, 2), None, "Qualification"),
		("d3", day(2, 1), "Qualification", "Proposal"),
		("d3", day(4, 1), "Proposal", "Negotiation"),  # after now
		("d5", day(1, 1), None, "Qualification"),
		("d5", day(1, 1), "Qualification", "Proposal"),
	],
	["deal", "changed_on", "from_stage", "to_stage"],
)
RECORD_COLUMNS = ["deal", "checkpoint", "triggered_on", "due_on", "completed_on", "waived_on", "cancelled_on"]
RECORDS = frame(
	[
		("d1", "r1", day(1, 1), day(1, 5), day(1, 4), pd.NaT, pd.NaT),  # done early
		("d1", "r2", day(1, 10), day(1, 20), day(2, 15), pd.NaT, pd.NaT),  # done late, after 9 Feb
		("d1", "r3", day(1, 10), day(1, 25), pd.NaT, day(2, 1), pd.NaT),  # waived before 9 Feb
		("d1", "r4", day(1, 10), day(2, 25), pd.NaT, pd.NaT, pd.NaT),  # not due on 9 Feb
		("d1", "r5", day(2, 5), day(2, 6), pd.NaT, pd.NaT, day(2, 20)),  # cancelled after 9 Feb
	],
	RECORD_COLUMNS,
)
FRAMES = {
	"records": RECORDS,
	"risks": frame(
		[("d1", day(1, 15), day(2, 10)), ("d1", day(1, 20), day(2, 1))], ["deal", "raised_on", "resolved_on"]
	),
	"objections": frame(
		[
			("d1", day(1, 12), "Price"),
			("d1", day(2, 9), "Budget"),
			("d1", day(2, 10), "Price"),
			("d1", day(1, 15), None),
		],
		["deal", "raised_on", "category"],
	),
	"competitors": frame([("d1", day(1, 15)), ("d1", day(3, 5))], ["deal", "added_on"]),
	"decision_makers": frame(
		[("d1", "Veto Holder", "Supporter", day(1, 5)), ("d1", "Decision Maker", "Opponent", day(2, 15))],
		["deal", "role", "attitude", "added_on"],
	),
	"visits": frame(
		[
			("d1", day(1, 10), "Inside"),  # exactly 30 days before 9 Feb: outside the window
			("d1", day(1, 20), "Inside"),
			("d1", day(2, 1), "Outside"),
			("d1", day(2, 9), "No Site Location"),  # at the moment itself: inside the window
			("d1", day(2, 12), "Inside"),  # later
		],
		["deal", "check_in_time", "geofence_result"],
	),
	"quotations": frame(
		[
			("d1", day(1, 15), "30 days"),
			("d1", day(1, 25), "30 days"),
			("d1", day(2, 5), "60 days"),
			("d1", day(2, 20), "30 days"),  # later
		],
		["deal", "submitted_on", "payment_terms"],
	),
	"customer_orders": frame(
		[("C1", datetime(2025, 6, 1)), ("C3", day(2, 1))], ["customer", "first_order_on"]
	),
}


def features_of(moments, frames=FRAMES, medians=None, deals=DEALS):
	return feature_frame(moments, deals=deals, moves=MOVES, stage_medians=medians, **frames)


# moments


def test_snapshots_are_stage_entries_before_closing_plus_landmarks_of_long_stays():
	moments = snapshot_moments(DEALS, MOVES, landmark_days=30)
	d1 = moments[moments["deal"] == "d1"]
	assert d1["as_of"].tolist() == [day(1, 1), day(1, 10), day(2, 9), day(2, 20)]
	assert d1["stage"].tolist() == ["Qualification", "Proposal", "Proposal", "Negotiation"]
	assert "d3" not in set(moments["deal"])  # open
	assert "d4" not in set(moments["deal"])  # no logged stage
	closed_on = moments["deal"].map(DEALS.set_index("deal")["closed_on"])
	assert (moments["as_of"] < closed_on).all()


def test_a_log_starting_mid_way_gives_the_creation_moment_and_landmarks_stop_before_closing():
	moments = snapshot_moments(DEALS, MOVES, landmark_days=5)
	d2 = moments[moments["deal"] == "d2"]
	# in Qualification from creation; Proposal from 5 Jan; closed 20 Jan: the 20th is no landmark
	assert list(zip(d2["as_of"], d2["stage"], strict=True)) == [
		(day(1, 1), "Qualification"),
		(day(1, 5), "Proposal"),
		(day(1, 10), "Proposal"),
		(day(1, 15), "Proposal"),
	]
	without = snapshot_moments(DEALS, MOVES, landmark_days=None)
	assert without[without["deal"] == "d2"]["as_of"].tolist() == [day(1, 1), day(1, 5)]


def test_rows_of_the_same_time_make_one_moment_in_the_last_stage():
	moments = snapshot_moments(DEALS, MOVES)
	d5 = moments[moments["deal"] == "d5"]
	assert d5[["as_of", "stage"]].values.tolist() == [[pd.Timestamp(day(1, 1)), "Proposal"]]


def test_open_moments_are_now_in_the_current_stage():
	moments = open_moments(DEALS, MOVES, day(3, 1))
	assert moments["deal"].tolist() == ["d3"]
	assert moments["stage"].tolist() == ["Proposal"]  # the move to Negotiation is after now
	assert moments["as_of"].tolist() == [day(3, 1)]
	lonely = open_moments(DEALS.assign(outcome=None), MOVES.iloc[0:0], day(3, 1))
	assert len(lonely) == len(DEALS) and lonely["stage"].isna().all()


def test_stage_median_days_over_stays_that_ended_with_a_move():
	medians = stage_median_days(MOVES)
	# Qualification: d1 9 days, d3 30 days (d5's instant stay: 0); Proposal: d1 41 days, d3 59 days
	assert medians["Qualification"] == 9.0
	assert medians["Proposal"] == 50.0
	assert medians["Negotiation"] == 9.0  # d1, left for Closing
	assert "Closing" not in medians
	assert stage_median_days(None) == {}


# features at a moment


def test_features_of_a_hand_followed_moment():
	moments = frame([("d1", day(2, 9), "Proposal")], ["deal", "as_of", "stage"])
	row = features_of(moments, medians={"Proposal": 15.0}).iloc[0]
	assert row["days_in_stage"] == 30.0 and row["days_in_stage_ratio"] == 2.0
	# due by 9 Feb: r1 (done), r2 (done only on 15 Feb), r5 (cancelled only on 20 Feb); r3 waived, r4 not due
	assert row["compliance_so_far"] == pytest.approx(1 / 3) and row["no_checkpoints_due"] == 0.0
	assert row["overdue_checkpoints"] == 2.0  # r2 and r5
	assert row["open_risks"] == 1.0  # the first risk is resolved only on 10 Feb
	assert (
		row["objections_price"] == 1.0 and row["objections_budget"] == 1.0 and row["objections_other"] == 1.0
	)
	assert row["objections_timing"] == 0.0
	assert row["competitors"] == 1.0
	assert (row["has_veto_holder"], row["has_decision_maker"], row["has_initiator"]) == (1.0, 0.0, 0.0)
	assert (row["supporters"], row["opponents"]) == (1.0, 0.0)
	assert row["visits_30d"] == 3.0 and row["geofence_pass_rate_30d"] == pytest.approx(1 / 3)
	assert row["quotation_revisions"] == 2.0 and row["payment_term_changes"] == 1.0
	assert row["log_amount"] == pytest.approx(math.log1p(1000.0))
	assert row["repeat_customer"] == 1.0 and row["deal_age_days"] == 39.0
	assert (row["lead_score"], row["no_lead_score"]) == (0.0, 1.0)


def test_features_with_nothing_known_use_the_neutral_fills():
	moments = frame(
		[("d1", day(1, 1), "Qualification"), ("d3", day(3, 1), "Proposal")], ["deal", "as_of", "stage"]
	)
	rows = features_of(moments, frames={}, medians={"Qualification": 9.0}, deals=DEALS)
	assert rows[list(FEATURES)].notna().all().all()
	first = rows.iloc[0]
	assert (first["compliance_so_far"], first["no_checkpoints_due"]) == (1.0, 1.0)
	assert (first["geofence_pass_rate_30d"], first["no_geofence_result_30d"]) == (1.0, 1.0)
	assert first["days_in_stage_ratio"] == 0.0 and first["deal_age_days"] == 0.0
	open_deal = rows.iloc[1]
	assert open_deal["log_amount"] == 0.0  # amount NaN
	assert open_deal["repeat_customer"] == 0.0  # C3's first order came after the deal was created
	assert (open_deal["lead_score"], open_deal["no_lead_score"]) == (70.0, 0.0)
	# Proposal has no median here: measured by the others' (9 days); 28 days in it
	assert open_deal["days_in_stage_ratio"] == pytest.approx(28 / 9)


def test_a_missing_lead_score_column_reads_as_unknown():
	moments = frame([("d2", day(1, 5), "Proposal")], ["deal", "as_of", "stage"])
	row = features_of(moments, frames={}, deals=DEALS.drop(columns="lead_score")).iloc[0]
	assert (row["lead_score"], row["no_lead_score"]) == (0.0, 1.0)


def test_days_in_stage_ratio_is_clipped():
	moments = frame([("d3", day(12, 1), "Proposal")], ["deal", "as_of", "stage"])
	assert (
		features_of(moments, frames={}, medians={"Proposal": 1.0}).iloc[0]["days_in_stage_ratio"]
		== MAX_STAGE_RATIO
	)


def test_features_keep_the_moments_order():
	moments = frame(
		[("d1", day(2, 20), "Negotiation"), ("d2", day(1, 5), "Proposal"), ("d1", day(1, 10), "Proposal")],
		["deal", "as_of", "stage"],
	)
	rows = features_of(moments)
	assert rows["deal"].tolist() == ["d1", "d2", "d1"]
	assert rows["as_of"].tolist() == moments["as_of"].tolist()
	assert rows["quotation_revisions"].tolist() == [3.0, 0.0, 0.0]  # the 20 Feb one is at the moment


def test_evidence_at_or_after_closing_changes_no_moment():
	moments = snapshot_moments(DEALS, MOVES)
	before = features_of(moments)
	# d1 was won on 1 Mar, d2 lost on 20 Jan: everything below happened at or after that
	later = {
		"risks": frame(
			[("d1", day(3, 2), pd.NaT), ("d2", day(1, 20), pd.NaT)], ["deal", "raised_on", "resolved_on"]
		),
		"objections": frame(
			[("d1", day(3, 1), "Price"), ("d2", day(1, 21), "Trust")], ["deal", "raised_on", "category"]
		),
		"competitors": frame([("d1", day(3, 1)), ("d2", day(2, 1))], ["deal", "added_on"]),
		"decision_makers": frame(
			[("d1", "Initiator", "Supporter", day(3, 1))], ["deal", "role", "attitude", "added_on"]
		),
		"visits": frame(
			[("d1", day(3, 1), "Inside"), ("d2", day(1, 20), "Inside")],
			["deal", "check_in_time", "geofence_result"],
		),
		"quotations": frame([("d1", day(3, 1), "cash")], ["deal", "submitted_on", "payment_terms"]),
	}
	frames = {name: pd.concat([FRAMES[name], extra], ignore_index=True) for name, extra in later.items()}
	# and every pending checkpoint record completed at the win
	frames["records"] = RECORDS.assign(completed_on=RECORDS["completed_on"].fillna(pd.Timestamp(day(3, 1))))
	after = features_of(moments, frames={**FRAMES, **frames})
	pd.testing.assert_frame_equal(before, after)


def test_evidence_completed_after_a_moment_changes_only_later_moments():
	moments = snapshot_moments(DEALS, MOVES)
	d1 = moments["deal"].eq("d1").to_numpy()
	# r6 is due on 1 Feb; completed on 10 Feb: after the 9 Feb landmark, before the 20 Feb entry
	pending = frame([("d1", "r6", day(1, 10), day(2, 1), pd.NaT, pd.NaT, pd.NaT)], RECORD_COLUMNS)
	done = pending.assign(completed_on=pd.Timestamp(day(2, 10)))
	before = features_of(
		moments, frames={**FRAMES, "records": pd.concat([RECORDS, pending], ignore_index=True)}
	)
	after = features_of(moments, frames={**FRAMES, "records": pd.concat([RECORDS, done], ignore_index=True)})
	up_to_landmark = d1 & (moments["as_of"] <= day(2, 9)).to_numpy()
	pd.testing.assert_frame_equal(before[up_to_landmark], after[up_to_landmark])
	assert before.loc[moments["as_of"].eq(day(2, 9)).to_numpy(), "overdue_checkpoints"].item() == 3.0
	entry = d1 & (moments["as_of"] == day(2, 20)).to_numpy()
	assert (
		before.loc[entry, "overdue_checkpoints"].item() == 1.0
		and after.loc[entry, "overdue_checkpoints"].item() == 0.0
	)
	assert after.loc[entry, "compliance_so_far"].item() > before.loc[entry, "compliance_so_far"].item()


def test_a_record_completed_right_after_a_moment_is_still_open_at_it():
	moments = frame(
		[("d1", day(2, 14), "Proposal"), ("d1", day(2, 15), "Proposal")], ["deal", "as_of", "stage"]
	)
	rows = features_of(moments)
	assert rows["overdue_checkpoints"].tolist() == [
		2.0,
		1.0,
	]  # r2 completed on the 15th, at the second moment
	assert rows["compliance_so_far"].tolist() == pytest.approx([1 / 3, 2 / 3])


def test_empty_inputs_give_empty_frames_with_their_columns():
	no_deals = DEALS.iloc[0:0]
	assert snapshot_moments(no_deals, None).empty
	assert open_moments(no_deals, None, day(3, 1)).columns.tolist() == ["deal", "as_of", "stage"]
	rows = feature_frame(snapshot_moments(no_deals, None), deals=no_deals)
	assert rows.empty and rows.columns.tolist() == ["deal", "as_of", "stage", "days_in_stage", *FEATURES]
	result = fit_and_evaluate(no_deals, None, None, now=NOW)
	assert (result.ok, result.reason, result.counts["deals"]) == (False, TOO_FEW_CLOSED, 0)


def test_deal_weights_count_each_deal_once():
	weights = deal_weights(pd.Series(["a", "b", "a", "a"]))
	assert weights.tolist() == pytest.approx([1 / 3, 1.0, 1 / 3, 1 / 3])


# history and split


def deals_with(won: int, lost: int) -> pd.DataFrame:
	rows = [
		(
			f"x{i:03d}",
			day(1, 1),
			1.0,
			None,
			"Won" if i < won else "Lost",
			day(2, 1) + timedelta(hours=i),
			np.nan,
		)
		for i in range(won + lost)
	]
	rows.append(("open", day(1, 1), 1.0, None, None, pd.NaT, np.nan))
	return frame(rows, DEAL_COLUMNS)


@pytest.mark.parametrize(
	("won", "lost", "verdict"),
	[
		(25, 24, (False, TOO_FEW_CLOSED)),
		(10, 39, (False, TOO_FEW_CLOSED)),
		(9, 41, (False, TOO_FEW_WON)),
		(41, 9, (False, TOO_FEW_LOST)),
		(10, 9, (False, TOO_FEW_CLOSED)),
		(60, 9, (False, TOO_FEW_LOST)),
		(10, 40, (True, None)),
		(40, 10, (True, None)),
	],
)
def test_history_verdict_thresholds(won, lost, verdict):
	ok, reason, counts = history_verdict(deals_with(won, lost))
	assert (ok, reason) == verdict
	assert counts == {"closed": won + lost, "won": won, "lost": lost}


def test_exactly_fifty_ten_and_ten_passes():
	deals = deals_with(10, 40)
	assert history_verdict(deals)[0]
	deals.loc[deals["deal"] == "x000", "outcome"] = "Lost"  # 9 won
	assert history_verdict(deals)[1] == TOO_FEW_WON


def test_holdout_is_the_most_recent_fifth_ties_by_name():
	closed = frame(
		[("e", day(1, 5)), ("a", day(1, 1)), ("c", day(1, 4)), ("b", day(1, 4)), ("d", day(1, 2))],
		["deal", "closed_on"],
	)
	assert split_holdout(closed) == (["a", "d", "b", "c"], ["e"])
	assert split_holdout(closed, share=0.4) == (["a", "d", "b"], ["c", "e"])  # b and c tie: by name


# a synthetic company with known effects

STAGES = frame(
	[("Qualification", 1, 20.0), ("Proposal", 2, 40.0), ("Negotiation", 3, 70.0)],
	["stage", "sequence", "probability"],
)
T0 = datetime(2024, 1, 1)
NOW = datetime(2026, 6, 1)


def synthetic_company(deals: int = 700, seed: int = 5) -> dict:
	"""Deals that win more with a repeat customer and a known veto holder, and less when checkpoints
	go overdue; reaching Negotiation also says something (so the stage baseline is not useless)."""
	rng = np.random.default_rng(seed)
	rows = {
		name: [] for name in ("deals", "moves", "records", "decision_makers", "customer_orders", "visits")
	}
	rows["objections"] = []
	for i in range(deals):
		deal, customer = f"D{i:04d}", f"C{i:04d}"
		created = T0 + timedelta(days=float(rng.uniform(0, 700)))
		repeat, veto, sloppy = rng.random() < 0.35, rng.random() < 0.5, rng.random() < 0.4
		won = rng.random() < 1 / (1 + math.exp(-(-0.3 + 1.6 * repeat + 1.6 * veto - 2.0 * sloppy)))
		proposal_on = created + timedelta(days=float(rng.uniform(8, 14)))
		negotiation_on = proposal_on + timedelta(days=float(rng.uniform(10, 20)))
		reaches_negotiation = rng.random() < (0.7 if won else 0.35)
		last_entry = negotiation_on if reaches_negotiation else proposal_on
		closed_on = last_entry + timedelta(days=float(rng.uniform(5, 45)))
		open_deal = i >= deals - 40
		lead_score = np.nan if rng.random() < 0.3 else float(rng.uniform(0, 100))
		rows["deals"].append(
			(
				deal,
				created,
				float(rng.lognormal(9, 1)),
				customer,
				None if open_deal else ("Won" if won else "Lost"),
				pd.NaT if open_deal else closed_on,
				lead_score,
			)
		)
		rows["moves"].append((deal, created, None, "Qualification"))
		rows["moves"].append((deal, proposal_on, "Qualification", "Proposal"))
		if reaches_negotiation:
			rows["moves"].append((deal, negotiation_on, "Proposal", "Negotiation"))
		if repeat:
			rows["customer_orders"].append((customer, created - timedelta(days=100)))
		elif won:
			rows["customer_orders"].append((customer, closed_on + timedelta(days=3)))  # this deal's order
		rows["decision_makers"].append((deal, "Initiator", "Neutral", created))
		if veto:
			rows["decision_makers"].append((deal, "Veto Holder", "Neutral", created + timedelta(days=1)))
		for k in range(4):
			due = created + timedelta(days=3 * (k + 1))
			late = rng.random() < (0.85 if sloppy else 0.1)
			completed = due + timedelta(days=25) if late else due - timedelta(days=1)
			rows["records"].append((deal, f"cp{k}", created, due, completed, pd.NaT, pd.NaT))
		for _ in range(rng.poisson(2)):
			when = created + timedelta(days=float(rng.uniform(0, 40)))
			rows["visits"].append((deal, when, str(rng.choice(["Inside", "Outside", "No Device Location"]))))
		for _ in range(rng.poisson(1)):
			when = created + timedelta(days=float(rng.uniform(0, 30)))
			rows["objections"].append((deal, when, str(rng.choice(["Price", "Timing", "Trust"]))))
	return {
		"deals": frame(rows["deals"], DEAL_COLUMNS),
		"moves": frame(rows["moves"], ["deal", "changed_on", "from_stage", "to_stage"]),
		"stages": STAGES,
		"records": frame(rows["records"], RECORD_COLUMNS),
		"decision_makers": frame(rows["decision_makers"], ["deal", "role", "attitude", "added_on"]),
		"customer_orders": frame(rows["customer_orders"], ["customer", "first_order_on"]),
		"visits": frame(rows["visits"], ["deal", "check_in_time", "geofence_result"]),
		"objections": frame(rows["objections"], ["deal", "raised_on", "category"]),
	}


@pytest.fixture(scope="module")
def company():
	return synthetic_company()


@pytest.fixture(scope="module")
def result(company):
	return fit_and_evaluate(**company, now=NOW)


def test_the_model_recovers_the_known_effects_and_beats_the_stage_probability(result):
	assert result.ok and result.use_model and result.reason is None
	model = WinModel.from_dict(result.model)
	coefficient = dict(zip(model.feature_names, model.coefficients, strict=True))
	assert coefficient["overdue_checkpoints"] < 0
	assert coefficient["has_veto_holder"] > 0
	assert coefficient["repeat_customer"] > 0
	assert result.model_metrics["auc"] > result.baseline_metrics["auc"] + 0.05
	assert result.model_metrics["brier"] < result.baseline_metrics["brier"]
	judged = WinModel.from_dict(result.holdout_model)
	assert dict(zip(judged.feature_names, judged.coefficients, strict=True))["has_veto_holder"] > 0


def test_the_result_counts_and_window(result, company):
	counts = result.counts
	closed = company["deals"][company["deals"]["outcome"].notna()]
	assert counts["deals"] == len(closed) == counts["won"] + counts["lost"]
	assert counts["train_deals"] + counts["holdout_deals"] == counts["deals"]
	assert counts["holdout_deals"] == round(0.2 * counts["deals"])
	assert counts["train_snapshots"] + counts["holdout_snapshots"] == counts["snapshots"]
	assert counts["baseline_fallback_snapshots"] == 0
	assert result.window["first_closed_on"] == closed["closed_on"].min().isoformat()
	assert result.window["last_closed_on"] == closed["closed_on"].max().isoformat()
	assert result.window["first_closed_on"] < result.window["holdout_from"] <= result.window["last_closed_on"]
	# the judged model never saw a hold-out deal
	assert result.holdout_model["trained_to"] < result.window["holdout_from"]
	assert result.model["counts"]["deals"] == counts["deals"]
	calibration = result.model_metrics["calibration"]
	assert len(calibration) == 10 and sum(row["count"] for row in calibration) == counts["holdout_snapshots"]
	assert sum(row["weight"] for row in calibration) == pytest.approx(counts["holdout_deals"])
	json.dumps(result.to_dict(), allow_nan=False)


def test_training_is_deterministic(company, result):
	again = fit_and_evaluate(**company, now=NOW)
	assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(result.to_dict(), sort_keys=True)


def test_the_counting_strategies_agree(company, monkeypatch):
	"""The engine counts through a table when moments are few per deal and by sorting otherwise,
	and ranks large sets of times in order: every way gives the same features."""
	moments = snapshot_moments(company["deals"], company["moves"])
	frames = {k: v for k, v in company.items() if k not in ("deals", "moves", "stages")}

	def features():
		return feature_frame(moments, deals=company["deals"], moves=company["moves"], **frames)

	monkeypatch.setattr(win_features._Clock, "DENSE_KEYS_ANYWAY", 10**8)
	table = features()
	monkeypatch.setattr(win_features._Clock, "DENSE_KEYS_PER_MOMENT", 0)
	monkeypatch.setattr(win_features._Clock, "DENSE_KEYS_ANYWAY", -1)
	sorting = features()
	monkeypatch.setattr(win_features._Clock, "SORT_BEFORE_RANKING", 0)
	ranked_in_order = features()
	pd.testing.assert_frame_equal(table, sorting)
	pd.testing.assert_frame_equal(table, ranked_in_order)
	assert table["overdue_checkpoints"].sum() > 0 and table["visits_30d"].sum() > 0


def test_open_deals_are_scored_from_the_stored_dict(company, result):
	stored = json.loads(json.dumps(result.model))
	model = WinModel.from_dict(stored)
	moments = open_moments(company["deals"], company["moves"], NOW)
	frames = {k: v for k, v in company.items() if k not in ("deals", "moves", "stages")}
	rows = feature_frame(
		moments,
		deals=company["deals"],
		moves=company["moves"],
		stage_medians=model.stage_median_days,
		**frames,
	)
	probabilities = score(model, rows)
	assert len(probabilities) == 40 and ((probabilities > 0) & (probabilities < 1)).all()


def test_stage_probability_unknown_falls_back_to_the_training_win_rate(company):
	stages = STAGES[STAGES["stage"] != "Negotiation"]
	fallback = fit_and_evaluate(**{**company, "stages": stages}, now=NOW)
	assert fallback.counts["baseline_fallback_snapshots"] > 0
	assert 0 < fallback.counts["training_win_rate"] < 1


def test_too_little_history_gives_the_reason_and_no_model(company):
	few = company["deals"].iloc[:45]
	thin = fit_and_evaluate(**{**company, "deals": few}, now=NOW)
	assert (thin.ok, thin.use_model, thin.reason, thin.model) == (False, False, TOO_FEW_CLOSED, None)
	assert thin.counts["deals"] == 45


def test_a_model_that_does_not_beat_a_perfect_stage_probability_is_not_used():
	rng = np.random.default_rng(2)
	deals, moves, visits = [], [], []
	for i in range(200):
		created = T0 + timedelta(days=float(rng.uniform(0, 500)))
		won = rng.random() < 0.5
		closed = created + timedelta(days=float(rng.uniform(10, 50)))
		deals.append((f"P{i:03d}", created, 100.0, None, "Won" if won else "Lost", closed, np.nan))
		moves.append((f"P{i:03d}", created, None, "Commit" if won else "Stalled"))
		visits.append((f"P{i:03d}", created + timedelta(days=1), str(rng.choice(["Inside", "Outside"]))))
	result = fit_and_evaluate(
		frame(deals, DEAL_COLUMNS),
		frame(moves, ["deal", "changed_on", "from_stage", "to_stage"]),
		frame([("Commit", 1, 100.0), ("Stalled", 2, 0.0)], ["stage", "sequence", "probability"]),
		visits=frame(visits, ["deal", "check_in_time", "geofence_result"]),
		now=NOW,
	)
	assert result.ok and not result.use_model
	assert result.reason == NOT_BETTER_THAN_BASELINE
	assert result.baseline_metrics["auc"] == 1.0 and result.baseline_metrics["brier"] == 0.0
	assert result.model is None and result.holdout_model is not None


# the model's numbers


def small_training_frame():
	rng = np.random.default_rng(1)
	n = 300
	data = {name: np.zeros(n) for name in FEATURES}
	data["overdue_checkpoints"] = rng.poisson(1.0, n).astype(float)
	data["has_veto_holder"] = (rng.random(n) < 0.5).astype(float)
	data["lead_score"] = rng.uniform(0, 100, n)
	data["no_lead_score"] = (rng.random(n) < 0.3).astype(float)
	data["lead_score"][data["no_lead_score"] == 1] = 0.0
	data["competitors"] = np.full(n, 2.0)  # no variance
	features = pd.DataFrame(data)
	features["stage"] = rng.choice(["A", "B", "C"], n)
	logit = (
		-0.8 * data["overdue_checkpoints"] + 1.2 * data["has_veto_holder"] + (features["stage"] == "C") * 1.0
	)
	outcomes = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
	return features, outcomes


@pytest.fixture(scope="module")
def small_model():
	features, outcomes = small_training_frame()
	return train(features, outcomes, np.ones(len(features)), stage_medians={"A": 3.5}), features


def test_a_feature_without_variance_gets_scale_one_and_no_weight(small_model):
	model, _features = small_model
	j = model.feature_names.index("competitors")
	assert (model.scales[j], model.coefficients[j], model.means[j]) == (1.0, 0.0, 2.0)
	assert model.stage_categories == ["A", "B", "C"]
	assert "stage=B" in model.feature_names


def test_with_nothing_varying_the_model_is_the_win_rate():
	features = pd.DataFrame({name: np.ones(8) for name in FEATURES}).assign(stage="A")
	model = train(features, [1, 1, 0, 0, 0, 0, 0, 0], np.ones(8))
	assert set(model.coefficients) == {0.0} and set(model.scales) == {1.0}
	assert score(model, features) == pytest.approx(np.full(8, 0.25))


def test_an_unseen_stage_scores_with_every_stage_column_zero(small_model):
	model, features = small_model
	rows = features.head(5)
	offset = len(model.numeric_features)
	x = design_matrix(model, rows.assign(stage="Somewhere new"))
	assert (x[:, offset:] == 0).all()
	np.testing.assert_array_equal(x[:, :offset], design_matrix(model, rows)[:, :offset])
	np.testing.assert_array_equal(x, design_matrix(model, rows.assign(stage=None)))
	known = design_matrix(model, rows.assign(stage="B"))[:, offset:]
	assert known.tolist() == [[0.0, 1.0, 0.0]] * 5
	probabilities = score(model, rows.assign(stage="Somewhere new"))
	assert np.isfinite(probabilities).all() and not np.array_equal(probabilities, score(model, rows))


def test_a_missing_feature_column_scores_as_its_fill_value(small_model):
	model, features = small_model
	rows = features.head(20)
	fill = model.fill_values["overdue_checkpoints"]
	dropped = score(model, rows.drop(columns="overdue_checkpoints"))
	np.testing.assert_array_equal(dropped, score(model, rows.assign(overdue_checkpoints=fill)))
	nan = score(model, rows.assign(overdue_checkpoints=np.nan))
	np.testing.assert_array_equal(nan, dropped)


def test_the_stored_numbers_round_trip_bit_exact(small_model):
	model, features = small_model
	stored = json.loads(json.dumps(model.to_dict(), allow_nan=False))
	again = WinModel.from_dict(stored)
	assert again == model
	assert again.to_dict() == model.to_dict()
	np.testing.assert_array_equal(score(again, features), score(model, features))


def test_a_model_of_another_version_is_refused(small_model):
	model, _features = small_model
	with pytest.raises(ValueError):
		WinModel.from_dict({**model.to_dict(), "version": 99})


def test_explanations_add_up_to_the_logit_and_group_the_stage(small_model):
	model, features = small_model
	for i in range(10):
		row = features.iloc[i]
		reasons = explain(model, row, top=None)
		total = logits(model, features.iloc[[i]])[0]
		assert sum(reason.logit for reason in reasons) == pytest.approx(total - model.intercept, abs=1e-12)
		names = [reason.feature for reason in reasons]
		assert names.count("stage") == 1 and not any(name.startswith("stage=") for name in names)
		assert "no_lead_score" not in names and "lead_score" in names  # the indicator joins its fact
		assert len(names) == len(set(names))
		for reason in reasons:
			assert reason.points == 0 or math.copysign(1, reason.points) == math.copysign(1, reason.logit)
		assert [abs(r.points) for r in reasons] == sorted((abs(r.points) for r in reasons), reverse=True)
		stage = next(reason for reason in reasons if reason.feature == "stage")
		assert stage.value == row["stage"]


def test_explain_points_are_the_score_against_an_average_value(small_model):
	model, features = small_model
	row = features.iloc[3].to_dict()
	probability = score(model, pd.DataFrame([row]))[0]
	reason = next(r for r in explain(model, row, top=None) if r.feature == "overdue_checkpoints")
	average = {**row, "overdue_checkpoints": model.means[model.feature_names.index("overdue_checkpoints")]}
	assert reason.points == pytest.approx(
		100 * (probability - score(model, pd.DataFrame([average]))[0]), abs=1e-9
	)
	assert reason.value == row["overdue_checkpoints"]
	top = explain(model, row)
	assert len(top) == 5 and top == explain(model, row, top=None)[:5]


def test_an_unknown_fact_is_explained_without_a_value(small_model):
	model, features = small_model
	row = features[features["no_lead_score"] == 1].iloc[0]
	lead = next(r for r in explain(model, row, top=None) if r.feature == "lead_score")
	assert lead.value is None
	unseen = next(
		r for r in explain(model, {**row.to_dict(), "stage": "Elsewhere"}, top=None) if r.feature == "stage"
	)
	assert unseen.value == "Elsewhere"


def test_stage_baseline_is_the_stage_probability():
	probabilities = stage_baseline(
		STAGES.assign(probability=[20.0, None, 70.0]), ["Negotiation", "Proposal", None, "X"]
	)
	assert probabilities[0] == 0.7 and np.isnan(probabilities[1:]).all()


def test_evaluate_weights_deals_and_bins_calibration():
	y = [1, 0, 1, 0]
	p = [0.95, 0.05, 0.55, 1.0]
	metrics = evaluate(y, p, [1.0, 1.0, 0.5, 0.5])
	# pairs (won, lost) weighted: (0.95 > 0.05) 1·1, (0.95 < 1.0) 1·0.5, (0.55 > 0.05) 0.5·1, (0.55 < 1.0) 0.5·0.5
	assert metrics["auc"] == pytest.approx((1.0 + 0.5) / (1.5 * 1.5))
	assert metrics["brier"] == pytest.approx((0.05**2 + 0.05**2 + 0.5 * 0.45**2 + 0.5 * 1.0) / 3.0)
	bins = {row["bin"]: row for row in metrics["calibration"]}
	assert bins[9]["count"] == 2 and bins[9]["mean_predicted"] == pytest.approx((0.95 + 0.5) / 1.5)
	assert bins[9]["observed_rate"] == pytest.approx(1 / 1.5)
	assert bins[5]["count"] == 1 and bins[0]["count"] == 1
	assert bins[3]["count"] == 0 and bins[3]["mean_predicted"] is None
	assert evaluate([1, 1], [0.5, 0.6], [1, 1])["auc"] is None


def test_ratio_can_be_measured_against_other_medians():
	moments = frame([("d1", day(2, 9), "Proposal")], ["deal", "as_of", "stage"])
	rows = features_of(moments, medians={"Proposal": 15.0})
	assert with_stage_ratio(rows, {"Proposal": 60.0})["days_in_stage_ratio"].iloc[0] == 0.5


def test_scoring_does_not_load_scikit_learn():
	code = (
		"import sys\n"
		"from sales_process.engine import win_model, win_features, win_training\n"
		"assert 'sklearn' not in sys.modules, 'importing the engine loaded scikit-learn'\n"
	)
	subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)
