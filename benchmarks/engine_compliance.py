"""Engine throughput: compliance over 1 M checkpoint records, and one save's rule work.

Run: python benchmarks/engine_compliance.py [--records 1000000]
Prints figures; asserts nothing (targets live in the README and the issue).
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

from sales_process.engine.compliance import compliance_table  # noqa: E402
from sales_process.engine.gate import leave_stage_blockers  # noqa: E402
from sales_process.engine.rules import (  # noqa: E402
	CheckpointRule,
	DealSnapshot,
	Gate,
	RecordState,
	RecordStatus,
	Trigger,
)
from sales_process.engine.triggers import checkpoints_triggered  # noqa: E402

AS_OF = datetime(2026, 12, 31)
STATUSES = np.array(RecordStatus.ALL, dtype=object)


def make_records(n: int, reps: int = 500, checkpoints: int = 6, seed: int = 7) -> pd.DataFrame:
	rng = np.random.default_rng(seed)
	start = np.datetime64("2026-01-01T00:00")
	due = start + rng.integers(0, 365 * 24 * 60, n).astype("timedelta64[m]")
	completed = due + rng.integers(-72 * 60, 24 * 60, n).astype("timedelta64[m]")
	status = STATUSES[rng.choice(len(STATUSES), n, p=[0.05, 0.03, 0.07, 0.78, 0.05, 0.02])]
	completed = np.where(status == RecordStatus.COMPLETED, completed, np.datetime64("NaT"))
	return pd.DataFrame(
		{
			"rep": pd.Categorical(rng.integers(0, reps, n).astype(str)),
			"checkpoint": pd.Categorical(rng.integers(0, checkpoints, n).astype(str)),
			"status": status,
			"due_on": due,
			"completed_on": completed,
		}
	)


def timed(fn, repeat: int) -> list[float]:
	times = []
	for _ in range(repeat):
		t0 = time.perf_counter()
		fn()
		times.append(time.perf_counter() - t0)
	return times


def bench_compliance(n: int):
	records = make_records(n)
	for by in (["rep"], ["checkpoint"], ["rep", "checkpoint"]):
		times = timed(lambda by=by: compliance_table(records, by, AS_OF), 5)
		print(
			f"compliance over {n:,} records by {'+'.join(by):<15} median {statistics.median(times) * 1000:8.1f} ms  (min {min(times) * 1000:.1f} ms)"
		)


def bench_rules_per_save():
	stages = [
		"Prospecting",
		"Qualification",
		"Needs Analysis",
		"Value Proposition",
		"Proposal/Price Quote",
		"Negotiation/Review",
	]
	order = {stage: i * 10 for i, stage in enumerate(stages)}
	rules = [
		CheckpointRule(
			"Requirement Clarification",
			Trigger.OPPORTUNITY_CREATED,
			gate=Gate.LEAVE_STAGE,
			gate_stage="Needs Analysis",
			due_value=48,
		),
		CheckpointRule(
			"Solution Match Verification", Trigger.QUOTATION_DRAFTED, gate=Gate.SUBMIT_QUOTATION, due_value=72
		),
		CheckpointRule("Competitor Response Record", Trigger.COMPETITOR_ADDED, due_value=24),
		CheckpointRule(
			"Decision Chain Mapping",
			Trigger.ENTERS_STAGE,
			trigger_stage="Proposal/Price Quote",
			gate=Gate.LEAVE_STAGE,
			due_value=5,
			due_unit="Working Days",
		),
		CheckpointRule("Risk Pre-registration", Trigger.RISK_SIGNAL),
		CheckpointRule(
			"Contract Terms Consensus",
			Trigger.SALES_ORDER_DRAFTED,
			gate=Gate.SUBMIT_SALES_ORDER,
			due_value=72,
		),
	]
	before = DealSnapshot(
		stage="Needs Analysis", attributes={"industry": "Auto Parts"}, competitors=frozenset({"Acme"})
	)
	after = DealSnapshot(
		stage="Proposal/Price Quote",
		attributes={"industry": "Auto Parts"},
		competitors=frozenset({"Acme", "Globex"}),
	)
	records = [RecordState(r.name, "k", RecordStatus.COMPLETED, name=f"R{i}") for i, r in enumerate(rules)]
	now = datetime(2026, 11, 23, 10)

	def one_save():
		leave_stage_blockers(rules, records, after, before.stage, after.stage, order)
		checkpoints_triggered(rules, before, after, now, {("Decision Chain Mapping", "k")}, order)

	n = 20000
	times = timed(one_save, n)
	print(
		f"engine work of one Opportunity save (6 rules, gate + triggers): median {statistics.median(times) * 1e6:.1f} µs, p95 {np.percentile(times, 95) * 1e6:.1f} µs over {n:,} runs"
	)


if __name__ == "__main__":
	parser = argparse.ArgumentParser()
	parser.add_argument("--records", type=int, default=1_000_000)
	args = parser.parse_args()
	print(f"pandas {pd.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}")
	bench_compliance(args.records)
	bench_rules_per_save()
