"""Engine cost of Target Back-calculation for a large org: the part of the report after its
queries (history sums per rep and furthest stage, cycle buckets, open pipeline groups).

Run: python benchmarks/engine_targets.py [--reps 500] [--runs 10]
Prints the best of `runs` per step; asserts nothing (targets live in the README and the issue).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sales_process.engine import targets  # noqa: E402
from sales_process.engine.deal_history import (  # noqa: E402
	CYCLE_DAYS,
	CYCLE_ROW,
	HistorySums,
	history_from,
	pipeline_groups,
)
from sales_process.engine.rollup import Change  # noqa: E402

STAGES = [(f"Stage {order}", float(order), 10.0 * order) for order in range(1, 7)]
PERIOD = (date(2026, 10, 1), date(2026, 12, 31), date(2026, 12, 5))


def generated(reps: list[str], seed: int = 7):
	"""What the report's queries return for `reps`: sums per (rep, furthest 0–6) and a cycle row
	per rep (as `deal_rollup.history_sums`), pipeline groups per (rep, stage, scored)."""
	rng = random.Random(seed)
	sums, pipeline = {}, {}
	for rep in reps:
		for furthest in range(7):
			sums[(rep, furthest)] = Change(
				{
					"deals": rng.randint(10, 90),
					"decided": rng.randint(5, 60),
					"won": rng.randint(1, 20),
					"won_amount": rng.random() * 1e6,
					"won_with_amount": rng.randint(1, 20),
					"moves": rng.randint(10, 200),
					"advances": rng.randint(5, 100),
					"visits": rng.randint(10, 900),
					"quotations": rng.randint(1, 40),
				}
			)
		sums[(rep, CYCLE_ROW)] = Change({column: rng.randint(0, 5) for column in CYCLE_DAYS.columns})
		for stage, _order, _probability in STAGES:
			for scored in (0, 1):
				if rng.random() < 0.65:
					amount = rng.random() * 1e6
					pipeline[(rep, stage, scored)] = {
						"deals": 5,
						"amount": amount,
						"weighted_by_deal": amount * rng.uniform(0, 100),
						"weighted_by_model": amount * rng.uniform(0, 100),
					}
	return sums, pipeline


def run_once(reps, sums, pipeline) -> dict[str, float]:
	timings = {}

	def timed(step, work):
		started = time.perf_counter()
		result = work()
		timings[step] = time.perf_counter() - started
		return result

	history = timed("history_from", lambda: history_from(sums))
	open_deals = timed("pipeline_groups", lambda: pipeline_groups(pipeline, use_model=True))
	rates = timed("history_rates", lambda: targets.history_rates(history.counts, history.cycles, reps=reps))
	weighted = timed(
		"weighted_pipeline",
		lambda: targets.weighted_pipeline(open_deals, {name: p for name, _order, p in STAGES}),
	)
	plan = pd.DataFrame(
		[(rep, 1e6, 1e5, float(weighted.get(rep, 0.0)), 10) for rep in reps], columns=targets.PLAN_COLUMNS
	)
	table = timed("back_calculation", lambda: targets.back_calculation(plan, rates, *PERIOD))
	conversions = timed(
		"stage_conversions",
		lambda: targets.stage_conversions(history.funnel, [(name, order) for name, order, _p in STAGES]),
	)
	timed("weakest_steps", lambda: targets.weakest_steps(conversions))
	timed("team_summary", lambda: targets.team_summary(table, 5e8 * len(reps) / 500, *PERIOD))
	return timings


def main():
	parser = argparse.ArgumentParser(description=__doc__)
	parser.add_argument("--reps", type=int, default=500)
	parser.add_argument("--runs", type=int, default=10)
	args = parser.parse_args()
	reps = [f"rep{index:04d}@example.com" for index in range(args.reps)]
	sums, pipeline = generated(reps)
	sums = HistorySums.of(sums)  # as deal_rollup.history_sums hands it over
	best: dict[str, float] = {}
	for _run in range(args.runs):
		for step, seconds in run_once(reps, sums, pipeline).items():
			best[step] = min(seconds, best.get(step, seconds))
	print(f"{args.reps} reps, {len(sums.stages)} history sums, {len(pipeline)} pipeline groups; best of {args.runs}")
	for step, seconds in best.items():
		print(f"  {step:<20} {seconds * 1000:7.1f} ms")
	print(f"  {'total':<20} {sum(best.values()) * 1000:7.1f} ms")


if __name__ == "__main__":
	main()
