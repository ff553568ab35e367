import frappe

from sales_process.setup.default_checkpoints import DEFAULT_CHECKPOINTS
from sales_process.testing import SalesProcessTestCase, enroll, make_opportunity, records, test_company


def _checkpoint(name, **fields):
	return frappe.get_doc(
		{
			"doctype": "Sales Checkpoint",
			"checkpoint_name": name,
			"trigger": "Opportunity Created",
			"due_value": 24,
			"due_unit": "Hours",
			"evidence": [{"kind": "Summary", "label": "a note"}],
			**fields,
		}
	)


class TestSalesCheckpoint(SalesProcessTestCase):
	def test_the_six_defaults_are_installed(self):
		names = set(frappe.get_all("Sales Checkpoint", pluck="name"))
		self.assertTrue({c["checkpoint_name"] for c in DEFAULT_CHECKPOINTS} <= names)
		decision_chain = frappe.get_doc("Sales Checkpoint", "Decision Chain Mapping")
		self.assertEqual((decision_chain.due_value, decision_chain.due_unit), (5, "Working Days"))

	def test_an_invalid_condition_is_refused_when_saved(self):
		checkpoint = _checkpoint("_SP Broken Condition", condition="doc.opportunity_amount >")
		with self.assertRaises(frappe.ValidationError) as refusal:
			checkpoint.insert()
		self.assertIn("cannot be evaluated", str(refusal.exception))
		self.assertFalse(frappe.db.exists("Sales Checkpoint", "_SP Broken Condition"))

	def test_enters_stage_needs_a_stage(self):
		with self.assertRaises(frappe.ValidationError):
			_checkpoint("_SP No Stage", trigger="Enters Stage").insert()

	def test_condition_and_scope_limit_where_a_checkpoint_applies(self):
		company = test_company()
		enroll(company)
		_checkpoint("_SP Big Deals", condition="doc.opportunity_amount > 1000000").insert()
		small = make_opportunity(company, opportunity_amount=10)
		self.assertEqual(records(small.name, "_SP Big Deals"), [])
		big = make_opportunity(company, opportunity_amount=5000000)
		self.assertEqual(len(records(big.name, "_SP Big Deals")), 1)

	def test_industry_scope_makes_a_checkpoint_mandatory_only_there(self):
		company = test_company()
		enroll(company)
		for industry in ("_SP Auto Parts", "_SP Food Packaging"):
			if not frappe.db.exists("Industry Type", industry):
				frappe.get_doc({"doctype": "Industry Type", "industry": industry}).insert()
		_checkpoint(
			"_SP Line Takt Analysis",
			scope=[{"dimension": "Industry Type", "value": "_SP Auto Parts"}],
			evidence=[{"kind": "Attachment", "label": "the line-takt analysis"}],
		).insert()
		auto = make_opportunity(company, industry="_SP Auto Parts")
		food = make_opportunity(company, industry="_SP Food Packaging")
		self.assertEqual(len(records(auto.name, "_SP Line Takt Analysis")), 1)
		self.assertEqual(records(food.name, "_SP Line Takt Analysis"), [])

	def test_a_condition_failing_at_run_time_blocks_nothing(self):
		company = test_company()
		enroll(company)
		# valid on an empty opportunity (probability 100), fails on one at Prospecting (10 %: divides by zero)
		_checkpoint("_SP Fragile", condition="doc.opportunity_amount / (doc.probability - 10) > 1").insert()
		opportunity = make_opportunity(company)
		self.assertEqual(records(opportunity.name, "_SP Fragile"), [])
		opportunity.sales_stage = "Qualification"
		opportunity.save()

	def test_disabling_a_checkpoint_stops_its_gate(self):
		company = test_company()
		enroll(company)
		frappe.db.set_value("Sales Checkpoint", "Requirement Clarification", "enabled", 0)
		frappe.get_doc("Sales Checkpoint", "Requirement Clarification").save()  # clears the rule cache
		try:
			opportunity = make_opportunity(company)
			opportunity.sales_stage = "Value Proposition"
			opportunity.save()
		finally:
			checkpoint = frappe.get_doc("Sales Checkpoint", "Requirement Clarification")
			checkpoint.enabled = 1
			checkpoint.save()
