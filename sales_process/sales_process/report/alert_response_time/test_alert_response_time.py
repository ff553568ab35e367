"""The Alert Response Time report on a real site."""

from datetime import datetime

import frappe

from sales_process.sales_process.report.alert_response_time.alert_response_time import execute
from sales_process.testing import SalesProcessTestCase

MANAGER = "sp-report-manager@example.com"


class TestAlertResponseTime(SalesProcessTestCase):
	def alert(self, key: str, raised_on: datetime, hours: float | None, level="Alert"):
		doc = frappe.get_doc(
			{
				"doctype": "Sales Process Alert",
				"alert_type": "Stalled Deal",
				"level": level,
				"status": "Acted On" if hours is not None else "Open",
				"recipient": MANAGER,
				"subject_doctype": "User",
				"subject_name": MANAGER,
				"alert_key": key,
				"raised_on": raised_on,
				"response_seconds": hours * 3600 if hours is not None else None,
				"escalated": int(level == "Escalation"),
			}
		)
		doc.flags.sp_system_write = True
		return doc.insert(ignore_permissions=True)

	def test_median_and_p90_per_manager_and_month(self):
		from sales_process.testing import make_user

		make_user(MANAGER, ["Sales User"])
		self.alert("r1", datetime(2026, 9, 3, 9), 88.8)  # the seed's "before": 3.7 days
		self.alert("r2", datetime(2026, 10, 3, 9), 8.2)  # and "after": 8.2 hours
		self.alert("r3", datetime(2026, 10, 5, 9), 10.0)
		self.alert("r4", datetime(2026, 10, 7, 9), None)  # still open
		columns, data, message, chart, summary = execute(
			{"from_date": "2026-09-01", "to_date": "2026-10-31", "manager": MANAGER}
		)
		rows = {row["month"]: row for row in data}
		self.assertEqual(rows["2026-09"]["median_hours"], 88.8)
		self.assertEqual(
			(rows["2026-10"]["alerts"], rows["2026-10"]["acted"], rows["2026-10"]["still_open"]), (3, 2, 1)
		)
		self.assertEqual(rows["2026-10"]["median_hours"], 9.1)
		self.assertEqual(chart["data"]["labels"], ["2026-09", "2026-10"])
		self.assertIn("first of", message)
		self.assertEqual(summary[0]["value"], 4)
		self.assertEqual([c["fieldname"] for c in columns][:3], ["manager", "manager_name", "month"])
