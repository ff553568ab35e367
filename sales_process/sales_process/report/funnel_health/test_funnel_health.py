"""The Funnel Health report on a real site, with answers followed by hand.

Tree: _FH Director (Sales Manager) > _FH North (team lead) > _FH Ann (rep A); _FH Director > _FH Bob
(rep B). Period: March 2025. Stages P = Prospecting (10), Q = Qualification (20), N = Needs Analysis (30).

  d1 (A)  1st P; 3rd P→Q (48 h in P); 3rd 12:00 status only; 6th Q→N (72 h in Q); now Converted (won)
  d2 (A)  2nd P; 11 April P→Q; now open in Q since 11 April (stalled), 1 000
  d3 (B)  history starts mid-way: 5th P→N after 36 h in P; now open in N since an hour ago, 500
  d4 (A)  4th Q; 5th Q→P (24 h in Q); now open in P since 5 March (stalled), 200

  P: entered d1 d2 d4 = 3, later stage d1 d2 = 66.7 %, won d1 = 33.3 %; left d1 48 h, d3 36 h → median 42, p90 46.8
  Q: entered d1 d4 = 2, later stage d1 = 50 %, won 50 %; left d1 72 h, d4 24 h → median 48, p90 67.2
  N: entered d1 d3 = 2, later stage none, won 50 %; nobody left
  checkpoint records due in March: A at P Requirement Clarification 3 due, 2 completed; A at Q Solution
  Match 1 due, 0 completed; B at N Decision Chain Mapping 2 due, 2 completed.
"""

from datetime import datetime, timedelta

import frappe
from frappe.desk.query_report import run
from frappe.utils import now_datetime
from frappe.utils.nestedset import get_root_of

from sales_process.adapters import opportunity
from sales_process.engine.funnel import bucket_key
from sales_process.process import deal_rollup, stage_rollup
from sales_process.process.rule_book import stage_order
from sales_process.testing import (
	EnrolledCompanyTestCase,
	as_user,
	insert_counted,
	make_opportunity,
	make_sales_person,
	make_user,
)

REPORT = "Funnel Health"
REP_A = "sp-fh-rep-a@example.com"
REP_B = "sp-fh-rep-b@example.com"
LEAD = "sp-fh-lead@example.com"
DIRECTOR = "sp-fh-director@example.com"
P, Q, N = "Prospecting", "Qualification", "Needs Analysis"
CLARIFY = "Requirement Clarification"
MATCH = "Solution Match Verification"
CHAIN = "Decision Chain Mapping"
PERIOD = {"from_date": "2025-03-01", "to_date": "2025-03-31"}
MATRIX = "Rep × Checkpoint"


def march(day: int, hour: int = 0) -> datetime:
	return datetime(2025, 3, day, hour)


class TestFunnelHealth(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP_A, ["Sales User"])
		make_user(REP_B, ["Sales User"])
		make_user(LEAD, ["Sales User"])
		make_user(DIRECTOR, ["Sales User", "Sales Manager"])
		director = make_sales_person("_FH Director", DIRECTOR, cls.company, is_group=1)
		north = make_sales_person("_FH North", LEAD, cls.company, parent=director, is_group=1)
		make_sales_person("_FH Ann", REP_A, cls.company, parent=north)
		make_sales_person("_FH Bob", REP_B, cls.company, parent=director)
		for stage, limit in ((P, 72), (Q, 72), (N, 72)):
			frappe.db.set_value("Sales Stage", stage, "sp_stall_hours", limit)
		cls.deals = {}
		cls.make_deal("d1", REP_A, N, "Converted", march(6), 0)
		cls.make_deal("d2", REP_A, Q, "Open", datetime(2025, 4, 11), 1000)
		cls.make_deal("d3", REP_B, N, "Open", now_datetime() - timedelta(hours=1), 500)
		cls.make_deal("d4", REP_A, P, "Open", march(5), 200)
		cls.log("d1", march(1), None, P)
		cls.log("d1", march(3), P, Q, seconds=48 * 3600)
		cls.log("d1", march(3, 12), Q, Q, seconds=12 * 3600, status=("Open", "Quotation"))
		cls.log("d1", march(6), Q, N, seconds=60 * 3600)
		cls.log("d2", march(2), None, P)
		cls.log("d2", datetime(2025, 4, 11), P, Q, seconds=40 * 86400)
		cls.log("d3", march(5), P, N, seconds=36 * 3600)
		cls.log("d4", march(4), None, Q)
		cls.log("d4", march(5), Q, P, seconds=24 * 3600)
		# the history was written by hand: stamp what the server stamps on each row (and count it)
		stage_rollup.restamp(stage_order(), opportunity.funnel_facts_of, only=list(cls.deals.values()))
		deal_rollup.refresh(cls.deals.values())  # and the deals' facts, which the open pipeline sums
		for _ in range(2):
			cls.record(REP_A, CLARIFY, P, "Completed")
		cls.record(REP_A, CLARIFY, P, "Overdue")
		cls.record(REP_A, MATCH, Q, "Overdue")
		for _ in range(2):
			cls.record(REP_B, CHAIN, N, "Completed")

	@classmethod
	def make_deal(cls, key, rep, stage, status, entered_on, amount):
		deal = make_opportunity(cls.company, stage=P, opportunity_owner=rep).name
		# what the app logged and started for the new deal is replaced by the history above
		frappe.db.delete("Sales Stage Log", {"reference_doctype": "Opportunity", "reference_name": deal})
		frappe.db.set_value(
			"Opportunity",
			deal,
			{
				"sales_stage": stage,
				"status": status,
				"sp_stage_entered_on": entered_on,
				"sp_won_on": entered_on if status == "Converted" else None,
				"opportunity_amount": amount,
				"base_opportunity_amount": amount,
				"territory": get_root_of("Territory"),
			},
			update_modified=False,
		)
		cls.deals[key] = deal

	@classmethod
	def log(cls, key, changed_on, from_stage, to_stage, seconds=None, status=("Open", "Open")):
		insert_counted(
			frappe.get_doc(
				{
					"doctype": "Sales Stage Log",
					"name": frappe.generate_hash(length=10),
					"reference_doctype": "Opportunity",
					"reference_name": cls.deals[key],
					"changed_on": changed_on,
					"changed_by": "Administrator",
					"source": "Backfill",
					"from_stage": from_stage,
					"to_stage": to_stage,
					"from_status": status[0] if from_stage else None,
					"to_status": status[1],
					"seconds_in_previous": seconds,
				}
			)
		)

	@classmethod
	def record(cls, rep, checkpoint, stage, status):
		due_on = march(20)
		insert_counted(
			frappe.get_doc(
				{
					"doctype": "Sales Checkpoint Record",
					"name": frappe.generate_hash(length=10),
					"checkpoint": checkpoint,
					"status": status,
					"assigned_to": rep,
					"company": cls.company,
					"stage": stage,
					"triggered_on": due_on - timedelta(days=2),
					"due_on": due_on,
					"completed_on": due_on - timedelta(hours=1) if status == "Completed" else None,
				}
			)
		)

	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	def run_as(self, user, **filters):
		with as_user(user):
			return run(REPORT, {"company": self.company, **PERIOD, **filters})

	def stages(self, user, **filters):
		return {row["stage"]: row for row in self.run_as(user, **filters)["result"]}

	def test_stages_in_process_order_with_entries_conversion_dwell_stalls_and_checkpoints(self):
		result = self.run_as(DIRECTOR, sales_person="_FH Director")
		names = [row["stage"] for row in result["result"]]
		self.assertEqual(names[:3], [P, Q, N])
		rows = {row["stage"]: row for row in result["result"]}
		p, q, n = rows[P], rows[Q], rows[N]

		self.assertEqual((p["open_deals"], p["open_value"], p["stalled"]), (1, 200.0, 1))
		self.assertEqual((q["open_deals"], q["open_value"], q["stalled"]), (1, 1000.0, 1))
		self.assertEqual((n["open_deals"], n["open_value"], n["stalled"]), (1, 500.0, 0))

		self.assertEqual((p["entered"], p["to_next_rate"], p["to_won_rate"]), (3, 66.7, 33.3))
		self.assertEqual((q["entered"], q["to_next_rate"], q["to_won_rate"]), (2, 50.0, 50.0))
		self.assertEqual((n["entered"], n["to_next_rate"], n["to_won_rate"]), (2, 0.0, 50.0))

		self.assertEqual((p["exits"], p["median_hours"], p["p90_hours"]), (2, 42.0, 46.8))
		self.assertEqual((q["exits"], q["median_hours"], q["p90_hours"]), (2, 48.0, 67.2))
		self.assertEqual((n["exits"], n["median_hours"]), (0, None))
		self.assertEqual((p[bucket_key(0)], p[bucket_key(1)]), (0, 2))
		self.assertEqual((q[bucket_key(0)], q[bucket_key(1)]), (1, 1))

		self.assertEqual(
			(p["checkpoints_due"], p["checkpoint_compliance"], p["checkpoint_band_key"]), (3, 66.7, "Poor")
		)
		self.assertEqual((q["checkpoints_due"], q["checkpoint_compliance"]), (1, 0.0))
		self.assertEqual(
			(n["checkpoints_due"], n["checkpoint_compliance"], n["checkpoint_band_key"]), (2, 100.0, "Good")
		)

		summary = {item["label"]: item["value"] for item in result["report_summary"]}
		self.assertEqual(
			(
				summary["Open Deals"],
				summary["Open Value"],
				summary["Stalled Now"],
				summary["Checkpoint Completion"],
			),
			(3, 1700.0, 2, 66.7),
		)
		chart = result["chart"]
		self.assertEqual(len(chart["data"]["labels"]), 6)
		self.assertEqual(
			[dataset["values"][:2] for dataset in chart["data"]["datasets"]][:2], [[0, 2], [1, 1]]
		)
		self.assertIn("Sales Order", result["message"])
		self.assertIn("wall-clock", result["message"])
		self.assertTrue(p["stalled_before"])

	def test_a_manager_who_sees_every_rep_reads_the_same_figures_from_the_every_rep_rows(self):
		director = self.stages(DIRECTOR, sales_person="_FH Director")
		everyone = self.stages("Administrator")
		for stage in (P, Q, N):
			for field in ("entered", "to_next_rate", "to_won_rate", "exits", "median_hours", "p90_hours"):
				self.assertEqual(everyone[stage][field], director[stage][field], (stage, field))

	def test_a_territory_filter_reads_the_same_open_deals_and_stalls_from_the_deals(self):
		"""The open pipeline has no territory: under the filter the deals themselves are read."""
		pipeline = self.stages(DIRECTOR, sales_person="_FH Director")
		deals = self.stages(DIRECTOR, sales_person="_FH Director", territory=get_root_of("Territory"))
		for stage in (P, Q, N):
			for field in ("open_deals", "open_value", "stalled"):
				self.assertEqual(deals[stage][field], pipeline[stage][field], (stage, field))

	def test_a_deal_with_its_outcome_stamped_is_not_open_whatever_its_status(self):
		"""Open is the deals' facts' own (no outcome, not closed), in both reads."""
		deal = self.deals["d2"]
		frappe.db.set_value("Opportunity", deal, "sp_lost_on", now_datetime(), update_modified=False)
		deal_rollup.refresh([deal])
		try:
			for filters in ({}, {"territory": get_root_of("Territory")}):
				rows = self.stages(DIRECTOR, sales_person="_FH Director", **filters)
				self.assertEqual((rows[Q]["open_deals"], rows[Q]["stalled"]), (0, 0), filters)
		finally:
			frappe.db.set_value("Opportunity", deal, "sp_lost_on", None, update_modified=False)
			deal_rollup.refresh([deal])

	def test_a_period_from_the_4th_is_the_month_less_its_first_three_days(self):
		"""Read as March's rollup rows less the log rows of 1-3 March (engine.rollup.period_parts)."""
		for user, filters in ((DIRECTOR, {"sales_person": "_FH Director"}), ("Administrator", {})):
			rows = self.stages(user, from_date="2025-03-04", **filters)
			# entries: d4 into Q on the 4th and into P on the 5th, d3 and d1 into N
			self.assertEqual((rows[P]["entered"], rows[Q]["entered"], rows[N]["entered"]), (1, 1, 2), user)
			# stays ended: d3 left P after 36 h; d4 left Q after 24 h and d1 after 60 h
			self.assertEqual((rows[P]["exits"], rows[P]["median_hours"]), (1, 36.0), user)
			self.assertEqual((rows[Q]["exits"], rows[Q]["median_hours"]), (2, 48.0), user)

	def test_a_rep_sees_only_their_deals_and_a_lead_their_team(self):
		for user in (REP_A, LEAD):
			rows = self.stages(user)
			self.assertEqual((rows[P]["open_deals"], rows[Q]["open_deals"], rows[N]["open_deals"]), (1, 1, 0))
			self.assertEqual(
				(rows[N]["entered"], rows[N]["checkpoints_due"]), (1, 0)
			)  # d3 and B's records hidden
			self.assertEqual((rows[P]["exits"], rows[P]["median_hours"]), (1, 48.0))
		bob = self.stages(REP_B)
		self.assertEqual((bob[N]["open_deals"], bob[N]["open_value"], bob[N]["entered"]), (1, 500.0, 1))
		self.assertEqual((bob[P]["open_deals"], bob[P]["entered"], bob[P]["exits"]), (0, 0, 1))
		self.assertEqual(bob[N]["checkpoint_compliance"], 100.0)

	def test_rep_by_checkpoint_matrix(self):
		result = self.run_as(DIRECTOR, view=MATRIX, sales_person="_FH Director")
		columns = {column["label"]: column["fieldname"] for column in result["columns"]}
		clarify, match, chain = columns[CLARIFY], columns[MATCH], columns[CHAIN]
		self.assertTrue(all(key.startswith("cp_") and key.isascii() for key in (clarify, match, chain)))
		labels = [column["label"] for column in result["columns"]]
		self.assertLess(labels.index(CLARIFY), labels.index(MATCH))  # process order
		rows = result["result"]
		self.assertEqual([row["rep"] for row in rows], [REP_A, REP_B, None])  # weakest first, then everyone
		ann, bob, everyone = rows
		self.assertEqual(
			(ann[clarify], ann[f"{clarify}_band"], ann[match], ann[chain]), (66.7, "Poor", 0.0, None)
		)
		self.assertEqual((ann["total_compliance"], ann["total_due"]), (50.0, 4))
		self.assertEqual((bob[chain], bob[f"{chain}_band"], bob[clarify]), (100.0, "Good", None))
		self.assertEqual(
			(everyone[clarify], everyone[chain], everyone["total_compliance"]), (66.7, 100.0, 66.7)
		)
		self.assertEqual(ann[f"{match}_drill"]["assigned_to"], REP_A)
		self.assertEqual(ann[f"{match}_drill"]["checkpoint"], MATCH)
		summary = {item["label"]: item["value"] for item in result["report_summary"]}
		self.assertEqual(summary["Poor Cells (below 70 %)"], 2)

		mine = self.run_as(REP_A, view=MATRIX)["result"]
		self.assertEqual([row["rep"] for row in mine], [REP_A, None])
		everyone_sees = {row["rep"] for row in self.run_as(DIRECTOR, view=MATRIX)["result"]}
		self.assertTrue({REP_A, REP_B} <= everyone_sees)

	def test_checkpoint_filter_narrows_the_matrix_and_the_stage_completion(self):
		result = self.run_as(DIRECTOR, view=MATRIX, sales_person="_FH Director", checkpoint=CHAIN)
		self.assertEqual([row["rep"] for row in result["result"]], [REP_B, None])
		self.assertNotIn(CLARIFY, [column["label"] for column in result["columns"]])
		rows = self.stages(DIRECTOR, sales_person="_FH Director", checkpoint=CHAIN)
		self.assertEqual((rows[P]["checkpoints_due"], rows[N]["checkpoints_due"]), (0, 2))

	def test_a_sales_user_may_not_widen_the_view(self):
		rows = self.stages(REP_A, sales_person="_FH Bob")
		self.assertEqual(rows, {})
