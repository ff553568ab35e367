"""The demo company on a real site, small (3 reps, 2 months), through the app's own logic, then its
leads added as `--leads-only` adds them to a demo written without; rolled back.

Run: CI=1 bench --site <site> run-tests --module sales_process.demo.test_demo
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import frappe

from sales_process import demo
from sales_process.demo import lead_plan, plan
from sales_process.demo.company import DemoExists
from sales_process.testing import SalesProcessTestCase

COMPANY = "_SP Demo Test Trading"
ABBR = "SPDX"
END = date(2026, 6, 1)  # a fixed window, so the story (and what is asserted) never moves
START = datetime(2026, 4, 1)
# more leads than the demo's rate, so two months of three reps show every channel
LEAD_VOLUMES = lead_plan.LeadVolumes(leads_per_rep_month=6, fair_leads_per_rep=4)


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
			leads=False,  # added below, the way a demo written without leads gets them
		)
		cls.lead_result = demo.add_leads(
			company=COMPANY, lead_volumes=LEAD_VOLUMES, commit=lambda: None, say=lambda line: None
		)
		# the deal story's deals (the converted leads' deals are checked on their own)
		cls.deals = frappe.get_all(
			"Opportunity",
			filters={"company": COMPANY, "opportunity_from": "Customer"},
			fields=["name", "creation", "status", "sales_stage", "opportunity_owner"],
			order_by="creation asc",
		)
		cls.names = [row.name for row in cls.deals] or [""]
		cls.leads = frappe.get_all(
			"Lead",
			filters={"company": COMPANY},
			fields=[
				"name",
				"creation",
				"source",
				"campaign_name",
				"lead_owner",
				"sp_score",
				"sp_grade",
				"sp_pooled",
				"sp_fingerprint",
				"sp_lead_rule",
				"sp_pooled_on",
				"sp_first_response_due",
				"sp_first_contacted_on",
				"qualification_status",
				"qualified_by",
			],
		)

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
		with self.assertRaises(DemoExists):
			demo.add_leads(company=COMPANY, commit=lambda: None, say=lambda line: None)

	# the leads

	def test_every_lead_step_went_through_the_apps_logic_without_a_failure(self):
		self.assertEqual(self.lead_result["failed"], {})
		story = self.lead_result["leads"]
		end = datetime.combine(END, datetime.min.time())
		self.assertEqual(len(self.leads), len([lead for lead in story.leads if lead.created < end]))
		self.assertGreater(len(self.leads), 20)
		for lead in self.leads:
			self.assertTrue(START <= lead.creation < end, lead.creation)
			if lead.sp_first_contacted_on:
				self.assertTrue(lead.creation <= lead.sp_first_contacted_on < end)

	def test_each_lead_is_scored_graded_and_qualified_by_the_companys_rule(self):
		from sales_process.process import leads as lead_process

		setup = lead_process.active_rule(COMPANY)
		self.assertIsNotNone(setup)
		head = self.result["plan"].head.email
		self.assertEqual(frappe.db.get_value("Sales Lead Rule", setup.name, "owner"), head)
		for lead in self.leads:
			self.assertEqual((lead.sp_lead_rule, lead.sp_fingerprint), (setup.name, setup.rule.fingerprint))
			self.assertIn(lead.sp_grade, ("A", "B", "C", "D"))
			self.assertEqual(lead.qualification_status, "Qualified" if lead.sp_pooled else "Unqualified")
			if lead.sp_pooled:
				self.assertEqual(lead.qualified_by, head)
				self.assertIsNotNone(lead.sp_pooled_on)
		pooled = [lead for lead in self.leads if lead.sp_pooled]
		self.assertTrue(pooled)
		self.assertLess(len(pooled), len(self.leads))
		self.assertGreater(len({lead.sp_grade for lead in self.leads}), 2)
		# emails, calls and meetings happened on the leads, at the story's moments
		communications = frappe.get_all(
			"Communication",
			filters={
				"reference_doctype": "Lead",
				"reference_name": ("in", [lead.name for lead in self.leads]),
			},
			fields=["communication_medium", "sent_or_received", "communication_date", "creation"],
		)
		self.assertEqual({c.communication_medium for c in communications}, {"Email", "Phone"})
		self.assertEqual({c.sent_or_received for c in communications}, {"Sent", "Received"})
		end = datetime.combine(END, datetime.min.time())
		for communication in communications:
			self.assertTrue(START <= communication.creation < end)

	def test_a_pooled_lead_not_contacted_in_time_raised_its_first_response_alert(self):
		end = datetime.combine(END, datetime.min.time())
		late = [
			lead.name
			for lead in self.leads
			if lead.sp_first_response_due
			and lead.sp_first_response_due < end - timedelta(days=1)
			and (not lead.sp_first_contacted_on or lead.sp_first_contacted_on > lead.sp_first_response_due)
		]
		self.assertTrue(late, "a careless rep leaves some leads waiting")
		alerted = set(
			frappe.get_all(
				"Sales Process Alert",
				filters={"alert_type": "First Response", "level": "Alert", "reference_doctype": "Lead"},
				pluck="reference_name",
			)
		)
		self.assertTrue(set(late) <= alerted, set(late) - alerted)

	def test_converted_leads_became_opportunities_the_erpnext_way(self):
		story = self.lead_result["leads"]
		end = datetime.combine(END, datetime.min.time())
		planned = [deal for deal in story.deals if deal.created < end]
		self.assertTrue(planned)
		converted = frappe.get_all(
			"Opportunity",
			filters={"company": COMPANY, "opportunity_from": "Lead"},
			fields=["name", "party_name", "sp_lead_grade", "sp_lead_score", "creation"],
		)
		self.assertEqual(len(converted), len(planned))
		names = {lead.name for lead in self.leads}
		for deal in converted:
			self.assertIn(deal.party_name, names)
			self.assertTrue(deal.sp_lead_grade)
			self.assertTrue(START <= deal.creation < end)
		self.assertTrue(
			set(
				frappe.get_all(
					"Lead", filters={"name": ("in", [d.party_name for d in converted])}, pluck="status"
				)
			)
			<= {"Opportunity", "Quotation", "Converted", "Lost Quotation"}
		)

	def test_lead_source_quality_compares_the_channels(self):
		from frappe.desk.query_report import run as run_report

		result = run_report(
			"Lead Source Quality",
			{"company": COMPANY, "from_date": str(START.date()), "to_date": str(END - timedelta(days=1))},
		)
		rows = {row["source"]: row for row in result["result"]}
		self.assertEqual(sum(row["leads"] for row in rows.values()), len(self.leads))
		self.assertGreaterEqual(len(rows), 4)
		self.assertGreater(len({row["pooled_pct"] for row in rows.values()}), 1)
		self.assertTrue(any(row["converted_pct"] for row in rows.values()))
		# the warm channels fill the pool more than the cold ones
		self.assertGreater(rows["Exhibition"]["pooled_pct"], rows["Social Media"]["pooled_pct"])


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

	def test_a_large_orgs_extra_checkpoints_start_on_entering_their_stage_skipped_or_not(self):
		from sales_process.demo.scale import LARGE_ORG_CHECKPOINTS
		from sales_process.engine.triggers import stage_key

		trigger_stage = {row["checkpoint_name"]: row["trigger_stage"] for row in LARGE_ORG_CHECKPOINTS}
		self.assertTrue(
			all(frappe.db.get_value("Sales Checkpoint", name, "enabled") for name in trigger_stage)
		)
		records = frappe.get_all(
			"Sales Checkpoint Record",
			filters={"reference_name": ("in", self.names), "checkpoint": ("in", list(trigger_stage))},
			fields=["reference_name", "checkpoint", "trigger_key", "status", "completed_on", "due_on"],
		)
		self.assertTrue(records)
		sequence = dict(frappe.get_all("Sales Stage", fields=["name", "sp_sequence"], as_list=True))
		furthest = {}
		for row in frappe.get_all(
			"Sales Stage Log",
			filters={"reference_name": ("in", self.names)},
			fields=["reference_name", "to_stage"],
		):
			rank = sequence.get(row.to_stage) or 0
			furthest[row.reference_name] = max(furthest.get(row.reference_name, 0), rank)
		for record in records:
			stage = trigger_stage[record.checkpoint]
			self.assertEqual(record.trigger_key, stage_key(stage))
			# the deal reached the stage, or went past it (a skipped stage is entered too)
			self.assertGreaterEqual(furthest[record.reference_name], sequence[stage])
		# every deal that reached Qualification got its budget check, once
		qualified = {name for name, rank in furthest.items() if rank >= sequence["Qualification"]}
		budget = [r.reference_name for r in records if r.checkpoint == "Budget and Authority Check"]
		self.assertEqual(sorted(budget), sorted(qualified))
		statuses = {record.status for record in records}
		self.assertIn("Completed", statuses)
		self.assertTrue(statuses <= {"Pending", "Due Soon", "Overdue", "Completed", "Cancelled"})
		for record in records:
			self.assertEqual(bool(record.completed_on), record.status == "Completed")
