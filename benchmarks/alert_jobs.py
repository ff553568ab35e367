"""The hourly alert job at the scale of a large sales org, on a real site.

Run from the bench's sites folder with the bench's Python, on a THROWAWAY site
(it commits its seed data so that the 10x history run does not hold millions of
rows in one transaction; `--cleanup` deletes them again):

    cd frappe-bench/sites && ../env/bin/python ../apps/sales_process/benchmarks/alert_jobs.py --site <site>

It seeds 100 000 open checkpoint records, 1 000 000 closed ones and 20 000 open
deals, then times `tasks.hourly`:
  1. a run where 2 000 subjects cross a threshold (1 000 records fall due, 1 000 deals stall),
  2. a run with nothing new,
then adds closed history up to 10x and repeats both. Prints figures; asserts nothing.
Targets (issue 6): <= 10 s for 2 000 new alerts, <= 0.5 s for a run with nothing new,
and the last two figures flat against the first two.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta

import frappe

MARK = "BENCH-"
COMPANY_ABBR = "BEN"
REPS = 50


def seed_users_and_tree(company: str) -> list[str]:
	from sales_process.testing import make_sales_person, make_user

	director = make_user("bench-director@example.com", ["Sales User", "Sales Manager"])
	top = make_sales_person("_Bench Director", director, company, is_group=1)
	reps = []
	for team in range(5):
		manager = make_user(f"bench-manager-{team}@example.com", ["Sales User"])
		node = make_sales_person(f"_Bench Manager {team}", manager, company, parent=top, is_group=1)
		for index in range(REPS // 5):
			rep = make_user(f"bench-rep-{team}-{index}@example.com", ["Sales User"])
			make_sales_person(f"_Bench Rep {team}-{index}", rep, company, parent=node)
			reps.append(rep)
	frappe.db.commit()
	return reps


def bulk_records(
	count: int, start: int, status: str, due: datetime, reps: list[str], company: str, deals: int
):
	fields = [
		"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "checkpoint", "status",
		"reference_doctype", "reference_name", "trigger_key", "assigned_to", "company", "triggered_on",
		"due_on", "due_soon_on", "completed_on",
	]  # fmt: skip
	chunk = 20_000
	for offset in range(0, count, chunk):
		rows = []
		for i in range(start + offset, start + min(offset + chunk, count)):
			rows.append(
				(
					f"{MARK}SCR-{i:09d}", due, due, "Administrator", "Administrator", 0, 0,
					"Requirement Clarification", status, "Opportunity", f"{MARK}OPP-{i % deals:06d}",
					f"bench:{i}", reps[i % len(reps)], company, due - timedelta(hours=48), due,
					due - timedelta(hours=12), due - timedelta(hours=1) if status == "Completed" else None,
				)
			)  # fmt: skip
		frappe.db.bulk_insert("Sales Checkpoint Record", fields, rows, ignore_duplicates=True)
		frappe.db.commit()


def bulk_deals(count: int, company: str, reps: list[str], next_check: datetime, entered: datetime):
	fields = [
		"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "naming_series",
		"opportunity_from", "party_name", "status", "opportunity_type", "company", "sales_stage",
		"opportunity_owner", "transaction_date", "currency", "conversion_rate", "probability",
		"sp_stage_entered_on", "sp_stall_next_on", "sp_compliance",
	]  # fmt: skip
	customer = frappe.db.get_value("Customer", {}, "name")
	currency = frappe.db.get_value("Company", company, "default_currency")
	rows = [
		(
			f"{MARK}OPP-{i:06d}",
			entered,
			entered,
			"Administrator",
			"Administrator",
			0,
			0,
			"CRM-OPP-.YYYY.-",
			"Customer",
			customer,
			"Open",
			"Sales",
			company,
			"Needs Analysis",
			reps[i % len(reps)],
			entered.date(),
			currency,
			1,
			30,
			entered,
			next_check,
			0,
		)  # fmt: skip
		for i in range(count)
	]
	frappe.db.bulk_insert("Opportunity", fields, rows, ignore_duplicates=True)
	frappe.db.commit()


def timed(label: str, now: datetime):
	from sales_process import tasks

	before = frappe.db.count("Sales Process Alert")
	started = time.perf_counter()
	tasks.hourly(now=now)
	frappe.db.commit()
	spent = time.perf_counter() - started
	print(f"{label:<58} {spent:8.2f} s   new alerts {frappe.db.count('Sales Process Alert') - before:>6}")
	return spent


def cross_thresholds(now: datetime, records: int, deals: int, start: int):
	"""Make `records` open records fall due and `deals` deals reach their stall check before `now`."""
	record = frappe.qb.DocType("Sales Checkpoint Record")
	names = [f"{MARK}SCR-{i:09d}" for i in range(start, start + records)]
	frappe.qb.update(record).set(record.due_on, now - timedelta(minutes=5)).set(
		record.due_soon_on, now - timedelta(hours=10)
	).where(record.name.isin(names)).run()
	deal = frappe.qb.DocType("Opportunity")
	opp = [f"{MARK}OPP-{i:06d}" for i in range(start, start + deals)]
	frappe.qb.update(deal).set(deal.sp_stall_next_on, now - timedelta(minutes=5)).set(
		deal.sp_stage_entered_on, now - timedelta(days=30)
	).where(deal.name.isin(opp)).run()
	frappe.db.commit()


def cleanup():
	for doctype, field in (
		("Sales Process Alert", "reference_name"),
		("Sales Checkpoint Record", "name"),
		("Opportunity", "name"),
	):
		table = frappe.qb.DocType(doctype)
		frappe.qb.from_(table).delete().where(table[field].like(f"{MARK}%")).run()
	frappe.db.commit()


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--open-records", type=int, default=100_000)
	parser.add_argument("--closed-records", type=int, default=1_000_000)
	parser.add_argument("--deals", type=int, default=20_000)
	parser.add_argument("--history-factor", type=int, default=10)
	parser.add_argument("--cleanup", action="store_true", help="delete the seeded rows and stop")
	args = parser.parse_args()

	frappe.init(site=args.site)
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		if args.cleanup:
			cleanup()
			return
		from sales_process.testing import enroll, test_company

		company = test_company()
		enroll(company)
		frappe.db.commit()
		now = datetime.now().replace(microsecond=0)
		reps = seed_users_and_tree(company)
		print(
			f"seeding {args.deals:,} deals, {args.open_records:,} open and {args.closed_records:,} closed records ..."
		)
		started = time.perf_counter()
		bulk_deals(args.deals, company, reps, now + timedelta(days=30), now)
		bulk_records(args.open_records, 0, "Pending", now + timedelta(days=30), reps, company, args.deals)
		bulk_records(
			args.closed_records, 10_000_000, "Completed", now - timedelta(days=200), reps, company, args.deals
		)
		print(f"seeded in {time.perf_counter() - started:.0f} s")
		timed("warm-up run (nothing new)", now)

		cross_thresholds(now, 1_000, 1_000, 0)
		timed(f"2 000 subjects cross a threshold ({args.closed_records:,} closed)", now)
		timed(f"nothing new ({args.closed_records:,} closed)", now + timedelta(minutes=1))

		extra = args.closed_records * (args.history_factor - 1)
		print(f"adding {extra:,} closed records ...")
		started = time.perf_counter()
		bulk_records(extra, 20_000_000, "Completed", now - timedelta(days=400), reps, company, args.deals)
		print(f"added in {time.perf_counter() - started:.0f} s")
		cross_thresholds(now, 1_000, 1_000, 2_000)
		closed = args.closed_records * args.history_factor
		timed(f"2 000 subjects cross a threshold ({closed:,} closed)", now + timedelta(minutes=2))
		timed(f"nothing new ({closed:,} closed)", now + timedelta(minutes=3))
	finally:
		frappe.destroy()


if __name__ == "__main__":
	main()
