"""The hourly alert job at the scale of a large sales org, on a real site.

Run from the bench's sites folder with the bench's Python, on a THROWAWAY site
(it commits its seed data, so that ten million rows are not held in one
transaction; `--cleanup` deletes them again):

    cd frappe-bench/sites
    ../env/bin/python ../apps/sales_process/benchmarks/alert_jobs.py --site <site> --seed --run 0
    ../env/bin/python ../apps/sales_process/benchmarks/alert_jobs.py --site <site> --closed-total 10000000 --run 1

`--seed` makes 20 000 open deals, 100 000 open and 1 000 000 closed checkpoint
records; `--run K` times `tasks.hourly` with nothing new, then with block K of
2 000 subjects crossing a threshold (1 000 records fall due, 1 000 deals stall:
3 000 alerts, as a stalled deal gets its yellow and red at once), then with
nothing new again, and then the delivery of those alerts (notification, ToDo,
email), which the hourly job hands to a background worker. Prints figures;
asserts nothing. Targets (issue 6): <= 10 s for 2 000 subjects, <= 0.5 s with
nothing new, flat from 1 M to 10 M closed records.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import datetime, timedelta

import frappe
from frappe.utils import now_datetime

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
	"""Open records belong to the open deals (5 each); closed ones to as many closed deals as a
	year of 1.2 M records has (6 each), so each deal holds what a real one does."""
	closed = status == "Completed"
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
					"Requirement Clarification", status, "Opportunity",
					f"{MARK}CLOSED-{i // 6:07d}" if closed else f"{MARK}OPP-{i % deals:06d}",
					f"bench:{i}", reps[i % len(reps)], company, due - timedelta(hours=48), due,
					due - timedelta(hours=12), due - timedelta(hours=1) if status == "Completed" else None,
				)
			)  # fmt: skip
		_insert_rows("Sales Checkpoint Record", fields, rows)
		frappe.db.commit()


def _insert_rows(doctype: str, fields: list[str], rows: list[tuple]):
	"""Seed rows fast: one parametrised INSERT sent by the driver in batches (frappe.db.bulk_insert
	builds each query in Python, which takes most of an hour for ten million rows)."""
	columns = ", ".join(f"`{field}`" for field in fields)
	placeholders = ", ".join(["%s"] * len(fields))
	frappe.db.sql("select 1")  # make sure the connection is open
	frappe.db._cursor.executemany(
		f"INSERT IGNORE INTO `tab{doctype}` ({columns}) VALUES ({placeholders})", rows
	)


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
	if os.environ.get("SP_PROFILE"):
		import cProfile
		import pstats

		profile = cProfile.Profile()
		profile.runcall(tasks.hourly, now=now)
		pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
	else:
		tasks.hourly(now=now)
	frappe.db.commit()
	spent = time.perf_counter() - started
	print(
		f"{label:<58} {spent:8.2f} s   new alerts {frappe.db.count('Sales Process Alert') - before:>6}",
		flush=True,
	)
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


def deliver_new(since: datetime) -> tuple[int, float]:
	"""Run the delivery (notification, ToDo, email) of the alerts raised since `since`, as one worker would."""
	from sales_process.process.alerts import deliver

	names = frappe.get_all("Sales Process Alert", filters={"creation": (">=", since)}, pluck="name")
	started = time.perf_counter()
	deliver([(name, None) for name in names])
	frappe.db.commit()
	return len(names), time.perf_counter() - started


def sizes() -> str:
	return (
		f"{frappe.db.count('Sales Checkpoint Record', {'status': 'Completed'}):,} closed, "
		f"{frappe.db.count('Sales Checkpoint Record', {'status': ('in', ['Pending', 'Due Soon', 'Overdue'])}):,} open records, "
		f"{frappe.db.count('Opportunity', {'status': 'Open'}):,} open deals"
	)


def main():
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", required=True)
	parser.add_argument(
		"--seed", action="store_true", help="seed deals, open and closed records (idempotent)"
	)
	parser.add_argument(
		"--closed-total", type=int, default=0, help="add closed records until there are this many"
	)
	parser.add_argument(
		"--run",
		type=int,
		metavar="BLOCK",
		help="time the hourly job with block BLOCK of 2 000 subjects crossing, then with nothing new",
	)
	parser.add_argument("--open-records", type=int, default=100_000)
	parser.add_argument("--closed-records", type=int, default=1_000_000)
	parser.add_argument("--deals", type=int, default=20_000)
	parser.add_argument("--cleanup", action="store_true", help="delete the seeded rows")
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
		now = now_datetime().replace(microsecond=0)  # the site's clock, as the job reads it
		if args.seed:
			enroll(company)
			frappe.db.commit()
			reps = seed_users_and_tree(company)
			started = time.perf_counter()
			bulk_deals(args.deals, company, reps, now + timedelta(days=30), now)
			bulk_records(args.open_records, 0, "Pending", now + timedelta(days=30), reps, company, args.deals)
			bulk_records(
				args.closed_records,
				10_000_000,
				"Completed",
				now - timedelta(days=200),
				reps,
				company,
				args.deals,
			)
			print(f"seeded in {time.perf_counter() - started:.0f} s: {sizes()}", flush=True)
		if args.closed_total:
			reps = frappe.get_all("User", filters={"name": ("like", "bench-rep-%")}, pluck="name")
			have = frappe.db.count("Sales Checkpoint Record", {"status": "Completed"})
			if args.closed_total > have:
				started = time.perf_counter()
				bulk_records(
					args.closed_total - have,
					20_000_000 + have,
					"Completed",
					now - timedelta(days=400),
					reps,
					company,
					args.deals,
				)
				print(
					f"added {args.closed_total - have:,} closed in {time.perf_counter() - started:.0f} s: {sizes()}",
					flush=True,
				)
		if args.run is not None:
			print(sizes(), flush=True)
			timed("nothing new (before)", now)
			cross_thresholds(now, 1_000, 1_000, args.run * 2_000)
			since = now_datetime()
			timed("2 000 subjects cross a threshold", now + timedelta(minutes=1))
			timed("nothing new (after)", now + timedelta(minutes=2))
			count, spent = deliver_new(since - timedelta(seconds=1))
			print(
				f"{'delivery (notification, ToDo, email) by one worker':<58} {spent:8.2f} s   alerts {count:>6}",
				flush=True,
			)
	finally:
		frappe.destroy()


if __name__ == "__main__":
	main()
