"""Each Sales Process report on MariaDB over a large org's year (DESIGN.md §3).

Targets (issue 7): a month's range ≤ 0.15 s, a whole year ≤ 0.5 s.

Fill a throwaway site first with the demo command at benchmark size, e.g.
    bench --site bench.localhost sales-process-demo --scale --reps 500 --months 12
then, from the bench's sites folder:
    ../env/bin/python ../apps/sales_process/benchmarks/reports.py --site bench.localhost [--runs 3]

Prints the data sizes (and with --rebuild the time to rebuild each rollup), and per report and range the median of `--runs`
warm runs (after one cold run, also printed) as a Sales Manager (every rep) and, when the
site has a Sales Person tree, as one team manager.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time
from datetime import date, timedelta

import frappe
from frappe.utils import add_months, get_first_day, getdate

REPORTS = {
	"Process Compliance": [{"group_by": "Rep"}, {"group_by": "Month"}],
	"Funnel Health": [{"view": "Stages"}, {"view": "Rep × Checkpoint"}],
	"Objection Analysis": [
		{"view": "Top Types"},
		{"view": "Trend by Month"},
		{"view": "By Stage"},
		{"view": "By Item Group"},
		{"view": "Strategies"},
	],
	"Visit Effectiveness": [{}],
	"Target Back-calculation": [{"target": 100_000_000}],
	"Alert Response Time": [{}],
}
TABLES = [
	"Opportunity",
	"Sales Checkpoint Record",
	"Sales Stage Log",
	"Sales Visit Log",
	"Sales Objection",
	"Sales Process Alert",
	"Sales Compliance Month",
	"Sales Visit Month",
	"Sales Stage Month",
]


def executor(report: str):
	module = frappe.scrub(report)
	return importlib.import_module(f"sales_process.sales_process.report.{module}.{module}").execute


def timed(function, runs: int):
	started = time.perf_counter()
	result = function()
	cold = time.perf_counter() - started
	warm = []
	for _ in range(runs):
		started = time.perf_counter()
		function()
		warm.append(time.perf_counter() - started)
	return cold, statistics.median(warm), result


def ranges(today: date) -> dict[str, tuple[date, date]]:
	last_month = add_months(get_first_day(today), -1)
	return {
		"month": (last_month, get_first_day(today) - timedelta(days=1)),
		"year": (add_months(get_first_day(today), -12), get_first_day(today) - timedelta(days=1)),
		"year to today": (add_months(today, -12) + timedelta(days=1), today),
	}


def team_manager() -> str | None:
	"""The user of the group Sales Person with the most reps below it whose reading is limited to
	their team (a head of sales with the Sales Manager role reads every rep)."""
	from sales_process.process.report_scope import readable_reps

	groups = frappe.get_all(
		"Sales Person",
		filters={"is_group": 1, "parent_sales_person": ("is", "set"), "employee": ("is", "set")},
		fields=["name", "employee"],
		order_by="rgt - lft desc",
	)
	for group in groups:
		user = frappe.db.get_value("Employee", group.employee, "user_id")
		if user and readable_reps(user) is not None:
			return user
	return None


def main(site: str, runs: int, company: str | None, rebuild: bool, only: str | None):
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	from sales_process.process import rollups

	print(f"site {site}")
	for table in TABLES:
		print(f"  {table:<26} {frappe.db.count(table):>12,} rows")

	if rebuild:
		# the rollups are kept by every write; a rebuild is for a restore or a bulk load
		for rollup in rollups.every_rollup():
			started = time.perf_counter()
			written = rollups.rebuild(rollup)
			frappe.db.commit()
			print(f"{rollup.doctype} rebuilt: {written:,} rows in {time.perf_counter() - started:.1f} s")

	today = getdate()
	manager = team_manager()
	readers = [("Administrator", "all reps")] + ([(manager, "one team")] if manager else [])
	print(f"{'report':<26} {'filters':<28} {'range':<14} {'reader':<10} {'cold':>8} {'warm p50':>9} rows")
	for report, variants in REPORTS.items():
		if only and only.lower() not in report.lower():
			continue
		execute = executor(report)
		for extra in variants:
			for label, (from_date, to_date) in ranges(today).items():
				filters = {"from_date": str(from_date), "to_date": str(to_date), **extra}
				if company:
					filters["company"] = company
				for user, reader in readers:
					frappe.set_user(user)
					cold, warm, result = timed(lambda run=execute, given=filters: run(dict(given)), runs)
					shown = ", ".join(f"{k}={v}" for k, v in extra.items())[:28]
					print(
						f"{report:<26} {shown:<28} {label:<14} {reader:<10} {cold:8.3f} {warm:9.3f} {len(result[1])}"
					)
			frappe.set_user("Administrator")
	frappe.db.rollback()
	frappe.destroy()


if __name__ == "__main__":
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", required=True)
	parser.add_argument("--runs", type=int, default=3)
	parser.add_argument("--company")
	parser.add_argument("--rebuild", action="store_true", help="time a rebuild of every rollup first")
	parser.add_argument("--only", help="only the reports whose name contains this")
	args = parser.parse_args()
	main(args.site, args.runs, args.company, args.rebuild, args.only)
