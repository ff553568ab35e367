"""The demo company on a real site, small (3 reps, 2 months), through the app's own logic; rolled back.

Run: CI=1 bench --site <site> run-tests --module sales_process.demo.test_demo
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import frappe

from sales_process import demo
from sales_process.demo import plan
from sales_process.demo.company import DemoExists
from sales_process.testing import SalesProcessTestCase

COMPANY = "_SP Demo Test Trading"
ABBR = "SPDX"
END = date(2026, 6, 1)  # a fixed window, so the story (and what is asserted) never moves
START = datetime(2026, 4, 1)


class TestDemoCompany(SalesProcessTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.result = demo.run(
			reps=3,
			months=2,
			seed=11,
			end_date=END,
			company=COMPANY,
			abbr=ABBR,
			commit=lambda: None,  # the test case rolls everything back
			say=lambda line: None,
		)
		cls.deals = frappe.get_all(
			"Opportunity",
			filters={"company": COMPANY},
			fields=["name", "creation", "status", "sales_stage", "opportunity_owner"],
			order_by="creation asc",
		)
		cls.names = [row.name for row in cls.deals] or [""]

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_every_step_went_through_the_apps_logic_without_a_failure(self):
		self.assertEqual(self.result["failed"], {})
		planned = [
			d for d in self.result["story"].deals if d.created < datetime.combine(END, datetime.min.time())
		]
		self.assertEqual(len(self.deals), len(planned))

	def test_documents_carry_the_moments_of_the_story_not_today(self):
		first = self.result["story"].deals[0]
		created = {row.name: row.creation for row in self.deals}
		# to the second (the clock is never on a whole second: see history.run)
		self.assertIn(first.created, {moment.replace(microsecond=0) for moment in created.values()})
		for moment in created.values():
			self.assertTrue(START <= moment < datetime(2026, 6, 1), moment)
		for changed_on in frappe.get_all(
			"Sales Stage Log", filters={"reference_name": ("in", self.names)}, pluck="changed_on"
		):
			self.assertTrue(START <= changed_on < datetime(2026, 6, 1), changed_on)

	def test_the_app_logged_each_deal_and_started_its_records(self):
		logged = set(
			frappe.get_all(
				"Sales Stage Log", filters={"reference_name": ("in", self.names)}, pluck="reference_name"
			)
		)
		self.assertEqual(logged, set(self.names))
		records = frappe.get_all(
			"Sales Checkpoint Record",
			filters={"reference_name": ("in", self.names)},
			fields=["checkpoint", "status", "assigned_to", "completed_on", "due_on"],
		)
		self.assertEqual(
			{r.checkpoint for r in records if r.checkpoint == "Requirement Clarification"},
			{"Requirement Clarification"},
		)
		self.assertEqual(
			len([r for r in records if r.checkpoint == "Requirement Clarification"]), len(self.deals)
		)
		reps = {row.opportunity_owner for row in self.deals}
		self.assertTrue({r.assigned_to for r in records} <= reps)
		statuses = {r.status for r in records}
		self.assertIn("Completed", statuses)
		self.assertTrue(statuses <= {"Pending", "Due Soon", "Overdue", "Completed", "Waived", "Cancelled"})
		for record in records:
			if record.completed_on:
				self.assertTrue(START <= record.completed_on < datetime(2026, 6, 1))

	def test_visits_were_checked_in_by_the_server_near_or_far_from_the_site(self):
		visits = frappe.get_all(
			"Sales Visit Log",
			filters={"reference_name": ("in", self.names)},
			fields=["rep", "geofence_result", "distance_m", "check_in_time", "status"],
		)
		self.assertTrue(visits)
		self.assertIn("Inside", {v.geofence_result for v in visits})
		for visit in visits:
			self.assertTrue(START <= visit.check_in_time < datetime(2026, 6, 1))
			if visit.geofence_result == "Inside":
				self.assertLessEqual(visit.distance_m, 500)

	def test_objections_in_both_languages_got_the_type_their_words_say(self):
		objections = frappe.get_all(
			"Sales Objection",
			filters={"reference_name": ("in", self.names)},
			fields=["objection_type", "customer_words", "suggested"],
		)
		self.assertTrue(objections)
		self.assertTrue(all(o.objection_type for o in objections))
		self.assertTrue(any(o.suggested for o in objections))

	def test_lost_deals_have_a_reason_and_their_open_records_were_cancelled(self):
		lost = [row.name for row in self.deals if row.status == "Lost"]
		self.assertTrue(lost)
		for name in lost:
			self.assertFalse(
				frappe.get_all(
					"Sales Checkpoint Record",
					filters={"reference_name": name, "status": ("in", ("Pending", "Due Soon", "Overdue"))},
				)
			)

	def test_the_team_is_a_tree_under_a_head_of_sales(self):
		plan = self.result["plan"]
		head = frappe.db.get_value("Sales Person", {"employee": _employee(plan.head.email)}, "name")
		self.assertTrue(head)
		teams = frappe.get_all("Sales Person", filters={"parent_sales_person": head}, pluck="name")
		self.assertEqual(len(teams), 3)
		for rep in plan.reps:
			node = frappe.db.get_value(
				"Sales Person", {"employee": _employee(rep.person.email)}, "parent_sales_person"
			)
			self.assertIn(node, teams)
		self.assertIn("Sales Manager", frappe.get_roles(plan.head.email))
		self.assertNotIn("Sales Manager", frappe.get_roles(plan.reps[0].person.email))

	def test_it_refuses_to_write_the_same_company_twice(self):
		with self.assertRaises(DemoExists):
			demo.run(reps=3, months=2, seed=11, end_date=END, company=COMPANY, abbr=ABBR, commit=lambda: None)


def _employee(user: str) -> str | None:
	return frappe.db.get_value("Employee", {"user_id": user})


class TestDemoInBulk(SalesProcessTestCase):
	"""`--scale` writes rows directly; they must read as the app's logic would have written them."""

	COMPANY = "_SP Demo Bulk Test"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		volumes = dataclasses.replace(plan.BENCHMARK_VOLUMES, deals_per_rep_month=8, customers_per_rep=3)
		cls.result = demo.run(
			reps=2,
			months=2,
			seed=5,
			end_date=END,
			scale=True,
			volumes=volumes,
			company=cls.COMPANY,
			abbr="SPDB",
			commit=lambda: None,
			say=lambda line: None,
		)
		cls.deals = frappe.get_all(
			"Opportunity",
			filters={"company": cls.COMPANY},
			fields=["name", "creation", "status", "sales_stage", "sp_compliance", "sp_stage_entered_on"],
		)
		cls.names = [row.name for row in cls.deals] or [""]

	def test_each_deal_starts_its_log_and_its_requirement_record(self):
		self.assertTrue(self.deals)
		first_rows = frappe.get_all(
			"Sales Stage Log",
			filters={"reference_name": ("in", self.names), "from_stage": ("is", "not set")},
			fields=["reference_name", "to_stage", "to_status", "changed_on"],
		)
		self.assertEqual({row.reference_name for row in first_rows}, set(self.names))
		created = {row.name: row.creation for row in self.deals}
		for row in first_rows:
			self.assertEqual((row.to_stage, row.to_status), ("Prospecting", "Open"))
			self.assertEqual(row.changed_on, created[row.reference_name])
		requirements = frappe.get_all(
			"Sales Checkpoint Record",
			filters={"reference_name": ("in", self.names), "checkpoint": "Requirement Clarification"},
			fields=["reference_name", "triggered_on", "due_on", "trigger_key"],
		)
		self.assertEqual(len(requirements), len(self.deals))
		for record in requirements:
			self.assertEqual(record.trigger_key, "created")
			self.assertEqual((record.due_on - record.triggered_on).total_seconds(), 48 * 3600)

	def test_each_deals_compliance_is_what_the_engine_computes_from_its_records(self):
		from sales_process.engine.compliance import compliance_rate
		from sales_process.process.records import record_states

		end = datetime.combine(END, datetime.min.time())
		for deal in self.deals:
			rate = compliance_rate(record_states("Opportunity", deal.name), end)
			self.assertAlmostEqual(deal.sp_compliance, rate or 0, places=1)

	def test_visits_carry_the_servers_geofence_verdict(self):
		visits = frappe.get_all(
			"Sales Visit Log",
			filters={"reference_name": ("in", self.names)},
			fields=["geofence_result", "distance_m", "needs_review", "flags_note", "reviewed_by"],
		)
		self.assertTrue(visits)
		for visit in visits:
			if visit.geofence_result == "Inside":
				self.assertLessEqual(visit.distance_m, 500)
			elif visit.geofence_result == "Outside":
				self.assertGreater(visit.distance_m, 500)
				self.assertIn("from the site", visit.flags_note)
			if visit.needs_review:
				self.assertTrue(visit.flags_note)

	def test_risk_signals_only_for_risk_types_and_one_open_per_deal_and_type(self):
		signals = frappe.get_all(
			"Sales Risk Signal",
			filters={"reference_name": ("in", self.names)},
			fields=["reference_name", "risk_type", "status"],
		)
		risky = set(frappe.get_all("Sales Objection Type", filters={"raises_risk": 1}, pluck="name"))
		self.assertTrue({s.risk_type for s in signals} <= risky)
		open_pairs = [(s.reference_name, s.risk_type) for s in signals if s.status == "Open"]
		self.assertEqual(len(open_pairs), len(set(open_pairs)))
