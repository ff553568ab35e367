import frappe

from sales_process.process.objections import suggest
from sales_process.testing import SalesProcessTestCase


class TestSalesObjectionType(SalesProcessTestCase):
	def test_defaults_cover_chinese_and_english_words(self):
		self.assertEqual(suggest("客户说预算不够"), "Budget Insufficient")
		self.assertEqual(suggest("We must run a public tender"), "Must Go to Tender")
		self.assertIsNone(suggest(""))

	def test_a_new_type_is_used_at_once_and_keywords_are_cleaned(self):
		objection_type = frappe.get_doc(
			{
				"doctype": "Sales Objection Type",
				"type_name": "_SP Delivery Too Slow",
				"keywords": "交期太长\n交期太长, too slow\n\n",
			}
		).insert()
		self.assertEqual(objection_type.keywords, "交期太长\ntoo slow")
		self.assertEqual(suggest("交期太长了"), "_SP Delivery Too Slow")

	def test_a_type_needs_keywords(self):
		with self.assertRaises(frappe.ValidationError):
			frappe.get_doc(
				{"doctype": "Sales Objection Type", "type_name": "_SP Empty", "keywords": " \n "}
			).insert()
