"""Alerts on a real site: a frozen clock walks deals through yellow, red and escalation."""

import http.server
import json
import threading
from datetime import datetime, timedelta
from unittest.mock import patch

import frappe
from frappe.utils import add_to_date, get_datetime

from sales_process import api, tasks
from sales_process.process import alert_jobs
from sales_process.process.alerts import ALERT
from sales_process.testing import (
	EnrolledCompanyTestCase,
	as_user,
	attach_file,
	make_customer,
	make_opportunity,
	make_sales_person,
	make_site_address,
	make_user,
	make_visit,
	records,
)

REP = "sp-alert-rep@example.com"
MANAGER = "sp-alert-manager@example.com"
DIRECTOR = "sp-alert-director@example.com"
OUTSIDER = "sp-alert-outsider@example.com"
HOLIDAY_LIST = "_SP Alert Holidays 2026"
# Friday 9 Oct 2026, 10:00; the weekend and Monday 12 Oct are off
FRIDAY = datetime(2026, 10, 9, 10, 0)


class TestSalesProcessAlert(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])
		make_user(OUTSIDER, ["Sales User"])
		make_user(MANAGER, ["Sales User"])  # a team lead by the tree, not by role
		make_user(DIRECTOR, ["Sales User"])
		director = make_sales_person("_SPA Director", DIRECTOR, cls.company, is_group=1)
		manager = make_sales_person("_SPA Manager", MANAGER, cls.company, parent=director, is_group=1)
		make_sales_person("_SPA Rep", REP, cls.company, parent=manager)
		make_sales_person("_SPA Outsider", OUTSIDER, cls.company)
		if not frappe.db.exists("Holiday List", HOLIDAY_LIST):
			days = [FRIDAY.date() + timedelta(days=d) for d in range(-30, 60)]
			frappe.get_doc(
				{
					"doctype": "Holiday List",
					"holiday_list_name": HOLIDAY_LIST,
					"from_date": "2026-01-01",
					"to_date": "2026-12-31",
					"holidays": [
						{"holiday_date": day, "description": "Off"}
						for day in days
						if day.weekday() >= 5 or day == datetime(2026, 10, 12).date()
					],
				}
			).insert(ignore_permissions=True)
		from sales_process.process.settings import DEFAULTS, SETTINGS

		for fieldname, value in DEFAULTS.items():  # every alert on, with the shipped numbers
			frappe.db.set_single_value(SETTINGS, fieldname, value)
		frappe.clear_document_cache(SETTINGS, SETTINGS)
		if not frappe.db.exists("Email Account", "_SP Outgoing"):
			# an outgoing account that is never reached: emails stop in the Email Queue
			frappe.get_doc(
				{
					"doctype": "Email Account",
					"email_account_name": "_SP Outgoing",
					"email_id": "sales-process@example.com",
					"enable_outgoing": 1,
					"default_outgoing": 1,
					"smtp_server": "127.0.0.1",
					"smtp_port": 2525,
					"no_smtp_authentication": 1,
				}
			).insert(ignore_permissions=True)
		cls.previous_holidays = frappe.db.get_value("Company", cls.company, "default_holiday_list")
		frappe.db.set_value("Company", cls.company, "default_holiday_list", HOLIDAY_LIST)
		frappe.clear_document_cache("Company", cls.company)

	@classmethod
	def tearDownClass(cls):
		frappe.db.set_value("Company", cls.company, "default_holiday_list", cls.previous_holidays)
		frappe.clear_document_cache("Company", cls.company)
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	def alerts(self, **filters):
		return frappe.get_all(ALERT, filters=filters, fields=["*"], order_by="creation asc")

	def waiting_deal(self, stage="Proposal/Price Quote", entered=FRIDAY):
		"""A deal of REP that entered `stage` at `entered` (and waits there)."""
		deal = make_opportunity(self.company, stage=stage, opportunity_owner=REP)
		frappe.db.set_value("Opportunity", deal.name, "sp_stage_entered_on", entered, update_modified=False)
		alert_jobs.schedule_stall_check(deal.name)
		return deal

	# stalled deals

	def test_a_stalled_deal_goes_yellow_red_and_escalates_across_a_weekend_and_a_holiday(self):
		deal = self.waiting_deal()
		# 72 working hours, yellow at 54: Fri 14 h, (Sat, Sun, Mon off), Tue 24, Wed 16 → Wed 14 Oct 16:00
		self.assertEqual(
			get_datetime(frappe.db.get_value("Opportunity", deal.name, "sp_stall_next_on")),
			datetime(2026, 10, 14, 16, 0),
		)
		tasks.hourly(
			now=datetime(2026, 10, 13, 12, 0)
		)  # four clock days later: not yet (a holiday in between)
		self.assertFalse(self.alerts(reference_name=deal.name, alert_type="Stalled Deal"))

		tasks.hourly(now=datetime(2026, 10, 14, 17, 0))
		(reminder,) = self.alerts(reference_name=deal.name, alert_type="Stalled Deal")
		self.assertEqual((reminder.level, reminder.recipient), ("Reminder", REP))
		tasks.hourly(now=datetime(2026, 10, 14, 17, 0))  # the same hour again: nothing new
		self.assertEqual(len(self.alerts(reference_name=deal.name, alert_type="Stalled Deal")), 1)

		tasks.hourly(now=datetime(2026, 10, 15, 11, 0))  # red at Thu 10:00
		red = self.alerts(reference_name=deal.name, alert_type="Stalled Deal", level="Alert")
		self.assertEqual([a.recipient for a in red], [MANAGER])
		todo = frappe.get_doc("ToDo", red[0].todo)
		self.assertEqual(
			(todo.allocated_to, todo.reference_type, todo.reference_name), (MANAGER, "Opportunity", deal.name)
		)
		self.assertIn("Pull this customer", todo.description)
		self.assertTrue(
			frappe.db.exists("Notification Log", {"for_user": MANAGER, "document_name": red[0].name})
		)
		self.assertIsNone(frappe.db.get_value("Opportunity", deal.name, "sp_stall_next_on"))

		# 48 working hours later nobody acted: Thu 11:00 → Fri 24 h, weekend off, Mon 19 Oct 11:00
		tasks.hourly(now=datetime(2026, 10, 19, 10, 0))
		self.assertFalse(self.alerts(reference_name=deal.name, level="Escalation"))
		tasks.hourly(now=datetime(2026, 10, 19, 12, 0))
		(escalation,) = self.alerts(reference_name=deal.name, level="Escalation")
		self.assertEqual(escalation.recipient, DIRECTOR)
		self.assertTrue(frappe.db.get_value(ALERT, red[0].name, "escalated"))
		tasks.hourly(now=datetime(2026, 10, 26, 12, 0))  # it stops there
		self.assertEqual(len(self.alerts(reference_name=deal.name, level="Escalation")), 1)

	def test_moving_the_deal_answers_its_stall_alerts_and_starts_a_new_wait(self):
		deal = self.waiting_deal(stage="Qualification")
		tasks.hourly(now=datetime(2026, 10, 16, 12, 0))
		(red,) = self.alerts(reference_name=deal.name, level="Alert")
		frappe.set_user(REP)
		deal.reload()
		deal.sales_stage = "Prospecting"  # moving back is free
		deal.save()
		frappe.set_user("Administrator")
		alert = frappe.get_doc(ALERT, red.name)
		self.assertEqual((alert.status, alert.acted_how, alert.acted_by), ("Acted On", "Deal Moved", REP))
		self.assertEqual(frappe.db.get_value("ToDo", alert.todo, "status"), "Closed")
		self.assertIsNotNone(frappe.db.get_value("Opportunity", deal.name, "sp_stall_next_on"))

	# checkpoint records

	def record_due(self, deal, hours_ago: float):
		"""The deal's Requirement Clarification record, started 48 h before `hours_ago` hours from now."""
		(record,) = records(deal.name, "Requirement Clarification")
		due_on = add_to_date(None, hours=-hours_ago)
		frappe.db.set_value(
			"Sales Checkpoint Record",
			record.name,
			{
				"triggered_on": add_to_date(due_on, hours=-48),
				"due_on": due_on,
				"due_soon_on": add_to_date(due_on, hours=-12),
			},
		)
		return frappe.get_doc("Sales Checkpoint Record", record.name)

	def test_a_due_soon_record_reminds_the_rep_and_an_overdue_one_alerts_the_manager(self):
		deal = make_opportunity(self.company, opportunity_owner=REP)
		row = self.record_due(deal, hours_ago=-6)  # due in 6 hours: yellow
		tasks.hourly()
		(reminder,) = self.alerts(subject_name=row.name)
		self.assertEqual((reminder.level, reminder.recipient, reminder.todo), ("Reminder", REP, None))
		self.assertTrue(
			frappe.db.exists("Notification Log", {"for_user": REP, "document_name": reminder.name})
		)

		self.record_due(deal, hours_ago=1)  # now an hour overdue
		tasks.hourly()
		(alert,) = self.alerts(subject_name=row.name, level="Alert")
		self.assertEqual(alert.recipient, MANAGER)
		self.assertTrue(
			frappe.db.exists("ToDo", {"name": alert.todo, "allocated_to": MANAGER, "status": "Open"})
		)
		queued = frappe.get_all(
			"Email Queue", filters={"reference_doctype": ALERT, "reference_name": alert.name}, pluck="name"
		)
		self.assertEqual(len(queued), 1, "the manager's alert is emailed (it stops in the Email Queue)")
		self.assertEqual(
			frappe.get_all("Email Queue Recipient", filters={"parent": queued[0]}, pluck="recipient"),
			[MANAGER],
		)
		# the manager closes the ToDo: acted on, with the response time
		with as_user(MANAGER):
			todo = frappe.get_doc("ToDo", alert.todo)
			todo.status = "Closed"
			todo.save()
		acted = frappe.get_doc(ALERT, alert.name)
		self.assertEqual(
			(acted.status, acted.acted_how, acted.acted_by), ("Acted On", "ToDo Closed", MANAGER)
		)
		self.assertGreaterEqual(acted.response_seconds, 0)

	def test_completing_the_record_answers_its_alerts(self):
		deal = make_opportunity(self.company, opportunity_owner=REP)
		record = self.record_due(deal, hours_ago=2)
		tasks.hourly()
		(alert,) = self.alerts(subject_name=record.name, level="Alert")
		with as_user(REP):
			api.complete_checkpoint(
				record.name, summary="Needs forty servo motors", attachment=attach_file(record.name)
			)
		self.assertEqual(frappe.db.get_value(ALERT, alert.name, "acted_how"), "Checkpoint Completed")

	def test_a_comment_by_the_recipient_counts_and_one_by_someone_else_does_not(self):
		deal = self.waiting_deal(stage="Needs Analysis")
		tasks.hourly(now=datetime(2026, 10, 16, 12, 0))
		(red,) = self.alerts(reference_name=deal.name, level="Alert")
		with as_user(OUTSIDER):
			deal.add_comment("Comment", "Looks slow")
		self.assertEqual(frappe.db.get_value(ALERT, red.name, "status"), "Open")
		with as_user(MANAGER):
			frappe.get_doc("Opportunity", deal.name).add_comment(
				"Comment", "Called the buyer, demo on Friday"
			)
		self.assertEqual(frappe.db.get_value(ALERT, red.name, "acted_how"), "Comment")

	def test_a_snoozed_subject_waits_and_keeps_its_reason(self):
		deal = self.waiting_deal(stage="Needs Analysis")
		tasks.hourly(now=datetime(2026, 10, 16, 12, 0))
		(red,) = self.alerts(reference_name=deal.name, level="Alert")
		with as_user(OUTSIDER), self.assertRaises(frappe.PermissionError):
			api.snooze_alert(red.name, "2099-01-01 00:00:00", "not mine")
		with as_user(MANAGER):
			api.snooze_alert(red.name, "2099-01-01 00:00:00", "Buyer on holiday until January")
		tasks.hourly(
			now=datetime(2026, 10, 30, 12, 0)
		)  # well past the escalation time: snoozed, no escalation
		self.assertFalse(self.alerts(reference_name=deal.name, level="Escalation"))
		alert = frappe.get_doc(ALERT, red.name)
		self.assertEqual((alert.status, alert.snooze_reason), ("Snoozed", "Buyer on holiday until January"))

	def test_a_broken_subject_does_not_stop_the_others(self):
		broken, healthy = self.waiting_deal(stage="Needs Analysis"), self.waiting_deal(stage="Needs Analysis")
		original = alert_jobs._stall

		def failing(row, *args, **kwargs):
			if row.name == broken.name:
				raise RuntimeError("broken subject")
			return original(row, *args, **kwargs)

		with patch.object(alert_jobs, "_stall", side_effect=failing):
			tasks.hourly(now=datetime(2026, 10, 16, 12, 0))
		self.assertTrue(self.alerts(reference_name=healthy.name, level="Alert"))
		self.assertFalse(self.alerts(reference_name=broken.name))
		self.assertTrue(frappe.db.exists("Error Log", {"reference_name": broken.name}))

	def test_the_database_keeps_one_alert_per_subject_and_level(self):
		deal = self.waiting_deal(stage="Needs Analysis")
		tasks.hourly(now=datetime(2026, 10, 16, 12, 0))
		(red,) = self.alerts(reference_name=deal.name, level="Alert")
		copy = frappe.copy_doc(frappe.get_doc(ALERT, red.name))
		copy.flags.sp_system_write = True
		with self.assertRaises(frappe.UniqueValidationError):  # what a second worker would hit
			copy.insert(ignore_permissions=True)

	# visits, training, reading

	def test_two_visits_that_moved_nothing_remind_the_supervisor_once(self):
		customer = make_customer()
		make_site_address("Customer", customer, 29.8683, 121.5440)
		deal = make_opportunity(self.company, customer=customer, opportunity_owner=REP)
		for day in range(3):
			with as_user(REP):
				visit = make_visit(customer, deal.name)
				api.check_in(visit.name, 29.8684, 121.5441, accuracy=10)
				api.check_out(visit.name, summary=f"Visit {day + 1}: waiting for the budget")
		(streak,) = self.alerts(reference_name=deal.name, alert_type="Visits Without Progress")
		self.assertEqual((streak.recipient, streak.todo), (MANAGER, None))
		self.assertEqual(json.loads(streak.message_params)["count"], 2)

	def test_the_weekly_training_push_reaches_the_bottom_of_compliance(self):
		checkpoint = frappe.get_doc("Sales Checkpoint", "Requirement Clarification")
		checkpoint.training_url = "https://academy.example.com/requirement-clarification"
		checkpoint.training_note = "Watch the 10-minute video on written requirement confirmations."
		checkpoint.save()
		now = datetime(2026, 11, 20, 9, 0)
		for _ in range(5):
			deal = make_opportunity(self.company, opportunity_owner=REP)
			(record,) = records(deal.name, "Requirement Clarification")
			frappe.db.set_value(
				"Sales Checkpoint Record",
				record.name,
				{"due_on": now - timedelta(days=3), "status": "Overdue"},
			)
		tasks.weekly_training_push(now=now)
		(push,) = self.alerts(alert_type="Training", rep=REP)
		self.assertEqual(push.checkpoint, "Requirement Clarification")
		todo = frappe.get_doc("ToDo", push.todo)
		self.assertEqual(todo.allocated_to, REP)
		self.assertIn("academy.example.com", todo.description)
		tasks.weekly_training_push(now=now + timedelta(hours=1))  # same week: once
		self.assertEqual(len(self.alerts(alert_type="Training", rep=REP)), 1)

	def test_reps_read_their_own_alerts_and_managers_their_teams(self):
		deal = self.waiting_deal(stage="Needs Analysis")
		tasks.hourly(now=datetime(2026, 10, 16, 12, 0))
		names = {a.name for a in self.alerts(reference_name=deal.name)}
		self.assertTrue(names)
		with as_user(REP):
			self.assertTrue(names <= set(frappe.get_list(ALERT, pluck="name", limit=0)))
		with as_user(MANAGER):
			self.assertTrue(names <= set(frappe.get_list(ALERT, pluck="name", limit=0)))
		with as_user(OUTSIDER):
			self.assertFalse(names & set(frappe.get_list(ALERT, pluck="name", limit=0)))
			self.assertFalse(frappe.has_permission(ALERT, "read", next(iter(names))))

	def test_the_daily_digest_tells_each_manager_in_their_language(self):
		deal = self.waiting_deal(stage="Needs Analysis")
		tasks.hourly(now=datetime(2026, 10, 16, 12, 0))
		frappe.db.set_value("User", MANAGER, "language", "zh")
		try:
			tasks.daily_digest(now=datetime(2026, 10, 16, 18, 0))
		finally:
			frappe.db.set_value("User", MANAGER, "language", None)
		queued = frappe.get_all(
			"Email Queue",
			filters={"reference_doctype": "User", "reference_name": MANAGER},
			fields=["name", "message"],
		)
		self.assertEqual(len(queued), 1)
		subject, body = _decoded(queued[0].message)
		self.assertIn("销售过程摘要", subject)  # in the manager's language
		self.assertIn("转为红灯", body)
		self.assertIn(deal.name, body)

	def test_the_message_reads_in_the_readers_language(self):
		deal = self.waiting_deal(stage="Needs Analysis")
		tasks.hourly(now=datetime(2026, 10, 16, 12, 0))
		(red,) = self.alerts(reference_name=deal.name, level="Alert")
		from sales_process.process.alerts import render

		self.assertIn("is stalled in stage Needs Analysis", render(red.message, red.message_params, "en"))
		self.assertIn("需求分析", render(red.message, red.message_params, "zh"))

	def test_the_shipped_webhook_posts_red_alerts_to_a_chat(self):
		deal = self.waiting_deal(stage="Needs Analysis")
		tasks.hourly(now=datetime(2026, 10, 16, 12, 0))
		(red,) = self.alerts(reference_name=deal.name, level="Alert")
		(reminder,) = self.alerts(reference_name=deal.name, level="Reminder")
		received = []

		class Chat(http.server.BaseHTTPRequestHandler):
			def do_POST(self):
				received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
				self.send_response(200)
				self.end_headers()
				self.wfile.write(b'{"errcode": 0}')

			def log_message(self, *args):
				pass

		server = http.server.HTTPServer(("127.0.0.1", 0), Chat)
		threading.Thread(target=server.serve_forever, daemon=True).start()
		try:
			webhook = frappe.get_doc("Webhook", "Sales Process Alert to Chat")
			self.assertFalse(webhook.enabled)  # shipped disabled
			webhook.request_url = f"http://127.0.0.1:{server.server_port}/hook"
			webhook.enabled = 1
			webhook.save()
			from frappe.integrations.doctype.webhook.webhook import enqueue_webhook, get_context

			self.assertTrue(
				frappe.safe_eval(webhook.condition, eval_locals=get_context(frappe.get_doc(ALERT, red.name)))
			)
			self.assertFalse(
				frappe.safe_eval(
					webhook.condition, eval_locals=get_context(frappe.get_doc(ALERT, reminder.name))
				)
			)
			enqueue_webhook(frappe.get_doc(ALERT, red.name), {"name": webhook.name})
		finally:
			server.shutdown()
		(payload,) = received
		self.assertEqual(
			(payload["msgtype"], payload["level"], payload["deal"], payload["rep"]),
			("text", "Alert", deal.name, REP),
		)
		self.assertIn(deal.name, payload["text"]["content"])
		self.assertTrue(payload["link"].endswith(f"/app/sales-process-alert/{red.name}"))


class TestAlertDelivery(EnrolledCompanyTestCase):
	def test_outside_tests_delivery_waits_for_the_commit_and_goes_to_a_background_job(self):
		from sales_process.process import alerts

		make_user(REP, ["Sales User"])
		make_user(MANAGER, ["Sales User"])
		queued = []
		previous = frappe.flags.in_test
		frappe.flags.in_test = False
		try:
			with patch.object(
				frappe, "enqueue", side_effect=lambda method, **kwargs: queued.append((method, kwargs))
			):
				names = alerts.raise_alert(
					alerts.AlertSpec(
						alert_type="Training",
						level="Reminder",
						subject_doctype="User",
						subject_name=REP,
						rep=REP,
						params={"compliance": 40, "checkpoint": "Requirement Clarification"},
						key_suffix="@delivery-test",
						recipients=[REP],
						with_todo=True,
					),
					datetime(2026, 11, 20, 9, 0),
				)
				self.assertFalse(frappe.db.exists("ToDo", {"allocated_to": REP, "reference_name": names[0]}))
				alerts._flush_outbox()  # what the commit does
		finally:
			frappe.flags.in_test = previous
		((method, kwargs),) = queued
		self.assertEqual(method, "sales_process.process.alerts.deliver")
		alerts.deliver(kwargs["items"])  # what the worker does
		self.assertTrue(frappe.db.get_value(ALERT, names[0], "todo"))


def _decoded(raw: str) -> tuple[str, str]:
	"""Subject and text of a queued email (MIME-encoded in the Email Queue)."""
	import email
	from email.header import decode_header, make_header

	message = email.message_from_string(raw)
	subject = str(make_header(decode_header(message["Subject"])))
	parts = [part for part in message.walk() if part.get_content_type() in ("text/html", "text/plain")]
	body = "".join(
		part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8") for part in parts
	)
	return subject, body
