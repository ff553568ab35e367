"""The Target Back-calculation report on a real site, on a small history worked out by hand.

The period runs from 14 days ago to 27 days ahead: 28 days (4 weeks) are left, today counted.
History = opportunities created in the 12 months before the period.

Rep A (own history): 4 decided deals, 2 won (30 000 in 20 days, 50 000 in 40 days) → win rate
50 %, average 40 000, cycle 30 days; 4 forward stage moves on the decided deals (1 a deal) and
5 on the whole cohort with 10 visits (2 a move); 3 submitted quotations over 2 won (1.5).
Won in the period: 40 000. Open: 100 000 in Qualification (20 %) + 400 000 in Proposal (70 %)
= 300 000 weighted. Two deals opened in the last 4 weeks: 0.5 a week.

Rep B (1 decided deal: too thin, team rates): won 40 000 in 10 days, 2 visits, no move.
Open: 200 000 in Negotiation (85 %) + 10 000 in a stage without probability, at the deal's
50 % = 175 000 weighted. Two deals opened now: 0.5 a week.

Team (A + B): 3 won of 5 decided = 60 %, average 120 000 ÷ 3 = 40 000, cycle median of
20, 40, 10 = 20 days, 4 advances ÷ 5 deals = 0.8, 12 visits ÷ 5 moves = 2.4, 3 quotations
÷ 3 won = 1.

Target 384 000 typed, no Sales Person target: 192 000 each.
A: 152 000 left ÷ (50 % × 40 000) = 7.6 new deals ÷ 4 weeks = 1.9 a week; 3.8 wins = 0.95 a
   week; visits 1.9 × 1 × 2 = 3.8; quotations 0.95 × 1.5 = 1.425; coverage 300 000 ÷ 152 000
   = 1.97 (orange).
B: 192 000 ÷ (60 % × 40 000) = 8 ÷ 4 = 2 a week; 4.8 wins = 1.2 a week; visits 2 × 0.8 × 2.4
   = 3.84; quotations 1.2 × 1 = 1.2; coverage 175 000 ÷ 192 000 = 0.91 (red).
"""

import calendar
from datetime import datetime, time, timedelta

import frappe
from frappe import _
from frappe.desk.query_report import run
from frappe.utils import add_days, add_months, getdate, today

from sales_process.process import deal_rollup, outcomes
from sales_process.testing import (
	EnrolledCompanyTestCase,
	as_user,
	make_customer,
	make_item,
	make_opportunity,
	make_quotation,
	make_sales_person,
	make_user,
)

REPORT = "Target Back-calculation"
REP_A = "sp-tbc-rep-a@example.com"
REP_B = "sp-tbc-rep-b@example.com"
LEAD = "sp-tbc-lead@example.com"
MANAGER = "sp-tbc-manager@example.com"
OUTSIDER = "sp-tbc-outsider@example.com"
TEAM = "SP TBC Team"
UNWEIGHTED_STAGE = "SP TBC Unweighted"

STAGES = {  # name: (sp_sequence, sp_probability), as the app ships them
	"Prospecting": (10, 10),
	"Qualification": (20, 20),
	"Needs Analysis": (30, 30),
	"Proposal/Price Quote": (70, 70),
	"Negotiation/Review": (80, 85),
}


class TestTargetBackCalculation(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for user in (REP_A, REP_B, LEAD):
			make_user(user, ["Sales User"])
		make_user(MANAGER, ["Sales User", "Sales Manager"])
		make_user(OUTSIDER, ["Accounts User"])
		make_sales_person(TEAM, LEAD, cls.company, is_group=1)
		make_sales_person("SP TBC A", REP_A, cls.company, parent=TEAM)
		make_sales_person("SP TBC B", REP_B, cls.company, parent=TEAM)
		for stage, (sequence, probability) in STAGES.items():
			frappe.db.set_value(
				"Sales Stage", stage, {"sp_sequence": sequence, "sp_probability": probability}
			)
		if not frappe.db.exists("Sales Stage", UNWEIGHTED_STAGE):
			frappe.get_doc({"doctype": "Sales Stage", "stage_name": UNWEIGHTED_STAGE}).insert()
		frappe.db.set_value("Sales Stage", UNWEIGHTED_STAGE, {"sp_sequence": 0, "sp_probability": 0})

		cls.today = getdate(today())
		cls.from_date = add_days(cls.today, -14)
		cls.to_date = add_days(cls.today, 27)
		start = datetime.combine(cls.from_date, time(9))
		now = datetime.combine(cls.today, time(0, 5))

		def before(days):
			return start - timedelta(days=days)

		item = make_item()
		# rep A's history
		won1 = cls.deal(REP_A, before(100), "Converted", "Proposal/Price Quote", 30_000)
		cls.move(won1, "Prospecting", "Qualification", before(95))
		cls.move(won1, "Qualification", "Proposal/Price Quote", before(90))
		cls.win(won1, "Proposal/Price Quote", before(80))
		won2 = cls.deal(REP_A, before(100), "Converted", "Qualification", 50_000)
		cls.move(won2, "Prospecting", "Qualification", before(90))
		cls.win(won2, "Qualification", before(60))
		lost1 = cls.deal(REP_A, before(90), "Lost", "Qualification")
		cls.move(lost1, "Prospecting", "Qualification", before(85))
		cls.deal(REP_A, before(90), "Lost", "Prospecting")
		open_old = cls.deal(REP_A, before(50), "Open", "Qualification", 100_000)
		cls.move(open_old, "Prospecting", "Qualification", before(45))
		for deal, visits in ((won1, 4), (won2, 3), (lost1, 1), (open_old, 2)):
			for _visit in range(visits):
				cls.visit(REP_A, deal)
		cls.visit(REP_A, won1, status="Planned")  # planned, never made: not counted
		for deal, submitted in ((won1, True), (won1, True), (lost1, True), (won2, False)):
			cls.quotation(deal, item, submitted)
		# rep A in the period
		won_now = cls.deal(REP_A, now - timedelta(days=10), "Converted", "Negotiation/Review", 40_000)
		cls.win(won_now, "Negotiation/Review", now - timedelta(days=5))
		cls.visit(REP_A, won_now)  # a visit of the period: not history
		cls.deal(REP_A, now - timedelta(days=3), "Open", "Proposal/Price Quote", 400_000)

		# rep B
		b_won = cls.deal(REP_B, before(40), "Converted", "Prospecting", 40_000)
		cls.win(b_won, "Prospecting", before(30))  # won before the period: not won so far
		for _visit in range(2):
			cls.visit(REP_B, b_won)
		cls.deal(REP_B, now, "Open", "Negotiation/Review", 200_000)
		cls.deal(REP_B, now, "Open", UNWEIGHTED_STAGE, 10_000, probability=50)
		# the fixture wrote creation, status and amounts past the controllers: count the deals again
		deal_rollup.refresh(cls.made)

	# building the history

	made: list[str] = []

	@classmethod
	def deal(cls, owner, created, status, stage, amount=0.0, probability=None):
		name = make_opportunity(cls.company, opportunity_owner=owner).name
		cls.made.append(name)
		values = {
			"creation": created,
			"status": status,
			"sales_stage": stage,
			"opportunity_amount": amount,
			"base_opportunity_amount": amount,
		}
		if probability is not None:
			values["probability"] = probability
		if status == "Lost":  # as process.outcomes stores it when the status moves
			values["sp_lost_on"] = created + timedelta(days=5)
		frappe.db.set_value("Opportunity", name, values, update_modified=False)
		return name

	@classmethod
	def move(cls, deal, from_stage, to_stage, when, from_status="Open", to_status="Open"):
		frappe.get_doc(
			{
				"doctype": "Sales Stage Log",
				"reference_doctype": "Opportunity",
				"reference_name": deal,
				"from_stage": from_stage,
				"to_stage": to_stage,
				"from_status": from_status,
				"to_status": to_status,
				"changed_on": when,
				"changed_by": "Administrator",
				"source": "Opportunity",
			}
		).insert(ignore_permissions=True)

	@classmethod
	def win(cls, deal, stage, when):
		cls.move(deal, stage, stage, when, "Quotation", "Converted")
		outcomes.mark_won(deal, when)

	@classmethod
	def visit(cls, rep, deal, status="Checked Out"):
		doc = frappe.get_doc(
			{
				"doctype": "Sales Visit Log",
				"rep": rep,
				"party_type": "Customer",
				"party": frappe.db.get_value("Opportunity", deal, "party_name") or make_customer(),
				"reference_doctype": "Opportunity",
				"reference_name": deal,
				"status": status,
				"check_in_time": None if status == "Planned" else frappe.utils.now_datetime(),
			}
		)
		doc.flags.sp_system_write = True
		doc.insert(ignore_permissions=True)

	@classmethod
	def quotation(cls, deal, item, submitted):
		quotation = make_quotation(deal, [item], rate=100)
		if submitted:  # as if sent: the gates of submission are not what this report is about
			frappe.db.set_value("Quotation", quotation.name, "docstatus", 1)

	# running the report

	def report(self, user, **filters):
		filters = {
			"company": self.company,
			"from_date": str(self.from_date),
			"to_date": str(self.to_date),
			**filters,
		}
		with as_user(user):
			result = run(REPORT, filters)
		rows = {row["rep"]: row for row in result["result"] if isinstance(row, dict) and row.get("rep")}
		return result, rows

	def test_team_needs_worked_by_hand(self):
		result, rows = self.report(LEAD, target=384_000)
		self.assertEqual(sorted(rows), [REP_A, REP_B])  # the lead's own group node takes no share

		a = rows[REP_A]
		self.assertEqual((a["target"], a["won"], a["remaining"]), (192_000, 40_000, 152_000))
		self.assertEqual((a["win_rate"], a["avg_won_amount"], a["cycle_days"]), (50.0, 40_000, 30.0))
		self.assertEqual((a["decided"], a["won_deals"]), (4, 2))
		self.assertEqual((a["visits_per_advance"], a["quotations_per_won"]), (2.0, 1.5))
		self.assertAlmostEqual(a["new_per_week"], 1.9)
		self.assertAlmostEqual(a["visits_per_week"], 3.8)
		self.assertAlmostEqual(a["quotations_per_week"], 1.425, delta=0.006)
		self.assertAlmostEqual(a["wins_per_week"], 0.95)
		self.assertEqual((a["pace_per_week"], a["weighted_pipeline"]), (0.5, 300_000))
		self.assertEqual((a["coverage"], a["coverage_band"]), (1.97, "orange"))
		self.assertFalse(a["team_rates"])
		self.assertIn("66.7", a["weakest_step"])  # Qualification → Needs Analysis: 2 of 3

		b = rows[REP_B]
		self.assertTrue(b["team_rates"])
		self.assertEqual((b["target"], b["won"], b["remaining"]), (192_000, 0, 192_000))
		self.assertEqual((b["win_rate"], b["avg_won_amount"], b["cycle_days"]), (60.0, 40_000, 20.0))
		self.assertAlmostEqual(b["new_per_week"], 2.0)
		self.assertAlmostEqual(b["visits_per_week"], 3.84)
		self.assertAlmostEqual(b["quotations_per_week"], 1.2)
		self.assertEqual((b["weighted_pipeline"], b["coverage"], b["coverage_band"]), (175_000, 0.91, "red"))

		summary = {item["label"]: item["value"] for item in result["report_summary"]}
		self.assertEqual(
			(summary["Target"], summary["Won So Far"], summary["Remaining"]), (384_000, 40_000, 344_000)
		)
		self.assertEqual((summary["Coverage"], summary["Weeks Left"]), ("1.38×", "4.0"))
		self.assertEqual(summary["New Opps / Week Needed"], "3.90")  # as text: two decimals on the card
		self.assertEqual(len(result["chart"]["data"]["datasets"]), 2)
		self.assertIn("shared evenly", result["message"])
		self.assertIn("≥ 3× green", result["message"])

	def test_a_manager_sees_the_team_through_the_sales_person_filter(self):
		_result, rows = self.report(MANAGER, target=384_000, sales_person=TEAM)
		self.assertEqual(sorted(rows), [REP_A, REP_B])
		self.assertAlmostEqual(rows[REP_B]["new_per_week"], 2.0)
		_result, everyone = self.report(MANAGER, target=384_000)
		self.assertTrue({REP_A, REP_B} <= set(everyone))

	def test_a_rep_sees_only_their_own_row(self):
		_result, rows = self.report(REP_A, target=384_000)
		self.assertEqual(list(rows), [REP_A])
		# the whole typed target is theirs; the team is the rep alone, so the rates are their own
		self.assertEqual((rows[REP_A]["target"], rows[REP_A]["remaining"]), (384_000, 344_000))
		self.assertAlmostEqual(rows[REP_A]["new_per_week"], 344_000 / 20_000 / 4)
		_result, rows = self.report(REP_A, target=384_000, sales_person=TEAM)
		self.assertEqual(list(rows), [REP_A])  # a wider filter does not widen what they see

	def test_users_without_a_sales_role_are_refused(self):
		with self.assertRaises(frappe.PermissionError):
			self.report(OUTSIDER, target=384_000)

	def test_sales_person_targets_pro_rated_and_used_to_split(self):
		fiscal_year = frappe.db.get_value(
			"Fiscal Year",
			{"year_start_date": ("<=", self.from_date), "year_end_date": (">=", self.from_date)},
			["name", "year_start_date", "year_end_date"],
			as_dict=True,
		)
		if not fiscal_year:
			self.skipTest("no fiscal year holds the period's start")
		frappe.db.savepoint("sp_tbc_targets")
		try:
			# 1 200 000 for the year, 1/12 a month (ERPNext asks every target for a Monthly Distribution)
			distribution = frappe.get_doc(
				{
					"doctype": "Monthly Distribution",
					"distribution_id": "SP TBC Even Months",
					"percentages": [
						{"month": calendar.month_name[month], "percentage_allocation": 100 / 12}
						for month in range(1, 13)
					],
				}
			).insert(ignore_permissions=True)
			sales_person = frappe.get_doc("Sales Person", "SP TBC A")
			sales_person.append(
				"targets",
				{
					"fiscal_year": fiscal_year.name,
					"target_amount": 1_200_000,
					"distribution_id": distribution.name,
				},
			)
			sales_person.save(ignore_permissions=True)
			# each month's 100 000 spread over its days: the period's days in each month, within the year
			expected = 0.0
			day = max(self.from_date, fiscal_year.year_start_date)
			while day <= min(self.to_date, fiscal_year.year_end_date):
				expected += 100_000 / calendar.monthrange(day.year, day.month)[1]
				day = add_days(day, 1)

			result, rows = self.report(LEAD)  # no typed target: the Sales Person targets
			self.assertAlmostEqual(rows[REP_A]["target"], expected, places=2)
			self.assertEqual((rows[REP_B]["target"], rows[REP_B]["status"]), (0, "no_target"))
			self.assertIn("SP TBC Even Months", result["message"])
			summary = {item["label"]: item["value"] for item in result["report_summary"]}
			self.assertAlmostEqual(summary["Target"], expected, places=2)

			# a typed target is shared by the Sales Person targets: all of it to A, who has one
			_result, rows = self.report(LEAD, target=384_000)
			self.assertEqual((rows[REP_A]["target"], rows[REP_B]["target"]), (384_000, 0))
		finally:
			frappe.db.rollback(save_point="sp_tbc_targets")

	def test_edge_cases(self):
		# the period is over: nothing is planned, the gap is still shown
		over = {
			"from_date": str(add_months(self.from_date, -3)),
			"to_date": str(add_days(self.from_date, -1)),
		}
		result, rows = self.report(LEAD, target=100_000, **over)
		self.assertEqual({row["status"] for row in rows.values()}, {"period_over"})
		self.assertIsNone(rows[REP_A]["new_per_week"])
		self.assertIn("ended", result["message"])

		# the target is already met: nothing needed
		_result, rows = self.report(LEAD, target=80_000)  # 40 000 each; A won 40 000
		self.assertEqual((rows[REP_A]["status"], rows[REP_A]["new_per_week"]), ("target_met", 0))

		# no deal created in the month before the period: zero win rate, and no infinite answer
		_result, rows = self.report(LEAD, target=384_000, history_months=1)
		self.assertEqual({row["status"] for row in rows.values()}, {"unreachable"})
		self.assertIsNone(rows[REP_B]["new_per_week"])
		self.assertIn(_("Cannot be reached with this history"), rows[REP_B]["note"])

		# no target anywhere, and bad filters: refusals that say what to do
		result, rows = self.report(LEAD)
		self.assertEqual(rows, {})
		self.assertIn("Target filter", result["message"])
		with self.assertRaises(frappe.ValidationError):
			self.report(LEAD, target=-5)
		with self.assertRaises(frappe.ValidationError):
			self.report(LEAD, target=1, history_months=0)
