import frappe

from sales_process.setup.install import backfill_stage_logs
from sales_process.tasks import reconcile_stage_logs
from sales_process.testing import EnrolledCompanyTestCase, make_opportunity


def _moves(opportunity):
	return [
		(log.from_stage, log.to_stage, log.from_status, log.to_status, log.source)
		for log in frappe.get_all(
			"Sales Stage Log",
			filters={"reference_doctype": "Opportunity", "reference_name": opportunity},
			fields=["from_stage", "to_stage", "from_status", "to_status", "source"],
			order_by="changed_on asc, creation asc",
		)
	]


class TestSalesStageLog(EnrolledCompanyTestCase):
	def test_every_move_is_logged_once(self):
		opportunity = make_opportunity(self.company)
		opportunity.save()  # no move, no row
		opportunity.sales_stage = "Qualification"
		opportunity.save()
		self.assertEqual(
			_moves(opportunity.name),
			[
				(None, "Prospecting", None, "Open", "Opportunity"),
				("Prospecting", "Qualification", "Open", "Open", "Opportunity"),
			],
		)

	def test_a_silent_database_update_is_caught_by_reconciliation(self):
		opportunity = make_opportunity(self.company)
		frappe.db.set_value("Opportunity", opportunity.name, "status", "Lost")  # fires no hook
		reconcile_stage_logs()
		reconcile_stage_logs()  # idempotent
		self.assertEqual(
			_moves(opportunity.name)[-1], ("Prospecting", "Prospecting", "Open", "Lost", "Reconciliation")
		)
		self.assertEqual(len(_moves(opportunity.name)), 2)

	def test_backfill_gives_existing_deals_a_starting_row(self):
		opportunity = make_opportunity(self.company, stage="Qualification")
		frappe.db.delete("Sales Stage Log", {"reference_name": opportunity.name})
		backfill_stage_logs()
		backfill_stage_logs()  # idempotent
		self.assertEqual(_moves(opportunity.name), [(None, "Qualification", None, "Open", "Backfill")])
