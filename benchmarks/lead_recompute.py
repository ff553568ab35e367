"""The daily lead recompute over 200 k leads on a real site (MariaDB).

Run from the bench's sites folder with the bench's Python, on a THROWAWAY site (it commits its
seed rows in bulk; `--cleanup` deletes them again):

    cd frappe-bench/sites
    ../env/bin/python ../apps/sales_process/benchmarks/lead_recompute.py --site <site> --seed
    ../env/bin/python ../apps/sales_process/benchmarks/lead_recompute.py --site <site> --run
    ../env/bin/python ../apps/sales_process/benchmarks/lead_recompute.py --site <site> --cleanup

`--seed` writes 200 000 leads of the first company (enrolled) with about 3 communications each
(emails received and sent, calls) over the last 120 days, 5 % of them with a visit, and a Sales
Lead Rule. `--run` times `tasks.recompute_lead_scores`:

1. the backfill: every lead scored by no rule yet (what a new rule or the v0_6 patch runs);
2. the next day's run, with the leads whose score fades by then;
3. a run with nothing due (the two index range scans only);
4. the rule changed: every lead re-scored again.

Prints figures; asserts nothing. Target (issue 9): <= 30 s for the daily recompute over 200 k
leads. The engine alone: benchmarks/lead_scoring.py (1 M leads, <= 2 s).
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import timedelta

import frappe
import numpy as np
from frappe.utils import now_datetime

MARK = "BENCH-LEAD-"
RULE = "_Bench Lead Pool"


def seed(count: int, seed_value: int):
	from sales_process.demo.scale import _insert_rows
	from sales_process.testing import enroll, test_company

	company = test_company()
	enroll(company)
	frappe.db.commit()
	rng = np.random.default_rng(seed_value)
	now = now_datetime()
	industries = np.array(["Manufacturing", "Aerospace", "Agriculture", "Airline", None], dtype=object)
	ranges = np.array(["1-10", "11-50", "51-200", "201-500", "501-1000", "1000+", None], dtype=object)
	sources = np.array(["Cold Calling", "Exhibition", "Advertisement", "Campaign", "Walk In"], dtype=object)
	lead_fields = [
		"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "naming_series",
		"lead_name", "company_name", "company", "lead_owner", "status", "industry", "annual_revenue",
		"no_of_employees", "source", "qualification_status", "sp_score", "sp_pooled",
	]  # fmt: skip
	comm_fields = [
		"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "subject",
		"communication_type", "communication_medium", "sent_or_received", "reference_doctype",
		"reference_name", "communication_date", "status",
	]  # fmt: skip
	visit_fields = [
		"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "rep", "party_type",
		"party", "status", "check_in_time",
	]  # fmt: skip
	chunk = 20_000
	t0 = time.perf_counter()
	comms = visits = 0
	for start in range(0, count, chunk):
		stop = min(start + chunk, count)
		n = stop - start
		created = [now - timedelta(days=float(d)) for d in rng.uniform(0, 365, n)]
		industry = industries[rng.integers(0, len(industries), n)]
		employees = ranges[rng.integers(0, len(ranges), n)]
		source = sources[rng.integers(0, len(sources), n)]
		revenue = np.round(rng.lognormal(16, 1.5, n), 2)
		leads = []
		for i in range(n):
			name = f"{MARK}{start + i:07d}"
			leads.append(
				(
					name, created[i], created[i], "Administrator", "Administrator", 0, 0, "CRM-LEAD-.YYYY.-",
					f"Bench Lead {start + i}", f"Bench Co {start + i}", company, "Administrator", "Open",
					industry[i], float(revenue[i]), employees[i], source[i], "Unqualified", 0, 0,
				)
			)  # fmt: skip
		_insert_rows("Lead", lead_fields, leads)
		per_lead = rng.poisson(3, n)
		rows = []
		for i in np.flatnonzero(per_lead).tolist():
			for _k in range(int(per_lead[i])):
				age = float(rng.uniform(0, 120))
				on = now - timedelta(days=age)
				medium, direction = [("Email", "Received"), ("Email", "Sent"), ("Phone", "Sent")][
					int(rng.integers(0, 3))
				]
				rows.append(
					(
						f"{MARK}C{comms:08d}", on, on, "Administrator", "Administrator", 0, 0, "Bench",
						"Communication", medium, direction, "Lead", f"{MARK}{start + i:07d}", on, "Linked",
					)
				)  # fmt: skip
				comms += 1
		_insert_rows("Communication", comm_fields, rows)
		rows = []
		for i in np.flatnonzero(rng.random(n) < 0.05).tolist():
			on = now - timedelta(days=float(rng.uniform(0, 120)))
			row = (f"{MARK}V{visits:07d}", on, on, "Administrator", "Administrator", 0, 0, "Administrator")
			rows.append((*row, "Lead", f"{MARK}{start + i:07d}", "Checked In", on))
			visits += 1
		_insert_rows("Sales Visit Log", visit_fields, rows)
		frappe.db.commit()
	print(
		f"seeded {count:,} leads, {comms:,} communications, {visits:,} visits in {time.perf_counter() - t0:.1f} s"
	)
	make_rule(company)
	frappe.db.commit()


def make_rule(company: str, exhibition_points: float = 10):
	from sales_process.process import leads

	frappe.db.set_value("Sales Lead Rule", {"company": company, "enabled": 1}, "enabled", 0)
	if frappe.db.exists("Sales Lead Rule", RULE):
		rule = frappe.get_doc("Sales Lead Rule", RULE)
		rule.enabled = 1
		rule.criteria[-1].points = exhibition_points
	else:
		rule = frappe.get_doc(
			{
				"doctype": "Sales Lead Rule",
				"rule_name": RULE,
				"company": company,
				"criteria": [
					{
						"lead_field": "industry",
						"operator": "in",
						"value": "Manufacturing, Aerospace",
						"kind": "Pool",
					},
					{"lead_field": "annual_revenue", "operator": ">=", "value": "10000000", "kind": "Pool"},
					{
						"lead_field": "no_of_employees",
						"operator": ">=",
						"value": "51",
						"kind": "Fit",
						"points": 30,
					},
					{
						"lead_field": "source",
						"operator": "=",
						"value": "Exhibition",
						"kind": "Fit",
						"points": exhibition_points,
					},
				],
				"activity": [
					{"engagement_kind": kind, "points": points}
					for kind, points in (
						("Email Received", 5),
						("Reply Sent", 3),
						("Call", 10),
						("Meeting", 15),
						("Visit", 20),
					)
				],
			}
		)
	# the rule's own re-score job is what we time below: keep it out of the save
	rule.flags.ignore_permissions = True
	original = frappe.enqueue
	frappe.enqueue = lambda *args, **kwargs: None
	try:
		rule.save() if not rule.is_new() else rule.insert()
	finally:
		frappe.enqueue = original
	leads.forget_rules()
	return rule


def timed(label: str, fn):
	t0 = time.perf_counter()
	result = fn()
	elapsed = time.perf_counter() - t0
	print(f"{label:58s} {elapsed:7.2f} s   {result:>9,} leads written")
	return elapsed


def run():
	from sales_process import tasks
	from sales_process.process import leads
	from sales_process.testing import test_company

	company = test_company()
	count = frappe.db.count("Lead", {"name": ("like", f"{MARK}%")})
	print(
		f"{count:,} benchmark leads on {frappe.local.site}; MariaDB {frappe.db.sql('select version()')[0][0]}"
	)
	now = now_datetime()
	lead = frappe.qb.DocType("Lead")
	explain = frappe.db.sql(
		"explain select name from `tabLead` where company = %s and (sp_fingerprint < %s or sp_fingerprint > %s"
		" or sp_fingerprint is null)",
		(company, "x", "x"),
		as_dict=True,
	)
	print("fingerprint query plan:", [(row.get("key"), row.get("type"), row.get("rows")) for row in explain])

	# every run starts from leads scored by no rule, under the rule as seeded
	reset = ", ".join(
		f"`{field}` = null" for field in leads.SERVER_FIELDS if field not in ("sp_score", "sp_pooled")
	)
	frappe.db.sql(
		f"update `tabLead` set {reset}, sp_score = 0, sp_pooled = 0, qualification_status = 'Unqualified'"
		" where name like %s",
		(f"{MARK}%",),
	)
	make_rule(company, exhibition_points=10)
	frappe.db.commit()

	def clear_checks():
		frappe.qb.update(lead).set(lead.sp_response_check_on, None).where(lead.name.like(f"{MARK}%")).run()
		frappe.db.commit()

	timed("1. backfill: every lead scored by no rule yet", lambda: tasks.recompute_lead_scores(now))
	frappe.db.commit()
	changing = frappe.db.count(
		"Lead", {"sp_score_valid_until": ("<=", now + timedelta(days=1)), "company": company}
	)
	pooled = frappe.db.count("Lead", {"sp_pooled": 1, "name": ("like", f"{MARK}%")})
	print(f"   pooled {pooled:,}; {changing:,} leads' scores fade by tomorrow")
	timed(
		"2. the next day: leads whose score faded",
		lambda: tasks.recompute_lead_scores(now + timedelta(days=1)),
	)
	frappe.db.commit()
	times = []
	for _ in range(3):
		t0 = time.perf_counter()
		tasks.recompute_lead_scores(now + timedelta(days=1))
		times.append(time.perf_counter() - t0)
	print(f"{'3. nothing due (median of 3)':58s} {sorted(times)[1]:7.2f} s")
	make_rule(company, exhibition_points=25)
	frappe.db.commit()
	timed(
		"4. the rule changed: every lead re-scored",
		lambda: tasks.recompute_lead_scores(now + timedelta(days=1)),
	)
	frappe.db.commit()
	clear_checks()
	t0 = time.perf_counter()
	tasks.first_response_alerts(now + timedelta(days=1))
	print(f"{'hourly first-response check with nothing due':58s} {time.perf_counter() - t0:7.2f} s")
	leads.forget_rules()


def cleanup():
	for doctype in ("Communication", "Sales Visit Log", "Lead"):
		frappe.db.sql(f"delete from `tab{doctype}` where name like %s", (f"{MARK}%",))
	# the rule's rows too: a rule of the same name seeded again would read them as its own
	for child in ("Sales Lead Rule Criterion", "Sales Lead Rule Activity"):
		frappe.db.delete(child, {"parenttype": "Sales Lead Rule", "parent": RULE})
	frappe.db.delete("Sales Lead Rule", {"name": RULE})
	frappe.db.commit()
	print("benchmark rows deleted")


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--leads", type=int, default=200_000)
	parser.add_argument("--seed-value", type=int, default=7)
	parser.add_argument("--seed", action="store_true")
	parser.add_argument("--run", action="store_true")
	parser.add_argument("--cleanup", action="store_true")
	args = parser.parse_args()
	os.environ.setdefault("CI", "1")
	frappe.init(site=args.site)
	frappe.connect()
	try:
		if args.seed:
			seed(args.leads, args.seed_value)
		if args.run:
			run()
		if args.cleanup:
			cleanup()
	finally:
		frappe.destroy()


if __name__ == "__main__":
	main()
