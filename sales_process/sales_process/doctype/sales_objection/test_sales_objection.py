import frappe

from sales_process.process import objection_rollup, outcomes, rollups
from sales_process.testing import EnrolledCompanyTestCase, make_opportunity, records


def _objection(opportunity, words, **fields):
	return frappe.get_doc(
		{
			"doctype": "Sales Objection",
			"reference_doctype": "Opportunity",
			"reference_name": opportunity,
			"customer_words": words,
			**fields,
		}
	).insert()


class TestSalesObjection(EnrolledCompanyTestCase):
	def test_the_type_is_suggested_from_the_customers_words(self):
		opportunity = make_opportunity(self.company)
		objection = _objection(opportunity.name, "你们的报价太贵了")
		self.assertEqual((objection.objection_type, objection.suggested), ("Too Expensive", 1))
		self.assertEqual(objection.strategy, "Value Over Price")  # the type's default strategy
		self.assertEqual(objection.customer, opportunity.party_name)
		english = _objection(opportunity.name, "Honestly it is TOO EXPENSIVE for this year")
		self.assertEqual(english.objection_type, "Too Expensive")

	def test_the_rep_corrects_a_wrong_suggestion(self):
		opportunity = make_opportunity(self.company)
		objection = _objection(opportunity.name, "太贵了,而且要招标")
		objection.objection_type = "Must Go to Tender"
		objection.save()
		self.assertEqual(objection.suggested, 0)

	def test_words_matching_nothing_leave_the_type_to_the_rep(self):
		objection = _objection(make_opportunity(self.company).name, "let me think about the colour")
		self.assertFalse(objection.objection_type)
		self.assertEqual(objection.suggested, 0)

	def test_a_risk_objection_raises_one_signal_and_its_checkpoint(self):
		opportunity = make_opportunity(self.company)
		first = _objection(opportunity.name, "这个项目必须走招标")
		second = _objection(opportunity.name, "tender next month")
		self.assertEqual(first.objection_type, "Must Go to Tender")
		self.assertTrue(first.risk_signal)
		self.assertEqual(
			frappe.db.get_value("Sales Objection", second.name, "risk_signal"), first.risk_signal
		)
		(record,) = records(opportunity.name, "Risk Pre-registration")
		self.assertEqual(record.trigger_key, f"risk:{first.risk_signal}")

	def test_strategy_statistics_count_deals_and_wins(self):
		strategy = frappe.get_doc(
			{
				"doctype": "Sales Response Strategy",
				"strategy_name": "_SP Free Trial",
				"applies_to": "Objection",
			}
		).insert()
		won = make_opportunity(self.company)
		lost = make_opportunity(self.company)
		_objection(won.name, "too expensive", strategy=strategy.name)
		_objection(won.name, "still too expensive", strategy=strategy.name)
		_objection(lost.name, "too expensive", strategy=strategy.name)
		# the deal is won: its order was submitted (process.outcomes stamps the moment)
		frappe.db.set_value(
			"Opportunity", won.name, {"status": "Converted", "sp_won_on": frappe.utils.now_datetime()}
		)
		objection = _objection(lost.name, "far too expensive")
		objection.strategy = strategy.name
		objection.save()
		strategy.reload()
		self.assertEqual((strategy.times_used, strategy.times_won, strategy.win_rate), (2, 1, 50))

	def test_a_deal_won_by_an_order_erpnext_did_not_mark_puts_nothing_at_stake(self):
		"""An order the process attributes to the deal wins it with its status left open
		(`outcomes.order_submitted`): its objections' amount leaves the value at stake, and comes
		back when the order is cancelled. The rollup rows stay those a rebuild counts."""
		deal = make_opportunity(self.company, opportunity_amount=1000, base_opportunity_amount=1000)
		objection = _objection(deal.name, "too expensive")

		def at_stake():
			return frappe.db.get_value("Sales Objection", objection.name, ["open_value", "deal_lost"])

		self.assertEqual(at_stake(), (1000, 0))
		outcomes.order_submitted(deal.name)
		self.assertEqual(frappe.db.get_value("Opportunity", deal.name, "status"), "Open")
		self.assertEqual(at_stake(), (0, 0))
		stored = rollups.stored(objection_rollup.OBJECTIONS)
		objection_rollup.rebuild()
		self.assertEqual(rollups.stored(objection_rollup.OBJECTIONS), stored)
		outcomes.order_cancelled(deal.name)
		self.assertEqual(at_stake(), (1000, 0))
