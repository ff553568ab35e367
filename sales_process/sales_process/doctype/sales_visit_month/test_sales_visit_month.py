"""The visit rollup is kept by every write of a visit and reads as the visits do."""

from datetime import datetime, timedelta

import frappe
from frappe.utils import add_months, get_first_day, now_datetime

from sales_process.engine.rollup import total
from sales_process.engine.visits_report import DURATION_BUCKETS
from sales_process.process import rollups, visits
from sales_process.process.visit_rollup import VISITS
from sales_process.testing import EnrolledCompanyTestCase, make_customer, make_opportunity, make_user

REP = "sp-visit-rollup-rep@example.com"


class TestVisitRollup(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])
		cls.customer = make_customer()

	def setUp(self):
		frappe.db.savepoint("visit_rollup_test")
		self.addCleanup(frappe.db.rollback, save_point="visit_rollup_test")
		self.month = add_months(get_first_day(now_datetime()), -2)

	def at(self, day: int, hour: int = 10) -> datetime:
		return datetime.combine(self.month, datetime.min.time()).replace(day=day, hour=hour)

	def visit(self, deal, check_in, result="Inside", minutes=30):
		doc = frappe.get_doc(
			{
				"doctype": "Sales Visit Log",
				"rep": REP,
				"party_type": "Customer",
				"party": self.customer,
				"reference_doctype": "Opportunity" if deal else None,
				"reference_name": deal,
				"status": "Checked Out",
				"check_in_time": check_in,
				"check_out_time": check_in + timedelta(minutes=minutes),
				"duration": minutes * 60,
				"geofence_result": result,
			}
		)
		doc.flags.sp_system_write = True
		return doc.insert(ignore_permissions=True)

	def mine(self) -> dict:
		return {key: change for key, change in rollups.stored(VISITS).items() if key[2] == REP}

	def row(self, company) -> "rollups.Change":
		(row,) = [change for key, change in self.mine().items() if key[1] == company]
		return row

	def rebuilt(self) -> dict:
		names = frappe.get_all("Sales Visit Log", filters={"rep": REP}, pluck="name")
		return total(VISITS.contributions(rollups.read_rows(VISITS, names)))

	def test_check_in_progress_and_review_move_the_row(self):
		deal = make_opportunity(self.company, self.customer).name
		first = self.visit(deal, self.at(3))
		self.visit(None, self.at(4), result="Outside", minutes=50)
		self.assertEqual(self.mine(), self.rebuilt())
		# a visit without a deal belongs to no company: a row of its own
		on_deal, without = self.row(self.company), self.row("")
		self.assertEqual(
			(on_deal.counts["visits"], on_deal.counts["inside"], on_deal.counts.get("without_deal")),
			(1, 1, None),
		)
		self.assertEqual((without.counts["visits"], without.counts["without_deal"]), (1, 1))
		# 50 minutes fall in the bucket of the 50-minute bound
		self.assertEqual(without.counts[DURATION_BUCKETS.column(DURATION_BUCKETS.index(50))], 1)
		self.assertEqual(DURATION_BUCKETS.upper(DURATION_BUCKETS.index(50)), 50)
		# the visit's company is the deal's, whatever the request said
		self.assertEqual(frappe.db.get_value("Sales Visit Log", first.name, "company"), self.company)

		# the deal progresses two and a half days later: the visit moved within 3 days (not 2)
		visits.mark_progress("Opportunity", deal, self.at(5, 22))
		row = self.row(self.company)
		self.assertEqual(
			(row.counts.get("moved_2d"), row.counts["moved_3d"], row.counts["moved_90d"]), (None, 1, 1)
		)
		self.assertEqual(row.counts["inside_moved_3d"], 1)
		self.assertEqual(self.mine(), self.rebuilt())

		# a later progress keeps the first one
		visits.mark_progress("Opportunity", deal, self.at(9))
		self.assertEqual(self.mine(), self.rebuilt())

		# a manager marks a flagged visit reviewed: the row follows the saved visit
		first.reload()
		first.needs_review = 1
		first.flags.sp_system_write = True
		first.save(ignore_permissions=True)
		self.assertEqual(self.row(self.company).counts["flagged"], 1)
		self.assertEqual(self.mine(), self.rebuilt())

	def test_rebuild_gives_the_rows_the_writes_made(self):
		self.visit(None, self.at(2))
		self.visit(None, self.at(20), result="No Site Location")
		before = {key: change for key, change in rollups.stored(VISITS).items()}
		rollups.rebuild(VISITS)
		self.assertEqual(rollups.stored(VISITS), before)

	def test_the_database_counts_a_part_of_a_month_as_the_rollup_does(self):
		deal = make_opportunity(self.company, self.customer).name
		for day, minutes in ((3, 12), (4, 95), (5, 260), (6, 800)):
			self.visit(deal, self.at(day), minutes=minutes)
		self.visit(None, self.at(7), result="Outside", minutes=45)
		visits.mark_progress("Opportunity", deal, self.at(8, 12))
		from sales_process.process import visit_rollup
		from sales_process.process.report_scope import report_scope

		from_database = visit_rollup.sums_per_rep(*self.rep_visits_of_the_month())[REP].without_zeros()
		scope = report_scope({"from_date": self.month, "to_date": self.month})
		(from_rollup,) = [
			change
			for rep, change in visit_rollup.month_rows(scope, [self.month], False).items()
			if rep == REP
		]
		self.assertEqual(from_database.counts, from_rollup.without_zeros().counts)

	def test_a_reader_of_one_follow_up_window_gets_its_counts_alone(self):
		deal = make_opportunity(self.company, self.customer).name
		self.visit(deal, self.at(3), minutes=30)
		visits.mark_progress("Opportunity", deal, self.at(5, 12))
		from sales_process.process import visit_rollup
		from sales_process.process.report_scope import report_scope

		scope = report_scope({"from_date": self.month, "to_date": self.month})
		every = visit_rollup.month_rows(scope, [self.month], False)[REP].counts
		seven = visit_rollup.month_rows(scope, [self.month], False, follow_days=7)[REP].counts
		self.assertEqual(seven["moved_7d"], 1)
		self.assertNotIn("moved_3d", seven)
		self.assertNotIn("inside_moved_10d", seven)
		self.assertEqual(seven, {name: value for name, value in every.items() if name in seven})
		# the visits of the month, counted by the database for the same window, say the same
		from_database = visit_rollup.sums_per_rep(*self.rep_visits_of_the_month(), follow_days=7)[
			REP
		].without_zeros()
		self.assertNotIn("moved_3d", from_database.counts)
		self.assertEqual(from_database.counts, {name: value for name, value in seven.items() if value})

	def rep_visits_of_the_month(self):
		"""A query of the rep's visits of the test month, and its table."""
		visit = frappe.qb.DocType("Sales Visit Log")
		start = self.at(1, 0)
		query = frappe.qb.from_(visit).where(
			(visit.rep == REP)
			& (visit.check_in_time >= start)
			& (visit.check_in_time < start + timedelta(days=31))
		)
		return query, visit
