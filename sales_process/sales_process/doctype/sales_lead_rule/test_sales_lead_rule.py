"""Sales Lead Rule on a real site: a rule that cannot score is refused with what to fix (in the
reader's language), one enabled rule per company, and the engine's rule built from the form."""

import frappe

from sales_process.engine.leads import Criterion
from sales_process.process import leads
from sales_process.process.test_leads import RULE_NAME, make_rule
from sales_process.testing import EnrolledCompanyTestCase


class TestSalesLeadRule(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.rule = make_rule(cls.company)

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.local.lang = "en"

	def tearDown(self):
		frappe.local.lang = "en"

	def refusal(self, **changes) -> str:
		rule = frappe.get_doc("Sales Lead Rule", self.rule.name)
		for fieldname, value in changes.items():
			if fieldname.startswith("criterion_"):
				rule.criteria[0].set(fieldname[len("criterion_") :], value)
			else:
				rule.set(fieldname, value)
		with self.assertRaises(frappe.ValidationError) as refused:
			rule.save()
		return str(refused.exception)

	def test_the_form_becomes_the_engines_rule(self):
		rule = leads.rule_from_doc(self.rule)
		self.assertEqual(rule.currency, frappe.get_cached_value("Company", self.company, "default_currency"))
		self.assertEqual(
			rule.criteria[0], Criterion("industry", "in", "Manufacturing, Aerospace", "Pool", 0, None)
		)
		self.assertEqual(rule.criteria[2].points, 40)
		self.assertEqual(dict(rule.activity_points)["Visit"], 20)
		self.assertEqual(dict(rule.grade_thresholds), {"A": 75, "B": 50, "C": 25})
		self.assertEqual(dict(rule.first_response_hours), {"A": 4, "B": 24, "C": 72, "D": None})
		self.assertEqual((rule.half_life_days, rule.window_days, rule.activity_cap), (30, 90, 40))

	def test_a_rule_that_cannot_score_says_what_to_fix(self):
		self.assertIn(
			"Criteria row 1: Lead has no field industri", self.refusal(criterion_lead_field="industri")
		)
		self.assertIn(
			"Criteria row 1: Industry is not a number field: &gt;= cannot compare it",
			self.refusal(criterion_operator=">=", criterion_value="5"),
		)
		self.assertIn(
			"Criteria row 1: Annual Revenue &gt;= needs a number such as 10000000, not ten million",
			self.refusal(
				criterion_lead_field="annual_revenue", criterion_operator=">=", criterion_value="ten million"
			),
		)
		self.assertIn(
			"Criteria row 1: The Fit criterion on Industry gives no points",
			self.refusal(criterion_kind="Fit", criterion_points=0),
		)
		self.assertIn("holds no value to compare", self.refusal(criterion_lead_field="notes"))
		self.assertIn("Grade thresholds must not rise from A to C", self.refusal(grade_b=90))
		self.assertIn("The activity window must be more than zero days", self.refusal(window_days=0))
		frappe.local.lang = "zh"
		self.assertIn("条件第 1 行:线索没有字段 industri", self.refusal(criterion_lead_field="industri"))
		self.assertIn("等级阈值从 A 到 C 不能升高", self.refusal(grade_b=90))

	def test_points_on_a_pool_criterion_are_dropped_and_a_kind_listed_twice_is_refused(self):
		rule = frappe.get_doc("Sales Lead Rule", self.rule.name)
		rule.criteria[0].points = 15  # hidden on the form for a pool criterion
		rule.save()
		self.assertEqual(rule.criteria[0].points, 0)
		rule.append("activity", {"engagement_kind": "Call", "points": 1})
		with self.assertRaises(frappe.ValidationError) as refused:
			rule.save()
		self.assertIn("The engagement kind Call is listed twice", str(refused.exception))

	def test_one_enabled_rule_per_company(self):
		second = frappe.copy_doc(self.rule)
		second.rule_name = f"{RULE_NAME} 2"
		with self.assertRaises(frappe.ValidationError) as refused:
			second.insert()
		self.assertIn("is already enabled for", str(refused.exception))
		second.enabled = 0
		second.insert()  # a disabled draft next to it is fine
		self.assertEqual(leads.active_rule(self.company).name, self.rule.name)
