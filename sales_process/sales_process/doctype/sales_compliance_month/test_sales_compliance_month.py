"""The monthly compliance rollup gives the same counts as the records, before and after each refresh."""

from datetime import datetime, timedelta

import frappe
from frappe.utils import add_months, get_first_day, now_datetime

from sales_process.process import compliance_rollup
from sales_process.process.compliance_rollup import COUNTS, compliance_counts
from sales_process.process.report_scope import report_scope
from sales_process.testing import EnrolledCompanyTestCase, as_user, make_user

REP = "sp-rollup-rep@example.com"


class TestComplianceRollup(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])
		cls.checkpoint = frappe.db.get_value("Sales Checkpoint", {}, "name")

	def setUp(self):
		frappe.db.savepoint("compliance_rollup_test")  # each test counts only its own records
		self.addCleanup(frappe.db.rollback, save_point="compliance_rollup_test")
		self.now = now_datetime().replace(microsecond=0)
		this_month = get_first_day(self.now)
		self.month_a = add_months(this_month, -3)
		self.month_b = add_months(this_month, -2)

	def record(self, due_on: datetime, status: str, completed_on: datetime | None = None) -> str:
		doc = frappe.get_doc(
			{
				"doctype": "Sales Checkpoint Record",
				"name": frappe.generate_hash(length=10),
				"checkpoint": self.checkpoint,
				"status": status,
				"assigned_to": REP,
				"company": self.company,
				"triggered_on": due_on - timedelta(days=2),
				"due_on": due_on,
				"completed_on": completed_on,
			}
		)
		doc.db_insert()
		return doc.name

	def day(self, month, day: int, hour: int = 10) -> datetime:
		return datetime.combine(month, datetime.min.time()).replace(day=day, hour=hour)

	def totals(self, **filters) -> dict:
		period = {"from_date": add_months(self.month_a, -1), "to_date": self.now.date(), **filters}
		with as_user(REP):
			counts = compliance_counts(report_scope(period), self.now)
		return {count: int(counts[count].sum()) for count in COUNTS}

	def test_rollup_counts_equal_the_records_before_and_after_refresh(self):
		due_a = self.day(self.month_a, 10)
		self.record(due_a, "Completed", due_a - timedelta(hours=1))  # on time
		self.record(due_a, "Completed", due_a + timedelta(days=1))  # late
		overdue = self.record(due_a, "Overdue")
		due_b = self.day(self.month_b, 5)
		self.record(due_b, "Waived")  # neither due nor completed
		self.record(due_b, "Cancelled")
		self.record(due_b, "Completed", due_b)
		self.record(self.now + timedelta(days=40), "Pending")  # not due yet
		expected = {"due": 4, "completed": 3, "on_time": 2, "waived": 1, "open_overdue": 1}

		compliance_rollup.forget()
		self.assertEqual(self.totals(), expected)  # nothing built: every row from the records

		compliance_rollup.refresh(self.now)
		stored = frappe.get_all(
			"Sales Compliance Month",
			filters={"assigned_to": REP},
			fields=["month", "due", "completed", "on_time", "waived", "open_overdue"],
			order_by="month asc",
		)
		self.assertEqual(
			[
				(row.month, row.due, row.completed, row.on_time, row.waived, row.open_overdue)
				for row in stored
			],
			[(self.month_a, 3, 2, 1, 0, 1), (self.month_b, 1, 1, 1, 1, 0)],
		)
		self.assertEqual(self.totals(), expected)

		# the overdue record of an ended month is completed: exact at once, before the next refresh
		frappe.db.set_value(
			"Sales Checkpoint Record",
			overdue,
			{"status": "Completed", "completed_on": self.now - timedelta(minutes=1)},
		)
		after_completion = {**expected, "completed": 4, "open_overdue": 0}
		self.assertEqual(self.totals(), after_completion)
		compliance_rollup.refresh(self.now + timedelta(minutes=1))
		self.assertEqual(self.totals(), after_completion)
		self.assertEqual(
			frappe.db.get_value(
				"Sales Compliance Month", {"assigned_to": REP, "month": self.month_a}, "completed"
			),
			3,
		)

	def test_a_period_inside_a_month_and_a_territory_filter_read_the_records(self):
		due_a = self.day(self.month_a, 10)
		self.record(due_a, "Completed", due_a)
		self.record(self.day(self.month_a, 20), "Overdue")
		compliance_rollup.refresh(self.now)
		with as_user(REP):
			part = compliance_counts(
				report_scope({"from_date": self.month_a, "to_date": self.day(self.month_a, 15).date()}),
				self.now,
			)
		self.assertEqual((int(part["due"].sum()), int(part["completed"].sum())), (1, 1))
		territory = frappe.db.get_value("Territory", {"is_group": 1}, "name")
		# the records have no deal, so a territory filter finds none of them
		self.assertEqual(self.totals(territory=territory)["due"], 0)
