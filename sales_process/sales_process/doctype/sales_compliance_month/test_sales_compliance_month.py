"""The compliance rollup is kept by every write of a record and always reads as the records do."""

from datetime import datetime, timedelta

import frappe
import pandas as pd
from frappe.utils import add_days, add_months, get_first_day, now_datetime

from sales_process.engine.compliance import compliance_table
from sales_process.engine.rollup import total
from sales_process.process import compliance_rollup, rollups
from sales_process.process.compliance_rollup import COMPLIANCE, COUNTS, compliance_counts
from sales_process.process.report_scope import report_scope
from sales_process.testing import EnrolledCompanyTestCase, as_user, make_user

REP = "sp-rollup-rep@example.com"
OTHER = "sp-rollup-other@example.com"
RECORD = "Sales Checkpoint Record"


class TestComplianceRollup(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])
		make_user(OTHER, ["Sales User"])
		cls.checkpoint = frappe.db.get_value("Sales Checkpoint", {}, "name")

	def setUp(self):
		frappe.db.savepoint("compliance_rollup_test")  # each test counts only its own records
		self.addCleanup(frappe.db.rollback, save_point="compliance_rollup_test")
		self.now = now_datetime().replace(microsecond=0)
		this_month = get_first_day(self.now)
		self.month_a = add_months(this_month, -3)
		self.month_b = add_months(this_month, -2)

	def record(self, due_on: datetime, status: str = "Pending", rep: str = REP, **values) -> str:
		"""A record written as the process writes it (controller insert, so its hooks run)."""
		doc = frappe.get_doc(
			{
				"doctype": RECORD,
				"checkpoint": self.checkpoint,
				"status": status,
				"assigned_to": rep,
				"company": self.company,
				"triggered_on": due_on - timedelta(days=2),
				"due_on": due_on,
				**values,
			}
		)
		doc.flags.sp_system_write = True
		doc.insert(ignore_permissions=True)
		return doc.name

	def close(self, name: str, status: str, completed_on: datetime | None = None, on_time: int = 0):
		doc = frappe.get_doc(RECORD, name)
		doc.update({"status": status, "completed_on": completed_on, "on_time": on_time})
		doc.flags.sp_system_write = True
		doc.save(ignore_permissions=True)

	def day(self, month, day: int, hour: int = 10) -> datetime:
		return datetime.combine(month, datetime.min.time()).replace(day=day, hour=hour)

	def from_rollup(self, from_date, to_date, user=REP) -> dict:
		with as_user(user):
			counts = compliance_counts(report_scope({"from_date": from_date, "to_date": to_date}), self.now)
		return {count: int(counts[count].sum()) for count in COUNTS}

	def from_records(self, from_date, to_date, reps=(REP,)) -> dict:
		"""The engine's definition over the records themselves."""
		rows = frappe.get_all(
			RECORD,
			filters={
				"assigned_to": ("in", list(reps)),
				"due_on": ("between", [f"{from_date} 00:00:00", f"{to_date} 23:59:59.999999"]),
			},
			fields=["status", "due_on", "completed_on", "on_time"],
		)
		if not rows:
			return dict.fromkeys(COUNTS, 0)
		table = compliance_table(pd.DataFrame([dict(row) for row in rows]), [], self.now).iloc[0]
		return {count: int(table[count]) for count in COUNTS}

	def assert_exact(self, periods):
		for from_date, to_date in periods:
			with self.subTest(period=(from_date, to_date)):
				self.assertEqual(self.from_rollup(from_date, to_date), self.from_records(from_date, to_date))
		self.assertEqual(
			{key: change for key, change in rollups.stored(COMPLIANCE).items() if key[2] in (REP, OTHER)},
			self.rebuilt(),
		)

	def rebuilt(self) -> dict:
		"""What a rebuild would write for these reps, counted from their records."""
		names = frappe.get_all(RECORD, filters={"assigned_to": ("in", [REP, OTHER])}, pluck="name")
		return total(COMPLIANCE.contributions(rollups.read_rows(COMPLIANCE, names)))

	def periods(self):
		today = self.now.date()
		return [
			(self.month_a, today),  # whole ended months and the current one up to today
			(self.month_a, add_days(self.month_b, -1)),  # one ended month exactly
			(self.day(self.month_a, 5).date(), self.day(self.month_a, 15).date()),  # inside a month
			(self.day(self.month_a, 12).date(), self.day(self.month_b, 3).date()),  # across two
			(get_first_day(today), add_days(today, 60)),  # the current month and beyond
		]

	def test_every_write_keeps_the_rollup_exact(self):
		due_a = self.day(self.month_a, 10)
		on_time = self.record(due_a)
		late = self.record(due_a)
		overdue = self.record(due_a, "Overdue")
		due_b = self.day(self.month_b, 5)
		waived = self.record(due_b)
		cancelled = self.record(due_b)
		self.record(self.now + timedelta(hours=5))  # due later today or tomorrow: not due yet
		self.record(self.now + timedelta(days=40))
		self.assert_exact(self.periods())

		self.close(on_time, "Completed", due_a - timedelta(hours=1), on_time=1)
		self.close(late, "Completed", due_a + timedelta(days=1))
		self.close(waived, "Waived")
		with compliance_rollup.bulk_write([cancelled]):
			frappe.db.set_value(RECORD, cancelled, "status", "Cancelled")
		self.assert_exact(self.periods())
		self.assertEqual(
			self.from_rollup(self.month_a, add_days(self.month_b, -1)),
			{"due": 3, "completed": 2, "on_time": 1, "waived": 0, "open_overdue": 1},
		)

		# the overdue record of an ended month is completed: its month changes at once
		self.close(overdue, "Completed", self.now - timedelta(minutes=1))
		self.assert_exact(self.periods())

		# a manager gives the rep's open records to another rep (the bulk path)
		moving = self.record(self.day(self.month_b, 20))
		with compliance_rollup.bulk_write([moving]):
			frappe.db.set_value(RECORD, moving, "assigned_to", OTHER)
		self.assert_exact(self.periods())
		self.assertEqual(self.from_rollup(self.month_b, self.month_b.replace(day=28), user=OTHER)["due"], 1)

		# an open record deleted with its document
		frappe.delete_doc(RECORD, moving, ignore_permissions=True, force=True)
		self.assert_exact(self.periods())

	def test_an_immediate_checkpoint_met_in_its_first_minute_counts_on_time(self):
		due = self.day(self.month_a, 3)
		name = self.record(due, triggered_on=due)
		self.close(name, "Completed", due + timedelta(seconds=30), on_time=1)
		counts = self.from_rollup(self.month_a, add_days(self.month_b, -1))
		self.assertEqual((counts["due"], counts["on_time"]), (1, 1))

	def test_a_territory_filter_reads_the_records(self):
		self.record(self.day(self.month_a, 10))
		territory = frappe.db.get_value("Territory", {"is_group": 1}, "name")
		with as_user(REP):
			counts = compliance_counts(
				report_scope({"from_date": self.month_a, "to_date": self.now.date(), "territory": territory}),
				self.now,
			)
		# the record has no deal, so a territory filter finds none of it
		self.assertEqual(int(counts["due"].sum()) if not counts.empty else 0, 0)

	def test_rebuild_gives_the_rows_the_writes_made(self):
		self.record(self.day(self.month_a, 10))
		self.record(self.day(self.month_b, 10), "Overdue")
		before = rollups.stored(COMPLIANCE)
		compliance_rollup.rebuild()
		self.assertEqual(rollups.stored(COMPLIANCE), before)
