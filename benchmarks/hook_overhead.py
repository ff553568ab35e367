"""What the app adds to saving an Opportunity and submitting a Quotation, on a real site.

Run from the bench's sites folder with the bench's Python:
    cd frappe-bench/sites && ../env/bin/python ../apps/sales_process/benchmarks/hook_overhead.py --site <site>

It seeds 10 000 checkpoint records (as existing history), then times the app's own
hook functions inside real saves and submits, and the whole save with the app's
company under process control vs not. Everything runs in one transaction that is
rolled back at the end. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from functools import wraps

import frappe


def percentile(values, share):
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def instrument(module, names, spent):
	"""Wrap hook functions so their own time is added to `spent` (doc_events are resolved by name)."""
	originals = {}
	for name in names:
		original = getattr(module, name)
		originals[name] = original

		@wraps(original)
		def timed(*args, __original=original, **kwargs):
			t0 = time.perf_counter()
			try:
				return __original(*args, **kwargs)
			finally:
				spent["current"] += time.perf_counter() - t0

		setattr(module, name, timed)
	return originals


def seed_history(company, count):
	from frappe.utils import add_days, now_datetime

	now = now_datetime()
	fields = [
		"name",
		"checkpoint",
		"status",
		"reference_doctype",
		"reference_name",
		"trigger_key",
		"company",
		"triggered_on",
		"due_on",
		"due_soon_on",
		"creation",
		"modified",
		"owner",
		"modified_by",
		"docstatus",
	]
	rows = []
	for i in range(count):
		due = add_days(now, (i % 60) - 30)
		rows.append(
			(
				f"SCR-BENCH-{i:07d}",
				"Requirement Clarification",
				"Completed" if i % 5 else "Overdue",
				"Opportunity",
				f"CRM-OPP-BENCH-{i // 6:06d}",
				f"k{i}",
				company,
				due,
				due,
				due,
				now,
				now,
				"Administrator",
				"Administrator",
				0,
			)
		)
	frappe.db.bulk_insert("Sales Checkpoint Record", fields, rows)


def main(site, saves, history):
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	from sales_process.events import opportunity as opportunity_events
	from sales_process.events import quotation as quotation_events
	from sales_process.testing import make_item, make_opportunity, make_quotation, test_company

	company = test_company()
	settings = frappe.get_single("Sales Process Settings")
	settings.enabled = 1
	if company not in {row.company for row in settings.companies}:
		settings.append("companies", {"company": company})
	settings.save()
	seed_history(company, history)
	existing = frappe.db.count("Sales Checkpoint Record")

	spent = defaultdict(float)
	instrument(opportunity_events, ["validate", "on_change"], spent)
	instrument(quotation_events, ["validate", "on_update", "before_submit", "on_submit"], spent)

	results = defaultdict(list)
	stages = ["Qualification", "Prospecting"]  # back and forth: never gated, always logged
	item = make_item()
	for i in range(saves):
		opportunity = make_opportunity(company)
		spent["current"] = 0
		t0 = time.perf_counter()
		opportunity.sales_stage = stages[i % 2]
		opportunity.save()
		results["opportunity save: whole save"].append(time.perf_counter() - t0)
		results["opportunity save: app hooks"].append(spent["current"])

		quotation = make_quotation(opportunity.name, [item])
		spent["current"] = 0
		t0 = time.perf_counter()
		quotation.submit()
		results["quotation submit: whole submit"].append(time.perf_counter() - t0)
		results["quotation submit: app hooks"].append(spent["current"])

	# the same saves with the company outside the process: the app's guard clauses only
	settings.companies = [row for row in settings.companies if row.company != company]
	settings.save()
	for i in range(saves):
		opportunity = make_opportunity(company)
		spent["current"] = 0
		opportunity.sales_stage = stages[i % 2]
		opportunity.save()
		results["opportunity save, company not enrolled: app hooks"].append(spent["current"])

	print(f"site {site}: {existing:,} checkpoint records in the table, {saves} saves each")
	for label, values in results.items():
		ms = [v * 1000 for v in values]
		print(f"{label:<52} p50 {statistics.median(ms):7.2f} ms   p95 {percentile(ms, 0.95):7.2f} ms")
	frappe.db.rollback()
	frappe.destroy()


if __name__ == "__main__":
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--saves", type=int, default=50)
	parser.add_argument("--history", type=int, default=10_000)
	args = parser.parse_args()
	main(args.site, args.saves, args.history)
