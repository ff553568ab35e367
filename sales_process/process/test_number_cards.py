"""The workspace's number cards count what the reader may see (a rep their own, a manager their team's)."""

from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from sales_process.process.number_cards import compliance_this_month, stalled_deals
from sales_process.testing import (
	EnrolledCompanyTestCase,
	as_user,
	insert_counted,
	make_opportunity,
	make_sales_person,
	make_user,
)

REP = "sp-card-rep@example.com"
OTHER = "sp-card-other@example.com"
LEAD = "sp-card-lead@example.com"


class TestNumberCards(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for user in (REP, OTHER, LEAD):
			make_user(user, ["Sales User"])
		make_sales_person("SP Card Other", OTHER, cls.company)  # before the lead's group exists
		lead = make_sales_person("SP Card Lead", LEAD, cls.company, is_group=1)
		make_sales_person("SP Card Rep", REP, cls.company, parent=lead)

	def record(self, user: str, status: str, minutes_ago: int):
		due_on = now_datetime() - timedelta(minutes=minutes_ago)
		doc = frappe.get_doc(
			{
				"doctype": "Sales Checkpoint Record",
				"checkpoint": frappe.db.get_value("Sales Checkpoint", {}, "name"),
				"status": status,
				"assigned_to": user,
				"company": self.company,
				"triggered_on": due_on - timedelta(hours=1),
				"due_on": due_on,
				"completed_on": due_on - timedelta(minutes=5) if status == "Completed" else None,
			}
		)
		insert_counted(doc)

	def alert(self, user: str, deal: str, level: str, status: str = "Open"):
		doc = frappe.get_doc(
			{
				"doctype": "Sales Process Alert",
				"alert_type": "Stalled Deal",
				"level": level,
				"status": status,
				"rep": user,
				"recipient": LEAD,
				"reference_doctype": "Opportunity",
				"reference_name": deal,
				"subject_doctype": "Opportunity",
				"subject_name": deal,
				"alert_key": frappe.generate_hash(length=12),
				"raised_on": now_datetime(),
			}
		)
		doc.flags.sp_system_write = True
		doc.insert(ignore_permissions=True)

	def test_compliance_this_month_counts_the_readers_records(self):
		self.record(REP, "Completed", 1)
		self.record(REP, "Completed", 2)
		self.record(REP, "Overdue", 3)
		self.record(REP, "Waived", 4)  # waived: not due (as in the Process Compliance report)
		self.record(OTHER, "Overdue", 1)
		with as_user(REP):
			card = compliance_this_month()
		self.assertEqual(card["value"], 66.7)
		self.assertEqual(card["band"], "Poor")
		self.assertEqual(card["route"], ["query-report", "Process Compliance"])
		with as_user(LEAD):  # the rep is below the lead in the Sales Person tree; the other rep is not
			self.assertEqual(compliance_this_month()["value"], 66.7)
		with as_user(OTHER):
			self.assertEqual(compliance_this_month()["value"], 0)

	def test_stalled_deals_are_counted_once_per_deal_while_it_is_open(self):
		deals = [make_opportunity(self.company).name for _ in range(6)]
		self.alert(REP, deals[0], "Alert")
		self.alert(REP, deals[0], "Escalation")
		self.alert(REP, deals[1], "Alert")
		self.alert(REP, deals[2], "Alert", status="Acted On")
		self.alert(REP, deals[3], "Reminder")  # yellow: not stalled yet
		self.alert(OTHER, deals[4], "Alert")
		# lost since its alert (found clicking through the demo: the card counted lost deals)
		self.alert(REP, deals[5], "Alert")
		frappe.db.set_value("Opportunity", deals[5], {"status": "Lost", "sp_lost_on": now_datetime()})
		with as_user(REP):
			self.assertEqual(stalled_deals()["value"], 2)
		with as_user(OTHER):
			self.assertEqual(stalled_deals()["value"], 1)
