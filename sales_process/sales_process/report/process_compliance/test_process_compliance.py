"""The Process Compliance report on a real site, with answers counted by hand.

Tree: _PC Director (Sales Manager) > _PC North (team lead) > _PC Ann (rep A); _PC Director > _PC Bob
(rep B). Every record falls due in January–February 2025, a period holding no other data.

  rep A   Requirement Clarification  12 due, 11 completed (10 on time), 1 overdue; + 2 waived, 1 cancelled
          Solution Match Verification 8 due,  7 completed (7 on time),  1 overdue
          Contract Terms Consensus    5 due,  4 completed (3 on time),  1 overdue
          = the seed's 12 + 8 + 5 = 25 due, 22 completed → 88 %, on time 20 → 80 %
  rep B   Requirement Clarification   4 due,  1 completed (on time),    3 overdue
          Contract Terms Consensus    2 due,  2 completed (on time)  → 6 due, 3 completed, 50 %
  lead    Solution Match Verification 2 due,  2 completed (on time)
  loner   Solution Match Verification 1 due,  1 completed (on time); in no Sales Person
  all     34 due, 28 completed → 82.4 %; on time 26 → 76.5 %; 6 overdue
"""

import json
from datetime import datetime, timedelta

import frappe
from frappe.desk.query_report import run

from sales_process.testing import (
	EnrolledCompanyTestCase,
	as_user,
	insert_counted,
	make_customer,
	make_sales_person,
	make_user,
)

REPORT = "Process Compliance"
REP_A = "sp-pc-rep-a@example.com"
REP_B = "sp-pc-rep-b@example.com"
LEAD = "sp-pc-lead@example.com"
DIRECTOR = "sp-pc-director@example.com"
FINANCE = "sp-pc-finance@example.com"
LONER = "sp-pc-loner@example.com"
CLARIFY = "Requirement Clarification"
MATCH = "Solution Match Verification"
CONTRACT = "Contract Terms Consensus"
PERIOD = {"from_date": "2025-01-01", "to_date": "2025-02-28"}
JAN, FEB = datetime(2025, 1, 15, 10), datetime(2025, 2, 12, 10)


class TestProcessCompliance(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP_A, ["Sales User"])
		make_user(REP_B, ["Sales User"])
		make_user(LEAD, ["Sales User"])
		make_user(DIRECTOR, ["Sales User", "Sales Manager"])
		make_user(FINANCE, ["Accounts User"])
		make_user(LONER, ["Sales User"])
		director = make_sales_person("_PC Director", DIRECTOR, cls.company, is_group=1)
		north = make_sales_person("_PC North", LEAD, cls.company, parent=director, is_group=1)
		make_sales_person("_PC Ann", REP_A, cls.company, parent=north)
		make_sales_person("_PC Bob", REP_B, cls.company, parent=director)
		frappe.db.set_value("Sales Checkpoint", CONTRACT, "gate", "Submit Sales Order")
		cls.customer = make_customer()
		cls.customer_group = frappe.db.get_value("Customer", cls.customer, "customer_group")
		cls.make_records()

	@classmethod
	def record(cls, rep, checkpoint, status, due_on, on_time=True, customer=None):
		completed_on = None
		if status == "Completed":
			completed_on = due_on - timedelta(hours=2) if on_time else due_on + timedelta(hours=5)
		insert_counted(
			frappe.get_doc(
				{
					"doctype": "Sales Checkpoint Record",
					"name": frappe.generate_hash(length=10),
					"checkpoint": checkpoint,
					"status": status,
					"assigned_to": rep,
					"company": cls.company,
					"customer": customer,
					"triggered_on": due_on - timedelta(days=2),
					"due_on": due_on,
					"completed_on": completed_on,
					"on_time": int(status == "Completed" and on_time),
				}
			)
		)

	@classmethod
	def make_records(cls):
		def many(count, *args, **kwargs):
			for _ in range(count):
				cls.record(*args, **kwargs)

		# rep A, Requirement Clarification: 7 in January (6 completed on time, 1 overdue) and 5 in
		# February (4 on time, 1 late)
		many(6, REP_A, CLARIFY, "Completed", JAN)
		many(1, REP_A, CLARIFY, "Overdue", JAN)
		many(4, REP_A, CLARIFY, "Completed", FEB)
		many(1, REP_A, CLARIFY, "Completed", FEB, on_time=False)
		many(2, REP_A, CLARIFY, "Waived", FEB)
		many(1, REP_A, CLARIFY, "Cancelled", FEB)
		many(7, REP_A, MATCH, "Completed", FEB)
		many(1, REP_A, MATCH, "Overdue", FEB)
		many(3, REP_A, CONTRACT, "Completed", FEB)
		many(1, REP_A, CONTRACT, "Completed", FEB, on_time=False)
		many(1, REP_A, CONTRACT, "Overdue", FEB)
		many(1, REP_B, CLARIFY, "Completed", FEB)
		many(3, REP_B, CLARIFY, "Overdue", FEB)
		many(2, REP_B, CONTRACT, "Completed", FEB, customer=cls.customer)
		many(2, LEAD, MATCH, "Completed", FEB)
		many(1, LONER, MATCH, "Completed", FEB)

	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	def run_as(self, user, **filters):
		with as_user(user):
			return run(REPORT, {"company": self.company, **PERIOD, **filters})

	@staticmethod
	def numbers(row):
		return (row["due"], row["completed"], row["on_time"], row["open_overdue"], row["waived"])

	def test_the_seed_example_comes_out_at_88_percent(self):
		result = self.run_as(REP_A)
		totals = [row for row in result["result"] if row["indent"] == 0]
		self.assertEqual([row["rep"] for row in totals], [REP_A])  # a rep sees only their own rows
		(total,) = totals
		self.assertEqual(self.numbers(total), (25, 22, 20, 3, 2))
		self.assertEqual(
			(total["compliance"], total["on_time_rate"], total["band_key"]), (88.0, 80.0, "Good")
		)
		cells = {row["checkpoint"]: row for row in result["result"] if row["indent"] == 1}
		self.assertEqual(list(cells), [CLARIFY, MATCH, CONTRACT])  # process order
		self.assertEqual(self.numbers(cells[CLARIFY]), (12, 11, 10, 1, 2))
		self.assertEqual((cells[CLARIFY]["compliance"], cells[CLARIFY]["band_key"]), (91.7, "Good"))
		self.assertEqual((cells[CONTRACT]["compliance"], cells[CONTRACT]["band_key"]), (80.0, "Watch"))
		self.assertEqual(cells[CONTRACT]["drill"]["assigned_to"], REP_A)
		self.assertEqual(cells[CONTRACT]["drill"]["checkpoint"], CONTRACT)
		self.assertEqual(cells[CONTRACT]["drill"]["due_on"], ["Between", ["2025-01-01", "2025-02-28"]])
		summary = {item["label"]: item["value"] for item in result["report_summary"]}
		self.assertEqual(summary["Compliance"], 88.0)
		self.assertIn("excluded from due", result["message"])
		self.assertIn("due time falls between", result["message"])

	def test_a_team_lead_sees_the_team_and_a_sales_manager_everyone_weakest_first(self):
		lead = self.run_as(LEAD)
		self.assertEqual({row["rep"] for row in lead["result"]}, {REP_A, LEAD})

		result = self.run_as(DIRECTOR)
		totals = [row for row in result["result"] if row["indent"] == 0]
		self.assertEqual([row["rep"] for row in totals], [REP_B, REP_A, LEAD, LONER])
		self.assertEqual(self.numbers(totals[0]), (6, 3, 3, 3, 0))
		self.assertEqual((totals[0]["compliance"], totals[0]["band_key"]), (50.0, "Poor"))
		summary = {item["label"]: item["value"] for item in result["report_summary"]}
		self.assertEqual(
			(summary["Due"], summary["Overdue"], summary["Compliance"], summary["On-Time Rate"]),
			(34, 6, 82.4, 76.5),
		)
		self.assertEqual(result["chart"]["type"], "bar")
		self.assertEqual(result["chart"]["data"]["datasets"][0]["values"], [50.0, 88.0, 100.0, 100.0])

	def test_finance_sees_only_the_sales_order_checkpoint_company_wide(self):
		result = self.run_as(FINANCE)
		self.assertEqual(
			{row.get("checkpoint") for row in result["result"] if row["indent"] == 1}, {CONTRACT}
		)
		totals = {row["rep"]: row for row in result["result"] if row["indent"] == 0}
		self.assertEqual(set(totals), {REP_A, REP_B})  # the lead has no contract checkpoint
		self.assertEqual(self.numbers(totals[REP_A]), (5, 4, 3, 1, 0))
		self.assertEqual(self.numbers(totals[REP_B]), (2, 2, 2, 0, 0))
		self.assertIn("gate the Sales Order", result["message"])
		# finance cannot read Sales Checkpoint itself: the column is plain text, not a link
		(checkpoint_column,) = [c for c in result["columns"] if c["fieldname"] == "checkpoint"]
		self.assertEqual(checkpoint_column["fieldtype"], "Data")
		self.assertEqual(totals[REP_A]["drill"]["checkpoint"], ["in", [CONTRACT]])
		# asking for another checkpoint gives nothing rather than its figures
		nothing = self.run_as(FINANCE, checkpoint=CLARIFY)
		self.assertEqual(nothing["result"], [])
		self.assertIn("Nothing to show", nothing["message"])

	def test_a_checkpoint_with_nothing_due_but_a_waiver_has_no_band_and_the_answer_is_json(self):
		"""Found clicking through the demo: one waived-only cell beside banded ones put NaN in the
		answer, which the desk cannot parse (the report hung on Loading)."""
		march = datetime(2025, 3, 12, 10)
		self.record(REP_B, MATCH, "Waived", march)
		self.record(REP_B, CLARIFY, "Completed", march)
		result = self.run_as(DIRECTOR, from_date="2025-03-01", to_date="2025-03-31")
		json.dumps(result, allow_nan=False, default=str)  # raises on NaN
		cells = {row["checkpoint"]: row for row in result["result"] if row["indent"] == 1}
		self.assertEqual(self.numbers(cells[MATCH]), (0, 0, 0, 0, 1))
		self.assertEqual(
			(cells[MATCH]["compliance"], cells[MATCH]["band_key"], cells[MATCH]["band"]), (None,) * 3
		)
		self.assertEqual(cells[CLARIFY]["band_key"], "Good")

	def test_a_rep_cannot_widen_their_view_with_the_sales_person_filter(self):
		result = self.run_as(REP_A, sales_person="_PC Bob")
		self.assertEqual(result["result"], [])

	def test_group_by_checkpoint(self):
		result = self.run_as(DIRECTOR, group_by="Checkpoint", sales_person="_PC Director")
		totals = {row["checkpoint"]: row for row in result["result"] if row["indent"] == 0}
		self.assertEqual(list(totals), [CLARIFY, MATCH, CONTRACT])
		self.assertEqual(self.numbers(totals[CLARIFY]), (16, 12, 11, 4, 2))
		self.assertEqual((totals[CLARIFY]["compliance"], totals[CLARIFY]["band_key"]), (75.0, "Watch"))
		self.assertEqual(self.numbers(totals[MATCH]), (10, 9, 9, 1, 0))
		clarify_reps = [
			row["rep"] for row in result["result"] if row["indent"] == 1 and row["checkpoint"] == CLARIFY
		]
		self.assertEqual(clarify_reps, [REP_B, REP_A])  # weakest first
		self.assertEqual(totals[CLARIFY]["drill"]["assigned_to"], ["in", sorted([REP_A, REP_B])])

	def test_group_by_team_totals_each_subtree(self):
		result = self.run_as(DIRECTOR, group_by="Team", sales_person="_PC Director")
		rows = [
			(row["sales_person"], row["indent"], row["due"], row["completed"]) for row in result["result"]
		]
		self.assertEqual(
			rows,
			[
				("_PC Director", 0, 33, 27),
				("_PC North", 1, 27, 24),
				("_PC Ann", 2, 25, 22),
				("_PC Bob", 1, 6, 3),
			],
		)
		self.assertEqual(result["result"][0]["compliance"], 81.8)
		self.assertEqual(result["result"][1]["rep"], LEAD)
		# the lead reads the same tree from their own node down
		lead = [(row["sales_person"], row["due"]) for row in self.run_as(LEAD, group_by="Team")["result"]]
		self.assertEqual(lead[-3:], [("_PC Director", 27), ("_PC North", 27), ("_PC Ann", 25)])
		self.assertTrue(all(due == 27 for _node, due in lead[:-1]))  # the tree's root down to the lead

	def test_reps_in_no_sales_person_are_totalled_apart_in_the_team_view(self):
		rows = self.run_as(DIRECTOR, group_by="Team")["result"]
		self.assertEqual(
			[(row.get("sales_person"), row.get("rep"), row["indent"], row["due"]) for row in rows[-2:]],
			[("__no_sales_person__", None, 0, 1), (None, LONER, 1, 1)],
		)
		self.assertEqual(rows[-2]["rep_name"], "Not in the Sales Person tree")
		self.assertEqual(rows[0]["due"], 33)  # the tree's root: everyone placed in it

	def test_group_by_month(self):
		result = self.run_as(DIRECTOR, group_by="Month", sales_person="_PC Director")
		months = {row["month"]: row for row in result["result"] if row["indent"] == 0}
		self.assertEqual(list(months), ["2025-01", "2025-02"])
		self.assertEqual(self.numbers(months["2025-01"]), (7, 6, 6, 1, 0))
		self.assertEqual((months["2025-01"]["compliance"], months["2025-01"]["band_key"]), (85.7, "Good"))
		self.assertEqual(self.numbers(months["2025-02"]), (26, 21, 19, 5, 2))
		self.assertEqual(months["2025-01"]["drill"]["due_on"], ["Between", ["2025-01-01", "2025-01-31"]])
		self.assertEqual(result["chart"]["type"], "line")
		self.assertEqual(result["chart"]["data"]["labels"], ["2025-01", "2025-02"])

	def test_customer_group_filter_joins_the_customer(self):
		result = self.run_as(DIRECTOR, customer_group=self.customer_group, sales_person="_PC Director")
		self.assertEqual(
			[(row["rep"], row.get("checkpoint"), row["due"]) for row in result["result"]],
			[(REP_B, None, 2), (REP_B, CONTRACT, 2)],
		)
		self.assertIn("customer group", result["message"])

	def test_prepared_report_path_gives_the_same_rows(self):
		"""A Prepared Report runs generate_report_result in a worker as the user who asked and stores the
		result as JSON; the job itself commits, so the test runs what it runs without the job."""
		import json

		from frappe.desk.query_report import generate_report_result

		filters = {"company": self.company, **PERIOD}
		report = frappe.get_doc("Report", REPORT)
		report.custom_columns = []  # as prepared_report.generate_report sets it
		with as_user(REP_A):
			prepared = generate_report_result(report, filters=json.dumps(filters), user=REP_A)
			live = run(REPORT, filters)
		stored = json.loads(frappe.as_json(prepared))
		self.assertEqual(stored["result"], json.loads(frappe.as_json(live["result"])))
		self.assertEqual(stored["result"][0]["compliance"], 88.0)
