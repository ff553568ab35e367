"""The open pipeline follows every change of a deal that weighs it, equals a rebuild, and weighs
as reading the deals does."""

import frappe
from frappe.utils import now_datetime

from sales_process.engine.deal_history import pipeline_groups
from sales_process.engine.targets import weighted_pipeline
from sales_process.process import deal_rollup, outcomes, rollups, stage_log
from sales_process.process.deal_rollup import PIPELINE
from sales_process.process.report_scope import ReportScope
from sales_process.testing import EnrolledCompanyTestCase, make_opportunity, make_user

REP = "sp-open-pipeline-rep@example.com"


class TestOpenPipeline(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.savepoint("open_pipeline_test")
		self.addCleanup(frappe.db.rollback, save_point="open_pipeline_test")
		self.scope = ReportScope(
			company=self.company, from_date=frappe.utils.getdate(), to_date=frappe.utils.getdate(), reps=[REP]
		)

	def mine(self) -> dict:
		"""The rep's pipeline groups (rep, stage, scored) as stored, checked against a rebuild's."""
		stored = deal_rollup.open_pipeline(self.scope)
		rows = rollups.stored(PIPELINE)
		deal_rollup.rebuild()
		self.assertEqual(rollups.stored(PIPELINE), rows)
		return {
			key[1:]: {name: float(value or 0) for name, value in counts.items()}
			for key, counts in stored.items()
		}

	def deal(self, amount, stage="Prospecting", probability=20):
		return make_opportunity(
			self.company,
			stage=stage,
			opportunity_owner=REP,
			opportunity_amount=amount,
			base_opportunity_amount=amount,
			probability=probability,
		).name

	def test_a_deal_weighs_in_the_pipeline_while_it_is_open(self):
		deal = self.deal(1000)
		self.assertEqual(
			self.mine(),
			{
				("Prospecting", 0): {
					"deals": 1,
					"amount": 1000,
					"weighted_by_deal": 20_000,
					"weighted_by_model": 0,
				}
			},
		)
		# the rep raises the amount and the probability, then moves the deal on
		doc = frappe.get_doc("Opportunity", deal)
		doc.opportunity_amount, doc.base_opportunity_amount, doc.probability = 3000, 3000, 50
		doc.save(ignore_permissions=True)
		self.assertEqual(self.mine()[("Prospecting", 0)]["weighted_by_deal"], 150_000)
		doc.reload()
		doc.sales_stage = "Qualification"
		doc.save(ignore_permissions=True)
		self.assertEqual(set(self.mine()), {("Qualification", 0)})
		# won by an order (no event on the Opportunity): it leaves the pipeline
		outcomes.mark_won(deal, now_datetime())
		self.assertEqual(self.mine(), {})
		outcomes.mark_open(deal)
		self.assertEqual(self.mine()[("Qualification", 0)]["deals"], 1)
		stage_log.log_position(
			"Opportunity", deal, stage_log.Position("Qualification", "Lost"), "Opportunity"
		)
		self.assertEqual(self.mine(), {})

	def test_the_sums_weigh_as_the_deals_read_do(self):
		from sales_process.sales_process.report.target_back_calculation.target_back_calculation import Reader

		for amount, stage, probability in (
			(1000, "Prospecting", 20),
			(2500, "Qualification", 0),
			(400, "Prospecting", 90),
		):
			self.deal(amount, stage, probability)
		reader = Reader(self.scope, frappe.utils.getdate(), frappe.utils.getdate())
		probabilities = {name: probability for name, _sequence, probability in reader.stages()}
		for use_model in (False, True):
			from_sums = weighted_pipeline(reader.open_deals(use_model), probabilities)
			read = weighted_pipeline(reader.open_deals_read(use_model), probabilities)
			self.assertAlmostEqual(float(from_sums.get(REP)), float(read.get(REP)), places=6)
		self.assertTrue(len(pipeline_groups(deal_rollup.open_pipeline(self.scope), False)))
