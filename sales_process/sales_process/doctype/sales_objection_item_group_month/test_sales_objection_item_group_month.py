"""The By Item Group rollup follows the objections and their deal's items, and equals a rebuild."""

import frappe

from sales_process.engine.rollup import EVERY_REP, total
from sales_process.process import objection_rollup, rollups
from sales_process.process.objection_rollup import ITEM_GROUPS
from sales_process.testing import EnrolledCompanyTestCase, every_rep_rows_and_their_sums, make_opportunity

OBJECTION = "Sales Objection"
PUMPS, VALVES = "_SP IG Pumps", "_SP IG Valves"


def item_in(group: str) -> str:
	if not frappe.db.exists("Item Group", group):
		root = frappe.db.get_value("Item Group", {"is_group": 1}, "name", order_by="lft asc")
		frappe.get_doc({"doctype": "Item Group", "item_group_name": group, "parent_item_group": root}).insert(
			ignore_permissions=True
		)
	code = f"{group}-item"
	if not frappe.db.exists("Item", code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": code,
				"item_group": group,
				"stock_uom": "Nos",
				"is_stock_item": 0,
			}
		).insert(ignore_permissions=True)
	return code


def objections_under(rows: dict, group: str) -> int:
	return rows.get((True, group), {}).get("objections", 0)


class TestObjectionItemGroupRollup(EnrolledCompanyTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.savepoint("item_group_rollup_test")
		self.addCleanup(frappe.db.rollback, save_point="item_group_rollup_test")
		self.pump, self.valve = item_in(PUMPS), item_in(VALVES)
		self.deal = make_opportunity(
			self.company,
			opportunity_amount=1000,
			base_opportunity_amount=1000,
			items=[{"item_code": self.pump, "qty": 1, "rate": 10}],
		).name
		self.kind = frappe.get_all("Sales Objection Type", pluck="name", order_by="name", limit=1)[0]

	def objection(self, deal=None):
		return frappe.get_doc(
			{
				"doctype": OBJECTION,
				"reference_doctype": "Opportunity",
				"reference_name": deal or self.deal,
				"objection_type": self.kind,
				"customer_words": "item group words",
			}
		).insert(ignore_permissions=True)

	def rows(self) -> dict:
		"""This company's stored rows of the test's type, per (rep or every rep, item group)."""
		return {
			(key[2] == EVERY_REP, key[4]): change.counts
			for key, change in rollups.stored(ITEM_GROUPS).items()
			if key[1] == self.company and key[3] == self.kind and key[4] in (PUMPS, VALVES, "")
		}

	def added(self, before: dict, group: str) -> int:
		"""Objections the test added under `group`, in the rows over every rep."""
		return objections_under(self.rows(), group) - objections_under(before, group)

	def assert_exact(self):
		names = frappe.get_all(OBJECTION, filters={"reference_name": self.deal}, pluck="name")
		mine = total(ITEM_GROUPS.contributions(rollups.read_rows(ITEM_GROUPS, names)))
		stored = rollups.stored(ITEM_GROUPS)
		for key, change in mine.items():
			if key[2] != EVERY_REP:
				self.assertEqual(stored.get(key), change, key)
		every, summed = every_rep_rows_and_their_sums(ITEM_GROUPS)
		self.assertEqual(every, summed)

	def test_an_objection_counts_under_its_deals_item_groups_as_they_change(self):
		before = self.rows()
		one = self.objection()
		self.assertEqual(frappe.db.get_value(OBJECTION, one.name, "item_groups"), PUMPS)
		self.assert_exact()
		self.assertEqual(self.added(before, PUMPS), 1)

		# the rep adds a valve to the deal: the objection now counts under both groups
		deal = frappe.get_doc("Opportunity", self.deal)
		deal.append("items", {"item_code": self.valve, "qty": 1, "rate": 10})
		deal.save(ignore_permissions=True)
		self.assertEqual(frappe.db.get_value(OBJECTION, one.name, "item_groups"), f"{PUMPS}\n{VALVES}")
		self.assert_exact()
		self.assertEqual(self.added(before, VALVES), 1)
		self.assertEqual(self.added(before, PUMPS), 1)

		# every item removed: it counts under no group
		deal.reload()
		deal.items = []
		deal.save(ignore_permissions=True)
		self.assertFalse(frappe.db.get_value(OBJECTION, one.name, "item_groups"))
		self.assert_exact()

		# deleted: its counts leave with it
		frappe.delete_doc(OBJECTION, one.name, ignore_permissions=True, force=True)
		self.assertEqual([self.added(before, group) for group in (PUMPS, VALVES, "")], [0, 0, 0])

	def test_a_request_cannot_set_the_item_groups(self):
		one = self.objection()
		one.reload()
		one.item_groups = VALVES
		one.save(ignore_permissions=True)
		self.assertEqual(frappe.db.get_value(OBJECTION, one.name, "item_groups"), PUMPS)
		self.assert_exact()

	def test_rebuild_gives_the_rows_the_writes_made(self):
		self.objection()
		before = rollups.stored(ITEM_GROUPS)
		objection_rollup.rebuild()
		self.assertEqual(rollups.stored(ITEM_GROUPS), before)
