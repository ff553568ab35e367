"""A deal's strategy uses follow its objections, risk signals and outcome, and always equal what
reading them again gives."""

import frappe

from sales_process.process import outcomes, stage_log, strategy_rollup
from sales_process.testing import EnrolledCompanyTestCase, make_opportunity, make_user

REP = "sp-strategy-use-rep@example.com"
BUNDLE, DISCOUNT = "_SP SU Bundle", "_SP SU Discount"
RISK = "_SP SU Budget Risk"


class TestStrategyUses(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])
		for strategy in (BUNDLE, DISCOUNT):
			if not frappe.db.exists("Sales Response Strategy", strategy):
				frappe.get_doc({"doctype": "Sales Response Strategy", "strategy_name": strategy}).insert(
					ignore_permissions=True
				)
		if not frappe.db.exists("Sales Objection Type", RISK):
			frappe.get_doc(
				{
					"doctype": "Sales Objection Type",
					"type_name": RISK,
					"keywords": "su-risk",
					"raises_risk": 1,
				}
			).insert(ignore_permissions=True)

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.savepoint("strategy_use_test")
		self.addCleanup(frappe.db.rollback, save_point="strategy_use_test")
		self.deal = make_opportunity(self.company, opportunity_owner=REP).name

	def uses(self) -> dict:
		stored = {
			strategy: use for (_deal, strategy), use in strategy_rollup.stored_uses([self.deal]).items()
		}
		# what the hooks stored is what reading the answers and the deal again gives
		fresh = {strategy: use for (_deal, strategy), use in strategy_rollup.uses_of([self.deal]).items()}
		self.assertEqual(stored, fresh)
		return stored

	def objection(self, strategy, **values):
		return frappe.get_doc(
			{
				"doctype": "Sales Objection",
				"reference_doctype": "Opportunity",
				"reference_name": self.deal,
				"customer_words": "strategy use words",
				"strategy": strategy,
				**values,
			}
		).insert(ignore_permissions=True)

	def test_uses_follow_the_answers_and_the_deal(self):
		first = self.objection(BUNDLE)
		self.objection(BUNDLE)
		uses = self.uses()
		self.assertEqual(set(uses), {BUNDLE})
		self.assertEqual((uses[BUNDLE]["rep"], uses[BUNDLE]["outcome"]), (REP, "Open"))
		self.assertEqual(uses[BUNDLE]["first_used_on"], frappe.utils.get_datetime(first.creation))

		# a risk signal answered with another strategy is a use too
		signal = frappe.get_doc(
			{
				"doctype": "Sales Risk Signal",
				"reference_doctype": "Opportunity",
				"reference_name": self.deal,
				"risk_type": RISK,
				"strategy": DISCOUNT,
			}
		)
		signal.flags.sp_system_write = True
		signal.insert(ignore_permissions=True)
		self.assertEqual(set(self.uses()), {BUNDLE, DISCOUNT})

		# the rep changes the first answer's strategy: Bundle's first use is now the second objection
		first.reload()
		first.strategy = DISCOUNT
		first.save(ignore_permissions=True)
		uses = self.uses()
		self.assertEqual(uses[DISCOUNT]["first_used_on"], frappe.utils.get_datetime(first.creation))

		# the deal is lost, then won by an order: every use follows its outcome
		stage_log.log_position(
			"Opportunity", self.deal, stage_log.Position("Prospecting", "Lost"), "Opportunity"
		)
		self.assertEqual({use["outcome"] for use in self.uses().values()}, {"Lost"})
		outcomes.mark_won(self.deal, frappe.utils.now_datetime())
		self.assertEqual({use["outcome"] for use in self.uses().values()}, {"Won"})

		# answers deleted: their uses leave
		frappe.delete_doc("Sales Risk Signal", signal.name, ignore_permissions=True, force=True)
		frappe.delete_doc("Sales Objection", first.name, ignore_permissions=True, force=True)
		self.assertEqual(set(self.uses()), {BUNDLE})

	def test_a_deleted_deal_leaves_no_uses(self):
		self.objection(BUNDLE)
		for name in frappe.get_all("Sales Objection", {"reference_name": self.deal}, pluck="name"):
			frappe.delete_doc("Sales Objection", name, ignore_permissions=True, force=True)
		self.objection(BUNDLE)
		frappe.db.delete("Sales Objection", {"reference_name": self.deal})  # past the hooks, then the deal
		frappe.delete_doc("Opportunity", self.deal, ignore_permissions=True, force=True)
		self.assertEqual(strategy_rollup.stored_uses([self.deal]), {})

	def test_refresh_is_idempotent(self):
		self.objection(BUNDLE)
		self.assertEqual(strategy_rollup.refresh([self.deal]), 0)
		frappe.db.set_value("Opportunity", self.deal, "sp_lost_on", frappe.utils.now_datetime())
		self.assertEqual(strategy_rollup.refresh([self.deal]), 1)  # a write without the hooks, then counted
		self.assertEqual(strategy_rollup.refresh([self.deal]), 0)
		self.uses()
