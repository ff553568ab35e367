import hashlib

import frappe
from frappe.utils import add_to_date, get_datetime, now_datetime

from sales_process import api
from sales_process.process.gates import CheckpointGateError
from sales_process.testing import (
	EnrolledCompanyTestCase,
	attach_file,
	enroll,
	make_opportunity,
	records,
)


class TestOpportunityProcess(EnrolledCompanyTestCase):
	def setUp(self):
		frappe.set_user("Administrator")

	def test_creation_starts_requirement_clarification_due_in_48_hours(self):
		opportunity = make_opportunity(self.company)
		(record,) = records(opportunity.name, "Requirement Clarification")
		self.assertEqual(record.status, "Pending")
		self.assertEqual(record.trigger_key, "created")
		hours = (get_datetime(record.due_on) - get_datetime(record.triggered_on)).total_seconds() / 3600
		self.assertEqual(hours, 48)
		self.assertLess(abs((get_datetime(record.triggered_on) - now_datetime()).total_seconds()), 120)

	def test_skipping_needs_analysis_is_refused_with_the_checkpoint_and_the_fix(self):
		opportunity = make_opportunity(self.company)
		opportunity.sales_stage = "Value Proposition"
		with self.assertRaises(CheckpointGateError) as refusal:
			opportunity.save()
		message = str(refusal.exception)
		self.assertIn("Requirement Clarification", message)
		self.assertIn("Attach the requirement confirmation signed by the customer", message)
		self.assertIn("Sales Manager", message)
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "sales_stage"), "Prospecting")

	def test_completing_the_checkpoint_opens_the_gate_and_logs_the_move(self):
		opportunity = make_opportunity(self.company)
		(record,) = records(opportunity.name, "Requirement Clarification")
		url = attach_file(record.name)
		api.complete_checkpoint(record.name, summary="Needs 40 units of model X by March", attachment=url)
		done = frappe.get_doc("Sales Checkpoint Record", record.name)
		self.assertEqual(done.status, "Completed")
		self.assertEqual(done.completed_by, "Administrator")
		self.assertTrue(done.on_time)
		self.assertEqual(done.evidence_hash, hashlib.sha256(b"signed confirmation").hexdigest())

		opportunity.reload()
		opportunity.sales_stage = "Value Proposition"
		opportunity.save()
		self.assertEqual(opportunity.probability, 40)  # the stage's default probability
		logs = frappe.get_all(
			"Sales Stage Log",
			filters={"reference_name": opportunity.name},
			fields=["from_stage", "to_stage", "source", "seconds_in_previous"],
			order_by="changed_on asc, creation asc",
		)
		self.assertEqual(
			[(log.from_stage, log.to_stage) for log in logs],
			[(None, "Prospecting"), ("Prospecting", "Value Proposition")],
		)
		self.assertIsNotNone(logs[-1].seconds_in_previous)
		self.assertTrue(frappe.db.get_value("Opportunity", opportunity.name, "sp_stage_entered_on"))

	def test_moving_back_is_never_refused(self):
		opportunity = make_opportunity(self.company, stage="Needs Analysis")
		opportunity.sales_stage = "Qualification"
		opportunity.save()
		self.assertEqual(opportunity.sales_stage, "Qualification")

	def test_proposal_stage_requires_the_decision_chain(self):
		opportunity = make_opportunity(self.company)
		self._complete_requirement(opportunity)
		opportunity.reload()
		opportunity.sales_stage = "Proposal/Price Quote"
		opportunity.save()
		(record,) = records(opportunity.name, "Decision Chain Mapping")
		# five working days
		self.assertGreaterEqual((get_datetime(record.due_on) - get_datetime(record.triggered_on)).days, 5)

		opportunity.sales_stage = "Negotiation/Review"
		with self.assertRaises(CheckpointGateError) as refusal:
			opportunity.save()
		self.assertIn(
			"Mark the decision chain: Initiator, Influencer, Veto Holder missing", str(refusal.exception)
		)

		opportunity.reload()
		for role in ("Initiator", "Influencer", "Veto Holder"):
			opportunity.append("sp_decision_makers", {"full_name": f"{role} Wang", "role": role})
		opportunity.save()
		url = attach_file(record.name, b"meeting minutes")
		api.complete_checkpoint(record.name, attachment=url)
		opportunity.reload()
		opportunity.sales_stage = "Negotiation/Review"
		opportunity.save()
		self.assertEqual(
			frappe.db.get_value("Opportunity", opportunity.name, "sales_stage"), "Negotiation/Review"
		)

	def test_reentering_a_stage_keeps_one_record(self):
		opportunity = make_opportunity(self.company, stage="Proposal/Price Quote")
		self.assertEqual(len(records(opportunity.name, "Decision Chain Mapping")), 1)
		self._complete_requirement(opportunity)  # it would hold the forward move
		opportunity.reload()
		opportunity.sales_stage = "Value Proposition"
		opportunity.save()
		opportunity.sales_stage = "Proposal/Price Quote"
		opportunity.save()
		self.assertEqual(len(records(opportunity.name, "Decision Chain Mapping")), 1)

	def test_a_deal_created_at_a_late_stage_cannot_skip_its_gates(self):
		opportunity = make_opportunity(self.company, stage="Negotiation/Review")
		self.assertEqual(len(records(opportunity.name, "Decision Chain Mapping")), 1)
		late = make_opportunity(self.company, stage="Value Proposition")
		late.sales_stage = "Proposal/Price Quote"
		with self.assertRaises(CheckpointGateError) as refusal:
			late.save()
		self.assertIn("Requirement Clarification", str(refusal.exception))

	def test_a_new_deal_takes_its_stage_default_probability(self):
		opportunity = make_opportunity(self.company, stage="Qualification")
		self.assertEqual(opportunity.probability, 20)
		typed = make_opportunity(self.company, stage="Qualification", probability=55)
		self.assertEqual(typed.probability, 55)

	def test_a_deal_saved_outside_the_form_has_its_amount_in_the_company_currency(self):
		# ERPNext works the base amount out only in the browser; the reports read it
		opportunity = make_opportunity(self.company, opportunity_amount=12_500, base_opportunity_amount=0)
		self.assertEqual(
			frappe.db.get_value("Opportunity", opportunity.name, "base_opportunity_amount"), 12_500
		)
		frappe.db.set_value("Opportunity", opportunity.name, "base_opportunity_amount", 0)
		from sales_process.patches.v0_8 import base_amount_of_deals

		base_amount_of_deals.execute()
		self.assertEqual(
			frappe.db.get_value("Opportunity", opportunity.name, "base_opportunity_amount"), 12_500
		)

	def test_recording_a_competitor_in_one_step_names_it_and_completes_its_checkpoint(self):
		competitor = _competitor("_SP Hooli")
		opportunity = make_opportunity(self.company)
		api.record_competitor(
			"Opportunity", opportunity.name, competitor, "Price", "Local service in 4 hours", "HX-9"
		)
		opportunity.reload()
		self.assertIn(competitor, [row.competitor for row in opportunity.competitors])
		(record,) = records(opportunity.name, "Competitor Response Record")
		self.assertEqual(record.status, "Completed")

	def test_competitor_added_starts_its_response_checkpoint(self):
		competitor = _competitor("_SP Acme")
		opportunity = make_opportunity(self.company)
		opportunity.append("competitors", {"competitor": competitor})
		opportunity.save()
		(record,) = records(opportunity.name, "Competitor Response Record")
		self.assertEqual(record.trigger_key, f"competitor:{competitor}")
		self.assertEqual(
			(get_datetime(record.due_on) - get_datetime(record.triggered_on)).total_seconds(), 24 * 3600
		)

	def test_panel_shows_live_status_and_compliance(self):
		opportunity = make_opportunity(self.company)
		(record,) = records(opportunity.name, "Requirement Clarification")
		frappe.db.set_value(
			"Sales Checkpoint Record",
			record.name,
			{
				"due_on": add_to_date(now_datetime(), hours=-1),
				"triggered_on": add_to_date(now_datetime(), hours=-49),
			},
		)
		panel = api.get_checkpoint_panel("Opportunity", opportunity.name)
		(row,) = [r for r in panel["records"] if r["name"] == record.name]
		self.assertEqual(row["status"], "Overdue")
		self.assertTrue(row["needs_attachment"] and row["needs_summary"])
		self.assertEqual(panel["compliance"], 0.0)
		self.assertTrue(row["can_waive"])

	def test_a_company_outside_the_process_is_never_gated(self):
		from sales_process.testing import unenroll

		unenroll(self.company)
		try:
			opportunity = make_opportunity(self.company)
			self.assertEqual(records(opportunity.name), [])
			opportunity.sales_stage = "Negotiation/Review"
			opportunity.save()
		finally:
			enroll(self.company)

	def _complete_requirement(self, opportunity):
		(record,) = records(opportunity.name, "Requirement Clarification")
		api.complete_checkpoint(
			record.name, summary="Needs confirmed in writing", attachment=attach_file(record.name)
		)


def _competitor(name):
	if not frappe.db.exists("Competitor", name):
		frappe.get_doc({"doctype": "Competitor", "competitor_name": name}).insert(ignore_permissions=True)
	return name
