"""Close probability at scale: training on 200 000 closed deals, scoring 100 000 open ones.

Run: python benchmarks/win_model.py [--deals 200000] [--open 100000] [--seed 7]
Prints data sizes and timings; asserts nothing. Targets (the issue): feature extraction + training
≤ 60 s; scoring the open deals from the stored JSON, feature extraction included, ≤ 2 s.
The data are synthetic (engine only, no site), with per-deal event counts like a busy company's.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sales_process.engine.win_features import (  # noqa: E402
	OBJECTION_CATEGORIES,
	deal_weights,
	feature_frame,
	open_moments,
	snapshot_moments,
	stage_median_days,
)
from sales_process.engine.win_model import WinModel, explain, score  # noqa: E402
from sales_process.engine.win_training import fit_and_evaluate, train  # noqa: E402

NOW = datetime(2026, 6, 1)
DAY = np.timedelta64(86_400_000_000, "us")
STAGES = pd.DataFrame(
	{
		"stage": ["Prospecting", "Qualification", "Needs Analysis", "Proposal", "Negotiation", "Closing"],
		"sequence": [1, 2, 3, 4, 5, 6],
		"probability": [10.0, 20.0, 35.0, 50.0, 70.0, 85.0],
	}
)
ROLES = np.array(["Initiator", "Influencer", "Decision Maker", "Veto Holder", "User"], dtype=object)
ATTITUDES = np.array(["Unknown", "Supporter", "Neutral", "Opponent"], dtype=object)
GEOFENCE = np.array(["Inside", "Outside", "No Site Location", "No Device Location", None], dtype=object)
TERMS = np.array(["30 days", "60 days", "50% advance", None], dtype=object)


def days(values) -> np.ndarray:
	return (np.asarray(values) * DAY).astype("timedelta64[us]")


def make_company(n: int, prefix: str, rng: np.random.Generator, closed: bool) -> dict[str, pd.DataFrame]:
	"""`n` deals with their stage moves and process events. Closed deals win more with fewer late
	checkpoints, a known veto holder, a repeat customer and fewer open risks; open deals are
	caught mid-way at NOW."""
	now = np.datetime64(NOW, "us")
	names = np.array([f"{prefix}{i:07d}" for i in range(n)], dtype=object)
	age_days = rng.uniform(40, 900, n) if closed else rng.uniform(1, 150, n)
	created = now - days(age_days)
	sloppy = rng.random(n) < 0.35
	veto = rng.random(n) < 0.45
	customer_pool = max(n // 2, 1)
	customer_id = rng.integers(0, customer_pool, n)
	customers = np.array([f"CUST-{prefix}{i:06d}" for i in range(customer_pool)], dtype=object)

	# stage moves: 1 + Binomial(5, 0.6) entries (~4), stays of ~12 days
	entries = 1 + rng.binomial(5, 0.6, n)
	deal_of_move = np.repeat(np.arange(n), entries)
	step = np.arange(len(deal_of_move)) - np.repeat(np.cumsum(entries) - entries, entries)
	stay = np.where(step == 0, 0.0, rng.exponential(12, len(deal_of_move)) + 0.5)
	offset = pd.Series(stay).groupby(deal_of_move).cumsum().to_numpy()
	changed_on = created[deal_of_move] + days(offset)
	last_entry = pd.Series(changed_on).groupby(deal_of_move).max().to_numpy()
	stage_names = STAGES["stage"].to_numpy(object)
	to_stage = stage_names[step]
	from_stage = np.where(step == 0, None, stage_names[np.maximum(step - 1, 0)])

	risk_level = rng.poisson(0.5, n)
	repeat = rng.random(n) < 0.3
	logit = -0.6 + 0.45 * (entries - 4) - 1.2 * sloppy + 0.9 * veto + 0.8 * repeat - 0.4 * risk_level
	won = rng.random(n) < 1 / (1 + np.exp(-logit))
	if closed:
		end = last_entry + days(rng.exponential(15, n) + 1)
		end = np.minimum(end, now - DAY)
	else:
		end = np.full(n, now)
	keep_move = changed_on < end[deal_of_move]
	keep_move |= step == 0
	moves = pd.DataFrame(
		{
			"deal": names[deal_of_move],
			"changed_on": changed_on,
			"from_stage": from_stage,
			"to_stage": to_stage,
		}
	)[keep_move]
	life = (end - created) / DAY

	def events(mean: float) -> tuple[np.ndarray, np.ndarray]:
		count = rng.poisson(mean, n)
		owner = np.repeat(np.arange(n), count)
		when = created[owner] + days(rng.uniform(0, 1, len(owner)) * life[owner])
		return owner, when

	owner, triggered = events(6.0)
	due = triggered + days(3)
	late = rng.random(len(owner)) < np.where(sloppy[owner], 0.6, 0.1)
	completed = due + days(np.where(late, rng.uniform(1, 20, len(owner)), -rng.uniform(0, 2, len(owner))))
	fate = rng.random(len(owner))
	nat = np.datetime64("NaT", "us")
	records = pd.DataFrame(
		{
			"deal": names[owner],
			"checkpoint": rng.integers(0, 12, len(owner)).astype(str),
			"triggered_on": triggered,
			"due_on": due,
			"completed_on": np.where(fate < 0.85, completed, nat),
			"waived_on": np.where((fate >= 0.85) & (fate < 0.92), due + days(1), nat),
			"cancelled_on": np.where(fate >= 0.97, due + days(2), nat),
		}
	)
	owner = np.repeat(np.arange(n), risk_level)
	raised = created[owner] + days(rng.uniform(0, 1, len(owner)) * life[owner])
	risks = pd.DataFrame(
		{
			"deal": names[owner],
			"raised_on": raised,
			"resolved_on": np.where(
				rng.random(len(owner)) < 0.6, raised + days(rng.exponential(7, len(owner))), nat
			),
		}
	)
	owner, raised = events(1.5)
	categories = np.array([*OBJECTION_CATEGORIES, None], dtype=object)
	objections = pd.DataFrame(
		{
			"deal": names[owner],
			"raised_on": raised,
			"category": categories[rng.integers(0, len(categories), len(owner))],
		}
	)
	owner, added = events(0.8)
	competitors = pd.DataFrame({"deal": names[owner], "added_on": added})
	owner, added = events(2.0)
	people = pd.DataFrame(
		{
			"deal": names[owner],
			"role": ROLES[rng.integers(0, len(ROLES), len(owner))],
			"attitude": ATTITUDES[rng.integers(0, len(ATTITUDES), len(owner))],
			"added_on": added,
		}
	)
	vetoes = np.flatnonzero(veto)
	people = pd.concat(
		[
			people,
			pd.DataFrame(
				{
					"deal": names[vetoes],
					"role": "Veto Holder",
					"attitude": "Neutral",
					"added_on": created[vetoes] + days(rng.uniform(0, 10, len(vetoes))),
				}
			),
		],
		ignore_index=True,
	)
	owner, checked_in = events(3.0)
	visits = pd.DataFrame(
		{
			"deal": names[owner],
			"check_in_time": checked_in,
			"geofence_result": GEOFENCE[rng.choice(len(GEOFENCE), len(owner), p=[0.6, 0.15, 0.1, 0.05, 0.1])],
		}
	)
	owner, submitted = events(1.5)
	quotations = pd.DataFrame(
		{
			"deal": names[owner],
			"submitted_on": submitted,
			"payment_terms": TERMS[rng.integers(0, len(TERMS), len(owner))],
		}
	)
	first_order = created - days(rng.uniform(30, 400, n))
	ordering = np.flatnonzero(repeat)
	customer_orders = (
		pd.DataFrame({"customer": customers[customer_id[ordering]], "first_order_on": first_order[ordering]})
		.groupby("customer", as_index=False)["first_order_on"]
		.min()
	)
	lead_score = np.where(rng.random(n) < 0.4, np.nan, rng.uniform(0, 100, n))
	deals = pd.DataFrame(
		{
			"deal": names,
			"created_on": created,
			"amount": np.where(rng.random(n) < 0.05, np.nan, rng.lognormal(10, 1.2, n)),
			"customer": customers[customer_id],
			"outcome": np.where(won, "Won", "Lost").astype(object)
			if closed
			else np.full(n, None, dtype=object),
			"closed_on": end if closed else np.full(n, nat),
			"lead_score": lead_score,
		}
	)
	return {
		"deals": deals,
		"moves": moves.reset_index(drop=True),
		"records": records,
		"risks": risks,
		"objections": objections,
		"competitors": competitors,
		"decision_makers": people,
		"visits": visits,
		"quotations": quotations,
		"customer_orders": customer_orders,
	}


def sizes(company: dict[str, pd.DataFrame]) -> str:
	return ", ".join(f"{name} {len(frame):,}" for name, frame in company.items())


def timed(label: str, fn):
	t0 = time.perf_counter()
	value = fn()
	elapsed = time.perf_counter() - t0
	print(f"  {label}: {elapsed:.2f} s")
	return value, elapsed


def bench_training(company: dict[str, pd.DataFrame]) -> dict:
	events = {k: v for k, v in company.items() if k not in ("deals", "moves")}
	print("training, step by step:")
	moments, t_moments = timed(
		"snapshot moments", lambda: snapshot_moments(company["deals"], company["moves"])
	)
	medians = stage_median_days(company["moves"])
	features, t_features = timed(
		"feature extraction",
		lambda: feature_frame(
			moments, deals=company["deals"], moves=company["moves"], stage_medians=medians, **events
		),
	)
	won = set(company["deals"].loc[company["deals"]["outcome"] == "Won", "deal"])
	outcome = features["deal"].isin(won).to_numpy(dtype="int64")
	_model, t_train = timed(
		"one logistic regression fit",
		lambda: train(features, outcome, deal_weights(features["deal"]), stage_medians=medians),
	)
	print(
		f"  → {len(moments):,} snapshots ({len(moments) / len(company['deals']):.1f} per deal), "
		f"features + one fit: {t_moments + t_features + t_train:.1f} s"
	)
	print(
		"the weekly job (fit_and_evaluate: moments, features, split, judged fit, evaluation, refit on all):"
	)
	result, t_job = timed(
		"fit_and_evaluate",
		lambda: fit_and_evaluate(company["deals"], company["moves"], STAGES, **events, now=NOW),
	)
	model_m, base_m = result.model_metrics, result.baseline_metrics
	print(
		f"  hold-out {result.counts['holdout_deals']:,} deals / {result.counts['holdout_snapshots']:,} snapshots: "
		f"model AUC {model_m['auc']:.3f} Brier {model_m['brier']:.3f}; "
		f"stage probability AUC {base_m['auc']:.3f} Brier {base_m['brier']:.3f}; use_model={result.use_model}"
	)
	print(f"  target ≤ 60 s: {'met' if t_job <= 60 else 'MISSED'} ({t_job:.1f} s)")
	return result.model


def bench_scoring(stored: str, company: dict[str, pd.DataFrame]):
	events = {k: v for k, v in company.items() if k not in ("deals", "moves")}

	def run():
		laps = [time.perf_counter()]
		model = WinModel.from_dict(json.loads(stored))
		laps.append(time.perf_counter())
		moments = open_moments(company["deals"], company["moves"], NOW)
		laps.append(time.perf_counter())
		rows = feature_frame(
			moments,
			deals=company["deals"],
			moves=company["moves"],
			stage_medians=model.stage_median_days,
			**events,
		)
		laps.append(time.perf_counter())
		probabilities = score(model, rows)
		laps.append(time.perf_counter())
		return model, rows, probabilities, np.diff(laps)

	print(f"scoring {len(company['deals']):,} open deals from the stored JSON ({len(stored):,} characters):")
	best = None
	for attempt in range(3):
		(model, rows, probabilities, laps), elapsed = timed(
			f"run {attempt + 1} (load + features + score)", run
		)
		print(
			f"    load {laps[0] * 1000:.0f} ms, open moments {laps[1] * 1000:.0f} ms, "
			f"features {laps[2] * 1000:.0f} ms, score {laps[3] * 1000:.0f} ms"
		)
		best = elapsed if best is None else min(best, elapsed)
	t0 = time.perf_counter()
	reasons = explain(model, rows.iloc[0], top=5)
	t_explain = time.perf_counter() - t0
	print(
		f"  best {best:.2f} s ({len(rows) / best:,.0f} deals/s); target ≤ 2 s: {'met' if best <= 2 else 'MISSED'}; "
		f"mean score {probabilities.mean():.3f}"
	)
	print(
		f"  explain one deal: {t_explain * 1000:.2f} ms → "
		+ "; ".join(f"{r.feature} {r.points:+.1f}" for r in reasons)
	)


if __name__ == "__main__":
	parser = argparse.ArgumentParser()
	parser.add_argument("--deals", type=int, default=200_000, help="closed deals to train on")
	parser.add_argument("--open", type=int, default=100_000, help="open deals to score")
	parser.add_argument("--seed", type=int, default=7)
	args = parser.parse_args()
	rng = np.random.default_rng(args.seed)
	t0 = time.perf_counter()
	closed = make_company(args.deals, "OPP-C-", rng, closed=True)
	open_company = make_company(args.open, "OPP-O-", rng, closed=False)
	print(f"generated in {time.perf_counter() - t0:.1f} s")
	print(f"closed: {sizes(closed)}")
	print(f"open:   {sizes(open_company)}")
	model = bench_training(closed)
	if model is None:
		print("the model did not beat the stage probability: nothing to score")
	else:
		bench_scoring(json.dumps(model), open_company)
