"""The objection rollup follows every write of an objection and of its deal, and equals a rebuild."""

import frappe

from sales_process.engine.rollup import EVERY_REP, total
from sales_process.process import objection_rollup, rollups, stage_log
from sales_process.process.objection_rollup import OBJECTIONS
from sales_process.testing import EnrolledCompanyTestCase, every_rep_rows_and_their_sums, make_opportunity

OBJECTION = "Sales Objection"


class TestObjectionRollup(EnrolledCompanyTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.savepoint("objection_rollup_test")
		self.addCleanup(frappe.db.rollback, save_point="objection_rollup_test")
		self.deal = make_opportunity(
			self.company, opportunity_amount=1000, base_opportunity_amount=1000, conversion_rate=1
		).name
		self.types = frappe.get_all("Sales Objection Type", pluck="name", order_by="name", limit=2)

	def objection(self, objection_type, words="price"):
		return frappe.get_doc(
			{
				"doctype": OBJECTION,
				"reference_doctype": "Opportunity",
				"reference_name": self.deal,
				"objection_type": objection_type,
				"customer_words": words,
			}
		).insert(ignore_permissions=True)

	def facts(self) -> list:
		return frappe.get_all(
			OBJECTION,
			filters={"reference_name": self.deal},
			fields=[
				"name",
				"objection_type",
				"first_of_type",
				"first_on_deal",
				"deal_lost",
				"open_value",
				"company",
			],
			order_by="creation asc, name asc",
		)

	def assert_exact(self):
		names = frappe.get_all(OBJECTION, filters={"reference_name": self.deal}, pluck="name")
		mine = total(OBJECTIONS.contributions(rollups.read_rows(OBJECTIONS, names)))
		stored = rollups.stored(OBJECTIONS)
		for key, change in mine.items():
			if key[2] != EVERY_REP:
				self.assertEqual(stored.get(key), change, key)
		every, summed = every_rep_rows_and_their_sums(OBJECTIONS)
		self.assertEqual(every, summed)

	def test_firsts_lost_and_value_follow_the_deal(self):
		first_type, second_type = self.types
		one = self.objection(first_type)
		two = self.objection(first_type)
		three = self.objection(second_type)
		rows = {row.name: row for row in self.facts()}
		self.assertEqual((rows[one.name].first_of_type, rows[one.name].first_on_deal), (1, 1))
		self.assertEqual((rows[two.name].first_of_type, rows[two.name].first_on_deal), (0, 0))
		self.assertEqual((rows[three.name].first_of_type, rows[three.name].first_on_deal), (1, 0))
		self.assertEqual(
			[float(rows[name].open_value) for name in (one.name, two.name, three.name)], [1000.0, 0.0, 1000.0]
		)
		self.assertEqual(rows[one.name].company, self.company)
		self.assert_exact()

		# the rep corrects the first objection's type: the second one becomes the first of its type
		one.reload()
		one.objection_type = second_type
		one.save(ignore_permissions=True)
		rows = {row.name: row for row in self.facts()}
		self.assertEqual(
			(rows[one.name].first_of_type, rows[two.name].first_of_type, rows[three.name].first_of_type),
			(1, 1, 0),
		)
		self.assert_exact()

		# the deal grows: what is at stake follows
		deal = frappe.get_doc("Opportunity", self.deal)
		deal.opportunity_amount = 2500
		deal.base_opportunity_amount = 2500
		deal.save(ignore_permissions=True)
		self.assertEqual(sorted(float(row.open_value) for row in self.facts()), [0.0, 2500.0, 2500.0])
		self.assert_exact()

		# the deal is lost (ERPNext sets the status, the log sees the move): nothing is at stake any
		# more and every objection is on a lost deal
		frappe.db.set_value("Opportunity", self.deal, "status", "Lost")
		stage_log.log_position(
			"Opportunity", self.deal, stage_log.Position(deal.sales_stage, "Lost"), "Opportunity"
		)
		self.assertEqual({(row.deal_lost, float(row.open_value)) for row in self.facts()}, {(1, 0.0)})
		self.assert_exact()

		# an objection deleted: its counts leave with it, and the firsts are stamped again
		frappe.delete_doc(OBJECTION, one.name, ignore_permissions=True, force=True)
		self.assertEqual(sum(row.first_on_deal for row in self.facts()), 1)
		self.assert_exact()

	def test_a_request_cannot_set_the_stamped_facts(self):
		one = self.objection(self.types[0])
		one.reload()
		one.first_of_type = 0
		one.open_value = 999999
		one.company = None
		one.save(ignore_permissions=True)
		(row,) = self.facts()
		self.assertEqual((row.first_of_type, float(row.open_value), row.company), (1, 1000.0, self.company))
		self.assert_exact()

	def test_rebuild_gives_the_rows_the_writes_made(self):
		self.objection(self.types[0])
		before = rollups.stored(OBJECTIONS)
		objection_rollup.rebuild()
		self.assertEqual(rollups.stored(OBJECTIONS), before)
