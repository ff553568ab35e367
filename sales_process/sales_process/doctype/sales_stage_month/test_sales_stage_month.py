"""The funnel rollup follows every Stage Log write: moves, advances, wins, reassignment — and equals
what restamping the whole history gives."""

import frappe

from sales_process.engine.rollup import EVERY_REP, total
from sales_process.process import outcomes, rollups, stage_log, stage_rollup
from sales_process.process.stage_rollup import STAGES
from sales_process.testing import (
	EnrolledCompanyTestCase,
	every_rep_rows_and_their_sums,
	make_opportunity,
	make_user,
)

REP = "sp-funnel-rollup-rep@example.com"
OTHER = "sp-funnel-rollup-other@example.com"
LOG = "Sales Stage Log"


class TestStageRollup(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])
		make_user(OTHER, ["Sales User"])

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.savepoint("stage_rollup_test")
		self.addCleanup(frappe.db.rollback, save_point="stage_rollup_test")

	def rows(self, deal) -> list:
		return frappe.get_all(
			LOG,
			filters={"reference_name": deal},
			fields=[
				"name",
				"from_stage",
				"to_stage",
				"first_entry",
				"advanced_on",
				"deal_won",
				"rep",
				"stay_seconds",
			],
			order_by="changed_on asc, creation asc",
		)

	def mine(self) -> dict:
		return {key: change for key, change in rollups.stored(STAGES).items() if key[2] in (REP, OTHER)}

	def rebuilt(self) -> dict:
		names = frappe.get_all(LOG, filters={"rep": ("in", [REP, OTHER])}, pluck="name")
		rows = total(STAGES.contributions(rollups.read_rows(STAGES, names)))
		return {key: change for key, change in rows.items() if key[2] != EVERY_REP}

	def assert_every_rep_rows_sum_the_reps(self):
		every, summed = every_rep_rows_and_their_sums(STAGES)
		self.assertEqual(every, summed)

	def test_moves_wins_and_reassignment_keep_the_rollup_exact(self):
		deal = make_opportunity(self.company, stage="Prospecting", opportunity_owner=REP).name
		rows = self.rows(deal)
		self.assertEqual([(r.to_stage, r.first_entry, r.rep) for r in rows], [("Prospecting", 1, REP)])

		self.assertEqual(self.mine(), self.rebuilt())

		log_row = frappe.get_doc(LOG, rows[0].name)
		# a move to a later stage: the first entry is advanced, the stay it ends is measured
		moved = stage_log.log_position(
			"Opportunity", deal, stage_log.Position("Qualification", "Open"), "Opportunity"
		)
		rows = self.rows(deal)
		self.assertEqual(rows[0].advanced_on, moved.changed_on)
		self.assertAlmostEqual(
			float(rows[1].stay_seconds), (moved.changed_on - log_row.changed_on).total_seconds(), 0
		)
		self.assertEqual(self.mine(), self.rebuilt())

		# back and forward again: no new entry, the second stay in Prospecting is its own
		stage_log.log_position("Opportunity", deal, stage_log.Position("Prospecting", "Open"), "Opportunity")
		stage_log.log_position(
			"Opportunity", deal, stage_log.Position("Qualification", "Open"), "Opportunity"
		)
		self.assertEqual([r.first_entry for r in self.rows(deal)], [1, 1, 0, 0])
		self.assertEqual(self.mine(), self.rebuilt())

		# the deal is won, then reopened when its order is cancelled
		outcomes.mark_won(deal, frappe.utils.now_datetime())
		self.assertTrue(all(r.deal_won for r in self.rows(deal)))
		self.assertTrue(frappe.db.get_value("Opportunity", deal, "sp_won_on"))
		self.assertEqual(self.mine(), self.rebuilt())
		outcomes.mark_open(deal)
		self.assertFalse(any(r.deal_won for r in self.rows(deal)))
		self.assertFalse(frappe.db.get_value("Opportunity", deal, "sp_won_on"))

		# a manager gives the deal to another rep: its rows and their counts follow
		stage_rollup.follow_deal("Opportunity", deal, rep=OTHER)
		self.assertEqual({r.rep for r in self.rows(deal)}, {OTHER})
		self.assertEqual(self.mine(), self.rebuilt())
		self.assert_every_rep_rows_sum_the_reps()
		moved_month = frappe.utils.getdate(frappe.utils.get_first_day(moved.changed_on))
		self.assertFalse([key for key in self.mine() if key[2] == REP and key[0] == moved_month])

	def test_a_status_move_to_lost_and_back_sets_and_clears_the_lost_moment(self):
		deal = make_opportunity(self.company, stage="Prospecting", opportunity_owner=REP).name
		stage_log.log_position("Opportunity", deal, stage_log.Position("Prospecting", "Lost"), "Opportunity")
		self.assertTrue(frappe.db.get_value("Opportunity", deal, "sp_lost_on"))
		stage_log.log_position("Opportunity", deal, stage_log.Position("Prospecting", "Open"), "Opportunity")
		self.assertFalse(frappe.db.get_value("Opportunity", deal, "sp_lost_on"))
		stage_log.log_position(
			"Opportunity", deal, stage_log.Position("Prospecting", "Converted"), "Quotation"
		)
		self.assertTrue(frappe.db.get_value("Opportunity", deal, "sp_won_on"))

	def test_the_database_counts_a_part_of_a_month_as_the_rollup_does(self):
		deal = make_opportunity(self.company, stage="Prospecting", opportunity_owner=REP).name
		for stage in ("Qualification", "Prospecting", "Qualification", "Needs Analysis"):
			stage_log.log_position("Opportunity", deal, stage_log.Position(stage, "Open"), "Opportunity")
		names = frappe.get_all(LOG, filters={"reference_name": deal}, pluck="name")
		expected = {}
		for key, change in total(STAGES.contributions(rollups.read_rows(STAGES, names))).items():
			if key[2] != EVERY_REP:
				expected.setdefault(key[3], rollups.Change()).add(change)
		log = frappe.qb.DocType(LOG)
		query = frappe.qb.from_(log).where(log.reference_name == deal)
		found = stage_rollup.sums_per_stage(query, log)
		self.assertEqual(
			{stage: change.without_zeros().counts for stage, change in found.items()},
			{stage: change.without_zeros().counts for stage, change in expected.items()},
		)
