"""The Visit Effectiveness report on a real site: a small set of visits whose answers are worked out
by hand below, read by a rep, their team lead, a Sales Manager and an accountant."""

from datetime import datetime, timedelta

import frappe
from frappe.desk.query_report import run
from frappe.utils import add_days, now_datetime, today

from sales_process.process import stage_log, visits
from sales_process.testing import (
	EnrolledCompanyTestCase,
	as_user,
	make_customer,
	make_opportunity,
	make_sales_person,
	make_user,
)

REPORT = "Visit Effectiveness"
REP_A = "sp-ve-rep-a@example.com"
REP_B = "sp-ve-rep-b@example.com"
LEAD = "sp-ve-lead@example.com"
MANAGER = "sp-ve-manager@example.com"
ACCOUNTANT = "sp-ve-accounts@example.com"
MARCH = {"from_date": "2026-03-01", "to_date": "2026-03-31", "follow_days": 7}


def group_sales_person(name: str) -> str:
	"""A group in the Sales Person tree with nobody behind it."""
	if not frappe.db.exists("Sales Person", name):
		frappe.get_doc(
			{
				"doctype": "Sales Person",
				"sales_person_name": name,
				"is_group": 1,
				"parent_sales_person": frappe.db.get_value("Sales Person", {"is_group": 1}, "name"),
			}
		).insert(ignore_permissions=True)
	return name


def at(day: int, hour: int = 10, minute: int = 0, second: int = 0, month: int = 3) -> datetime:
	return datetime(2026, month, day, hour, minute, second)


class TestVisitEffectiveness(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP_A, ["Sales User"])
		make_user(REP_B, ["Sales User"])
		make_user(LEAD, ["Sales User"])
		make_user(MANAGER, ["Sales User", "Sales Manager"])
		make_user(ACCOUNTANT, ["Accounts User"])
		# Group ─┬─ Lead ── Rep A
		#        └─ Rep B
		cls.group = group_sales_person("_SP VE Group")
		cls.lead_person = make_sales_person("_SP VE Lead", LEAD, cls.company, parent=cls.group, is_group=1)
		cls.rep_a_person = make_sales_person("_SP VE Rep A", REP_A, cls.company, parent=cls.lead_person)
		cls.rep_b_person = make_sales_person("_SP VE Rep B", REP_B, cls.company, parent=cls.group)
		cls.build_visits()

	@classmethod
	def build_visits(cls):
		"""Rep A: 5 visits in March (3 moved), rep B: 2 (1 moved); worked out in the tests."""
		customer = make_customer()
		cls.customer = customer
		d1 = make_opportunity(cls.company, customer, opportunity_owner=REP_A).name
		d2 = make_opportunity(cls.company, customer, opportunity_owner=REP_A).name
		d3 = make_opportunity(cls.company, customer, opportunity_owner=REP_B).name
		cls.deals = (d1, d2, d3)
		# rep A
		cls.visit(REP_A, d1, at(2), "Inside", minutes=30)  # D1 advanced on the 4th: moved
		cls.move(d1, at(4), "Prospecting", "Qualification")
		cls.visit(REP_A, d1, at(20), "Inside", minutes=60)  # only backwards, then too late: nothing
		cls.move(d1, at(21), "Qualification", "Prospecting")
		cls.move(d1, at(27, second=1), "Prospecting", "Needs Analysis")  # 7 days + 1 s after
		cls.visit(REP_A, d2, at(10, 9), "Outside", minutes=10, flagged=True)  # checkpoint on the 16th
		cls.complete(d2, at(16))
		cls.visit(REP_A, None, at(12), "No Device Location", flagged=True, checked_out=False)  # no deal
		cls.visit(REP_A, d2, at(25), "Inside", minutes=40)  # deal won the next day: moved
		cls.move(d2, at(26), "Negotiation/Review", "Negotiation/Review", "Quotation", "Converted")
		cls.visit(REP_A, d1, at(27, month=2), "Inside", minutes=5)  # February: outside the period
		# rep B
		cls.visit(REP_B, d3, at(5), "Inside", minutes=15)  # a checkpoint at the check-in moment: nothing
		cls.complete(d3, at(5))
		cls.visit(REP_B, d3, at(6), "Inside", minutes=25)  # advance exactly 7 days later: moved
		cls.move(d3, at(13), "Prospecting", "Proposal/Price Quote")

	@classmethod
	def visit(cls, rep, deal, check_in, result, minutes=None, flagged=False, checked_out=True):
		doc = frappe.get_doc(
			{
				"doctype": "Sales Visit Log",
				"rep": rep,
				"party_type": "Customer",
				"party": cls.customer,
				"reference_doctype": "Opportunity" if deal else None,
				"reference_name": deal,
				"status": "Checked Out" if checked_out else "Checked In",
				"check_in_time": check_in,
				"check_out_time": check_in + timedelta(minutes=minutes) if checked_out else None,
				"duration": minutes * 60 if checked_out else None,
				"geofence_result": result,
				"needs_review": int(flagged),
			}
		)
		doc.flags.sp_system_write = True  # stamped as the server stamps a check-in
		return doc.insert(ignore_permissions=True).name

	@classmethod
	def move(cls, deal, when, from_stage, to_stage, from_status="Open", to_status="Open"):
		"""A logged move in the past; progress is stamped on the visits as log_position does."""
		row = frappe.get_doc(
			{
				"doctype": "Sales Stage Log",
				"reference_doctype": "Opportunity",
				"reference_name": deal,
				"changed_on": when,
				"source": "Opportunity",
				"from_stage": from_stage,
				"to_stage": to_stage,
				"from_status": from_status,
				"to_status": to_status,
			}
		).insert(ignore_permissions=True)
		stage_log.mark_visits_if_progress(row)

	@classmethod
	def complete(cls, deal, when):
		"""A checkpoint completed in the past; progress is stamped on the visits as completion does."""
		record = frappe.get_doc(
			{
				"doctype": "Sales Checkpoint Record",
				"checkpoint": frappe.get_all("Sales Checkpoint", pluck="name", limit=1)[0],
				"status": "Completed",
				"reference_doctype": "Opportunity",
				"reference_name": deal,
				"assigned_to": frappe.db.get_value("Opportunity", deal, "opportunity_owner"),
				"company": cls.company,
				"triggered_on": when - timedelta(days=1),
				"due_on": when + timedelta(days=1),
				"completed_on": when,
			}
		)
		record.flags.sp_system_write = True
		record.insert(ignore_permissions=True)
		visits.mark_progress("Opportunity", deal, when)

	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	def report(self, user, **filters):
		with as_user(user):
			return run(REPORT, {"company": self.company, **MARCH, **filters})

	def rows(self, result):
		return {row["rep"]: row for row in result["result"]}

	def test_hand_computed_rows_for_each_rep(self):
		result = self.report(MANAGER, sales_person=self.group)
		rows = self.rows(result)
		self.assertEqual(set(rows), {REP_A, REP_B})
		a = rows[REP_A]
		# 5 March visits; 3 Inside of 5 with a geofence result; durations 30, 60, 10, 40 min
		self.assertEqual((a["visits"], a["pass_rate"], a["flagged"], a["median_minutes"]), (5, 60.0, 2, 35.0))
		# moved: the advance, the completed checkpoint, the win; nothing: the backwards move, no deal
		self.assertEqual((a["moved"], a["moved_nothing"], a["window_open"], a["without_deal"]), (3, 2, 0, 1))
		self.assertEqual((a["moved_share"], a["moved_nothing_share"]), (60.0, 40.0))
		self.assertEqual((a["inside"], a["inside_moved_nothing_share"]), (3, 33.3))
		b = rows[REP_B]
		self.assertEqual(
			(b["visits"], b["pass_rate"], b["flagged"], b["median_minutes"]), (2, 100.0, 0, 20.0)
		)
		self.assertEqual((b["moved"], b["moved_nothing"], b["moved_nothing_share"]), (1, 1, 50.0))
		self.assertEqual(b["inside_moved_nothing_share"], 50.0)

	def test_summary_recomputes_the_totals(self):
		result = self.report(MANAGER, sales_person=self.group)
		summary = {item["label"]: item["value"] for item in result["report_summary"]}
		self.assertEqual(summary["Visits"], 7)
		self.assertEqual(summary["Geofence Pass %"], 71.4)  # 5 Inside ÷ 7
		self.assertEqual(summary["Flagged"], 2)
		self.assertEqual(summary["Median Duration (min)"], 27.5)  # 10 15 25 | 30 40 60
		self.assertEqual(summary["Moved %"], 57.1)  # 4 of 7
		self.assertEqual(summary["Moved Nothing %"], 42.9)
		self.assertEqual(summary["Inside: Moved Nothing %"], 40.0)  # 2 of 5 Inside visits
		chart = result["chart"]
		self.assertEqual(chart["barOptions"], {"stacked": 1})
		self.assertEqual([d["values"] for d in chart["data"]["datasets"]], [[3, 1], [2, 1]])
		self.assertIn("7", result["message"])

	def test_a_period_from_the_4th_is_the_month_less_its_first_three_days(self):
		"""Read as March's rollup rows less the visits of 1-3 March (engine.rollup.period_parts)."""
		rows = self.rows(self.report(MANAGER, sales_person=self.group, from_date="2026-03-04"))
		# A's visit on the 2nd is left out: the 10th (10 min), 12th (still checked in), 20th (60), 25th (40)
		self.assertEqual((rows[REP_A]["visits"], rows[REP_A]["median_minutes"]), (4, 40.0))
		self.assertEqual((rows[REP_A]["flagged"], rows[REP_A]["without_deal"]), (2, 1))
		self.assertEqual((rows[REP_B]["visits"], rows[REP_B]["median_minutes"]), (2, 20.0))

	def test_follow_days_widen_the_window(self):
		# with 10 days the advance 7 days + 1 s after the second visit counts too
		rows = self.rows(self.report(MANAGER, sales_person=self.group, follow_days=10))
		self.assertEqual(rows[REP_A]["moved"], 4)

	def test_a_window_the_rollup_does_not_keep_is_refused_with_the_choices(self):
		with self.assertRaises(frappe.ValidationError) as refused:
			self.report(MANAGER, follow_days=8)
		self.assertIn("7, 10", str(refused.exception))

	def test_rep_sees_only_their_own_row(self):
		rows = self.rows(self.report(REP_A))
		self.assertEqual(set(rows), {REP_A})
		self.assertEqual(rows[REP_A]["visits"], 5)

	def test_team_lead_sees_their_team_not_other_teams(self):
		rows = self.rows(self.report(LEAD))
		self.assertEqual(set(rows), {REP_A})

	def test_manager_sees_every_rep(self):
		rows = self.rows(self.report(MANAGER))
		self.assertTrue({REP_A, REP_B} <= set(rows))

	def test_rep_asking_for_another_team_sees_nothing(self):
		result = self.report(REP_A, sales_person=self.rep_b_person)
		self.assertEqual(result["result"], [])
		self.assertIn("no visits", result["message"])

	def test_finance_without_a_sales_role_cannot_open_it(self):
		with self.assertRaises(frappe.PermissionError):
			self.report(ACCOUNTANT)

	def test_a_recent_visit_waits_for_its_window(self):
		recent = now_datetime() - timedelta(days=2)
		self.visit(REP_B, self.deals[2], recent, "Inside", minutes=20)
		self.visit(REP_B, None, recent, "Inside", minutes=20)  # no deal: nothing to wait for
		result = self.report(
			MANAGER, sales_person=self.rep_b_person, from_date=add_days(today(), -3), to_date=today()
		)
		row = self.rows(result)[REP_B]
		self.assertEqual((row["visits"], row["window_open"], row["moved_nothing"]), (2, 1, 1))
		self.assertEqual(row["moved_nothing_share"], 100.0)

	def test_company_and_territory_filters_come_from_the_deal(self):
		other_company = frappe.db.get_value("Company", {"name": ("!=", self.company)}, "name")
		if other_company:
			rows = self.rows(self.report(MANAGER, sales_person=self.group, company=other_company))
			# only the visit without a deal belongs to no company and stays
			self.assertEqual(rows[REP_A]["visits"], 1)
			self.assertNotIn(REP_B, rows)
		# a visit is placed by its deal's territory; a visit without a deal by its customer's
		customer_territory = frappe.db.get_value("Customer", self.customer, "territory")
		deal_territory = frappe.db.get_value(
			"Territory", {"is_group": 0, "name": ("!=", customer_territory)}, "name"
		)
		frappe.db.set_value("Opportunity", {"name": ("in", self.deals)}, "territory", deal_territory)
		rows = self.rows(self.report(MANAGER, sales_person=self.group, territory=deal_territory))
		self.assertEqual((rows[REP_A]["visits"], rows[REP_B]["visits"]), (4, 2))
		rows = self.rows(self.report(MANAGER, sales_person=self.group, territory=customer_territory))
		self.assertEqual(set(rows), {REP_A})
		self.assertEqual((rows[REP_A]["visits"], rows[REP_A]["without_deal"]), (1, 1))

	def test_stored_progress_agrees_with_the_engine_over_frames(self):
		"""Counting stored progress in SQL and engine.visit_flags over the logs give the same counts."""
		import pandas as pd

		from sales_process.engine.visits_report import count_per_rep, visit_flags
		from sales_process.process.rule_book import stage_order

		visits = frappe.get_all(
			"Sales Visit Log",
			filters={
				"check_in_time": ("between", [at(1, 0), at(31, 23, 59, 59)]),
				"rep": ("in", [REP_A, REP_B]),
			},
			fields=["rep", "reference_name as deal", "check_in_time", "geofence_result", "needs_review"],
		)
		moves = frappe.get_all(
			"Sales Stage Log",
			filters={"reference_name": ("in", self.deals)},
			fields=[
				"reference_name as deal",
				"changed_on",
				"from_stage",
				"to_stage",
				"from_status",
				"to_status",
			],
		)
		done = frappe.get_all(
			"Sales Checkpoint Record",
			filters={"reference_name": ("in", self.deals), "status": "Completed"},
			fields=["reference_name as deal", "completed_on"],
		)
		flags = visit_flags(
			pd.DataFrame([dict(v) for v in visits]),
			pd.DataFrame([dict(m) for m in moves]),
			pd.DataFrame([dict(d) for d in done], columns=["deal", "completed_on"]),
			stage_order(),
			7,
			now_datetime(),
		)
		expected = count_per_rep(flags).set_index("rep")
		rows = self.rows(self.report(MANAGER, sales_person=self.group))
		for rep in (REP_A, REP_B):
			self.assertEqual(rows[rep]["moved"], expected.loc[rep, "moved"])
			self.assertEqual(rows[rep]["visits"], expected.loc[rep, "visits"])
