"""Lead scoring throughput: `score_leads` over 1 M leads with about 3 engagements each.

Run: python benchmarks/lead_scoring.py [--leads 1000000] [--seed 7] [--repeat 3]
Prints figures; asserts nothing (the target, ≤ 2 s for 1 M leads, lives in the issue).

The tables are built as the Frappe side reads them: lead names and kinds as text, amounts as
floats, moments as datetimes. A second timing gives the engagements' `lead` and `kind` as
categoricals, the faster form `score_leads` accepts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sales_process.engine.leads import (  # noqa: E402
	Criterion,
	CriterionKind,
	EngagementKind,
	LeadRule,
	score_leads,
)

NOW = datetime(2026, 11, 20, 10, 0)
RATES = {"USD": 7.1, "EUR": 7.7}

RULE = LeadRule(
	[
		Criterion("industry", "in", "Manufacturing, Auto Parts, Electronics"),
		Criterion("annual_revenue", ">=", "10000000"),
		Criterion("no_of_employees", ">=", "51", kind=CriterionKind.FIT, points=20),
		Criterion("territory", "in", "East China, South China", kind=CriterionKind.FIT, points=10),
		Criterion("source", "=", "Cold Calling", kind=CriterionKind.FIT, points=-5),
		Criterion("request_type", "=", "Product Enquiry", kind=CriterionKind.FIT, points=10),
	],
	activity_points={
		EngagementKind.EMAIL_RECEIVED: 5,
		EngagementKind.REPLY_SENT: 3,
		EngagementKind.CALL: 10,
		EngagementKind.MEETING: 15,
		EngagementKind.VISIT: 20,
	},
	half_life_days=30,
	window_days=90,
	activity_cap=40,
	currency="CNY",
)


def pick(rng, options, count):
	return np.array(options, dtype=object)[rng.integers(0, len(options), count)]


def make_tables(count: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
	rng = np.random.default_rng(seed)
	names = np.array([f"CRM-LEAD-2026-{i:07d}" for i in range(count)], dtype=object)
	leads = pd.DataFrame(
		{
			"lead": names,
			"industry": pick(
				rng, ["Manufacturing", "Auto Parts", "Electronics", "Retail", "Finance", None], count
			),
			"annual_revenue": np.round(rng.lognormal(16, 1.5, count), 2),
			"currency": pick(rng, ["CNY", "CNY", "CNY", "USD", "EUR", "JPY"], count),  # no JPY rate
			"no_of_employees": pick(
				rng, ["1-10", "11-50", "51-200", "201-500", "501-1000", "1000+", None], count
			),
			"territory": pick(rng, ["East China", "South China", "North China", "West China"], count),
			"source": pick(rng, ["Cold Calling", "Exhibition", "Website", "Referral", "Campaign"], count),
			"request_type": pick(rng, ["Product Enquiry", "Request for Information", None], count),
		}
	)
	per_lead = rng.poisson(3, count)
	owners = np.repeat(np.arange(count), per_lead)
	rng.shuffle(owners)  # engagements come from several tables, not sorted by lead
	ages_us = rng.integers(0, 120 * 86_400_000_000, len(owners))
	# separate string objects, as rows read from the database are (no hash computed yet)
	references = np.array([f"CRM-LEAD-2026-{i:07d}" for i in owners.tolist()], dtype=object)
	engagements = pd.DataFrame(
		{
			"lead": references,
			"kind": pick(rng, [*EngagementKind.ALL, "Note"], len(owners)),
			"occurred_on": (np.datetime64(NOW, "us") - ages_us.astype("timedelta64[us]")),
		}
	)
	return leads, engagements


def timed(fn, repeat: int) -> tuple[list[float], object]:
	times, result = [], None
	for _ in range(repeat):
		t0 = time.perf_counter()
		result = fn()
		times.append(time.perf_counter() - t0)
	return times, result


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--leads", type=int, default=1_000_000)
	parser.add_argument("--seed", type=int, default=7)
	parser.add_argument("--repeat", type=int, default=3)
	args = parser.parse_args()

	t0 = time.perf_counter()
	leads, engagements = make_tables(args.leads, args.seed)
	print(
		f"built {len(leads):,} leads and {len(engagements):,} engagements in {time.perf_counter() - t0:.1f} s"
		f" (seed {args.seed})"
	)

	times, table = timed(lambda: score_leads(leads, engagements, RULE, NOW, RATES), args.repeat)
	print(
		f"score_leads, text keys        median {statistics.median(times):6.2f} s  (min {min(times):.2f} s,"
		f" {args.repeat} runs)"
	)
	categorical = engagements.assign(
		lead=pd.Categorical(engagements["lead"], categories=leads["lead"]),
		kind=engagements["kind"].astype("category"),
	)
	times, _ = timed(lambda: score_leads(leads, categorical, RULE, NOW, RATES), args.repeat)
	print(
		f"score_leads, categorical keys median {statistics.median(times):6.2f} s  (min {min(times):.2f} s,"
		f" {args.repeat} runs)"
	)

	pooled = table["pooled"].mean() * 100
	changing = table["valid_until"].notna()
	due_soon = (table["valid_until"] <= pd.Timestamp(NOW) + pd.Timedelta(days=1)).sum()
	print(
		f"pooled {pooled:.1f} %, grades {table['grade'].value_counts().sort_index().to_dict()},"
		f" mean score {table['score'].mean():.1f}"
	)
	print(
		f"valid_until set for {changing.mean() * 100:.1f} %; {due_soon:,} leads"
		f" ({due_soon / len(table) * 100:.1f} %) to re-score by tomorrow's job"
	)


if __name__ == "__main__":
	main()
