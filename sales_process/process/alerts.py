"""Sales Process Alerts: raise them once, send them to the right person, see when they are acted on.

An alert is stored as a message template and parameters and rendered in the
reader's language wherever it is shown (form, Notification Log, email, ToDo).
The database holds one alert per subject and level (a unique key), so two
workers running the same job at once raise one alert, not two.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import frappe
from frappe import _
from frappe.utils import get_datetime, get_url_to_form, now_datetime, time_diff_in_seconds

from sales_process.engine.alerts import (
	Acted,
	Action,
	AlertType,
	Level,
	Person,
	TreeCycleError,
	add_working_hours,
	alert_key,
	first_response,
	recipients,
)
from sales_process.process import rule_book
from sales_process.process.settings import setting

ALERT = "Sales Process Alert"
OPEN_STATUSES = ("Open", "Snoozed")
# parameters that are names the reader's language has a word for
TRANSLATED_PARAMS = ("checkpoint", "stage", "status")

MESSAGES = {
	(AlertType.CHECKPOINT, Level.REMINDER): "Checkpoint {checkpoint} of {deal} is due soon: {due_on}.",
	(
		AlertType.CHECKPOINT,
		Level.ALERT,
	): "Checkpoint {checkpoint} of {deal} ({rep}) is overdue since {due_on}.",
	(
		AlertType.CHECKPOINT,
		Level.ESCALATION,
	): "Still overdue and not acted on: checkpoint {checkpoint} of {deal} ({rep}), alerted to {manager} on {alerted_on}.",
	(
		AlertType.STALLED_DEAL,
		Level.REMINDER,
	): "{deal} has been in stage {stage} for {hours} working hours; it stalls at {limit}.",
	(
		AlertType.STALLED_DEAL,
		Level.ALERT,
	): "{deal} ({rep}) is stalled in stage {stage}: {hours} working hours, limit {limit}.",
	(
		AlertType.STALLED_DEAL,
		Level.ESCALATION,
	): "Still stalled and not acted on: {deal} ({rep}) in stage {stage}, alerted to {manager} on {alerted_on}.",
	(
		AlertType.VISIT_STREAK,
		Level.REMINDER,
	): "{count} visits by {rep} on {deal} moved nothing: no stage advance and no checkpoint completed.",
	(
		AlertType.TRAINING,
		Level.REMINDER,
	): "Your process compliance over the last 30 days is {compliance}%, among the lowest of the team. Your weakest checkpoint is {checkpoint}.",
	# lead intake (process.leads.FIRST_RESPONSE_ALERT)
	(
		"First Response",
		Level.REMINDER,
	): "Lead {lead} ({lead_name}, grade {grade}) is waiting for its first contact: due by {due_on}.",
	(
		"First Response",
		Level.ALERT,
	): "Lead {lead} ({lead_name}, grade {grade}) of {rep} was not contacted within {hours} working hours: due {due_on}.",
	(
		"First Response",
		Level.ESCALATION,
	): "Still not contacted and not acted on: lead {lead} ({lead_name}) of {rep}, alerted to {manager} on {alerted_on}.",
}


@dataclass
class AlertSpec:
	alert_type: str
	level: str
	subject_doctype: str
	subject_name: str
	rep: str | None
	reference_doctype: str | None = None
	reference_name: str | None = None
	checkpoint: str | None = None
	company: str | None = None
	params: dict = field(default_factory=dict)
	action_text: str | None = None
	# the stint of a stalled deal (stage + entry time): a deal stalling again later is a new subject
	key_suffix: str = ""
	skip: tuple[str, ...] = ()
	# who receives, when not the level's default (a visit streak goes to the supervisor)
	recipients: list[str] | None = None
	with_todo: bool | None = None


def render(template: str | None, params: dict | str | None, lang: str | None = None) -> str:
	"""The message in `lang` (default: the current user's), its names translated too."""
	if not template:
		return ""
	if isinstance(params, str):
		params = json.loads(params or "{}")
	params = params or {}
	values = {
		key: (_(value, lang=lang) if key in TRANSLATED_PARAMS and isinstance(value, str) else value)
		for key, value in params.items()
	}
	try:
		return _(template, lang=lang).format(**values)
	except (KeyError, IndexError, ValueError):
		return template.format(**params)


def user_language(user: str) -> str:
	return frappe.db.get_value("User", user, "language") or frappe.db.get_default("lang") or "en"


# who


def sales_people() -> dict[str, Person]:
	"""The Sales Person tree as data (name → parent, user), read once per job."""
	sales_person = frappe.qb.DocType("Sales Person")
	employee = frappe.qb.DocType("Employee")
	rows = (
		frappe.qb.from_(sales_person)
		.left_join(employee)
		.on(sales_person.employee == employee.name)
		.select(sales_person.name, sales_person.parent_sales_person, employee.user_id)
		.where(sales_person.enabled == 1)
		.run(as_dict=True)
	)
	return {row.name: Person(row.name, row.parent_sales_person or None, row.user_id or None) for row in rows}


def sales_managers() -> list[str]:
	has_role = frappe.qb.DocType("Has Role")
	user = frappe.qb.DocType("User")
	rows = (
		frappe.qb.from_(has_role)
		.join(user)
		.on(has_role.parent == user.name)
		.select(user.name)
		.distinct()
		.where(
			(has_role.role == "Sales Manager")
			& (has_role.parenttype == "User")
			& (user.enabled == 1)
			& user.name.notin(["Administrator", "Guest"])
		)
		.orderby(user.name)
		.run()
	)
	return [row[0] for row in rows]


class Directory:
	"""The tree and the managers, read once for a whole job run."""

	def __init__(self):
		self._people = None
		self._managers = None

	def recipients(self, level: str, rep: str, skip=()) -> list[str]:
		if self._people is None:
			self._people, self._managers = sales_people(), sales_managers()
		try:
			return recipients(level, rep, self._people, self._managers, skip)
		except TreeCycleError:
			frappe.log_error(title="Sales Person tree loops: alerts go to the Sales Managers")
			return [user for user in self._managers if user != rep] if level == Level.ALERT else []


# raising


def raise_alert(spec: AlertSpec, now: datetime, directory: Directory | None = None) -> list[str]:
	"""Raise the alert of `spec` once per recipient-less key; returns the names created (none if it exists)."""
	key = alert_key(spec.subject_doctype, spec.subject_name + spec.key_suffix, spec.level)
	directory = directory or Directory()
	targets = spec.recipients
	if targets is None:
		targets = directory.recipients(spec.level, spec.rep, skip=spec.skip) if spec.rep else []
	recipient = targets[0] if targets else None
	template = MESSAGES[(spec.alert_type, spec.level)]
	alert = frappe.get_doc(
		{
			"doctype": ALERT,
			"alert_type": spec.alert_type,
			"level": spec.level,
			"status": "Open",
			"recipient": recipient,
			"rep": spec.rep,
			"reference_doctype": spec.reference_doctype,
			"reference_name": spec.reference_name,
			"checkpoint": spec.checkpoint,
			"subject_doctype": spec.subject_doctype,
			"subject_name": spec.subject_name,
			"alert_key": key,
			"message": template,
			"message_params": json.dumps(spec.params, default=str, ensure_ascii=False),
			"action_text": spec.action_text,
			"raised_on": now,
			"escalate_on": _escalation_time(spec, now) if spec.level == Level.ALERT else None,
		}
	)
	# written as data, without the document lifecycle: an hour can raise thousands of alerts
	alert.set_new_name()
	alert.set_user_and_timestamp()
	frappe.db.savepoint("sales_process_alert")
	try:
		alert.db_insert()
	except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
		# another worker raised it a moment ago: the unique key kept it single
		frappe.db.rollback(save_point="sales_process_alert")
		return []
	if recipient:
		_queue_delivery(alert.name, spec.with_todo)
	return [alert.name]


# delivery: notification, ToDo and email are sent by a background job once the alerts are committed


def _queue_delivery(name: str, with_todo: bool | None):
	if frappe.flags.in_test:
		deliver([(name, with_todo)])
		return
	outbox = getattr(frappe.local, "sales_process_outbox", None)
	if outbox is None:
		outbox = frappe.local.sales_process_outbox = []
		frappe.db.after_commit.add(_flush_outbox)
		frappe.db.after_rollback.add(_drop_outbox)
	outbox.append((name, with_todo))


def _flush_outbox():
	outbox = getattr(frappe.local, "sales_process_outbox", None) or []
	frappe.local.sales_process_outbox = None
	for start in range(0, len(outbox), DELIVERY_BATCH):
		frappe.enqueue(
			"sales_process.process.alerts.deliver",
			queue="short",
			items=outbox[start : start + DELIVERY_BATCH],
		)


def _drop_outbox():
	frappe.local.sales_process_outbox = None


DELIVERY_BATCH = 200


def deliver(items):
	"""Send each alert to its recipient; a failure on one is logged and the others go on."""
	for name, with_todo in items:
		try:
			alert = frappe.get_doc(ALERT, name)
			if alert.recipient:
				_notify(alert, alert.recipient, with_todo=with_todo)
		except Exception:
			frappe.log_error(
				title="Sales Process Alert could not be delivered",
				reference_doctype=ALERT,
				reference_name=name,
			)


def _escalation_time(spec: AlertSpec, now: datetime) -> datetime | None:
	hours = setting("escalation_hours")
	if not hours:
		return None
	return add_working_hours(now, float(hours), rule_book.holidays(spec.company))


def _notify(alert, recipient: str, with_todo: bool | None = None):
	"""A system notification, for red alerts a ToDo on the deal, and an email — the email last,
	so a mail server problem never costs the ToDo."""
	lang = user_language(recipient)
	message = render(alert.message, alert.message_params, lang)
	body = message + (f"<p>{frappe.utils.escape_html(alert.action_text)}</p>" if alert.action_text else "")
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": recipient,
			"type": "Alert",
			"document_type": ALERT,
			"document_name": alert.name,
			"subject": f"{_(alert.level, lang=lang)}: {message}",
			"email_content": body,
			"from_user": "Administrator",
		}
	).insert(ignore_permissions=True)
	if with_todo is None:
		with_todo = alert.level in (Level.ALERT, Level.ESCALATION) or alert.alert_type == AlertType.TRAINING
	if with_todo:
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": recipient,
				"assigned_by": "Administrator",
				"description": body
				+ f'<p><a href="{get_url_to_form(ALERT, alert.name)}">{alert.name}</a></p>',
				"reference_type": alert.reference_doctype or ALERT,
				"reference_name": alert.reference_name or alert.name,
				"priority": "High" if alert.level == Level.ESCALATION else "Medium",
				"date": frappe.utils.getdate(alert.escalate_on) if alert.escalate_on else None,
			}
		).insert(ignore_permissions=True)
		alert.db_set("todo", todo.name, update_modified=False)
	try:
		_email(alert, recipient, lang, f"{_(alert.level, lang=lang)}: {message}", body)
	except Exception:
		alert.log_error("Sales Process Alert email could not be queued")


def _email(alert, recipient: str, lang: str, subject: str, body: str):
	"""Frappe does not email "Alert" notifications: send one, queued, if the user takes emails and
	the site has an outgoing account (without one the notification in the desk is all there is)."""
	from frappe.desk.doctype.notification_settings.notification_settings import is_email_notifications_enabled
	from frappe.email.doctype.email_account.email_account import EmailAccount

	email = frappe.db.get_value("User", recipient, "email")
	if not email or not is_email_notifications_enabled(recipient):
		return
	account = EmailAccount.find_outgoing(match_by_doctype=ALERT, _raise_error=False)
	# a fresh site's default outgoing account may have no address yet: Frappe would log an error
	# per alert instead of sending
	if not account or not account.get("email_id"):
		return
	link = get_url_to_form(ALERT, alert.name)
	frappe.sendmail(
		recipients=[email],
		subject=frappe.utils.strip_html(subject),
		message=body + f'<p><a href="{link}">{_("Open the alert", lang=lang)}</a></p>',
		reference_doctype=ALERT,
		reference_name=alert.name,
		now=False,
	)


# acting


def acted(
	how: str, by: str, on: datetime | None = None, reference=None, subject=None, todo: str | None = None
):
	"""Something happened that counts as acting on open alerts of a deal, a subject or a ToDo.

	The first qualifying action is kept (engine.first_response): a comment or
	a visit counts only when the alert's recipient made it.
	"""
	on = get_datetime(on or now_datetime())
	table = frappe.qb.DocType(ALERT)
	query = (
		frappe.qb.from_(table)
		.select(table.name, table.raised_on, table.recipient, table.todo)
		.where(table.status.isin(list(OPEN_STATUSES)))
	)
	if todo:
		query = query.where(table.todo == todo)
	elif subject:
		query = query.where((table.subject_doctype == subject[0]) & (table.subject_name == subject[1]))
	elif reference:
		query = query.where(
			(table.reference_doctype == reference[0]) & (table.reference_name == reference[1])
		)
	else:
		return []
	changed = []
	for row in query.run(as_dict=True):
		response = first_response(get_datetime(row.raised_on), row.recipient, [Action(on, how, by)])
		if response is None:
			continue
		frappe.db.set_value(
			ALERT,
			row.name,
			{
				"status": "Acted On",
				"acted_on": response.on,
				"acted_by": response.by,
				"acted_how": response.how,
				"response_seconds": max(time_diff_in_seconds(response.on, row.raised_on), 0),
			},
			update_modified=False,
		)
		if row.todo and how != Acted.TODO_CLOSED:
			# the task is done by what happened: close it, and say why
			frappe.db.set_value("ToDo", row.todo, "status", "Closed", update_modified=False)
		changed.append(row.name)
	return changed


def snooze(alert, until, reason: str):
	"""The recipient (or a manager) puts a subject aside until a date; the reason stays on the alert."""
	from sales_process.permissions import is_manager

	if frappe.session.user != alert.recipient and not is_manager():
		frappe.throw(
			_("Only {0} or a Sales Manager can snooze alert {1}.").format(alert.recipient, alert.name),
			frappe.PermissionError,
		)
	if alert.status not in OPEN_STATUSES:
		frappe.throw(_("Alert {0} was already acted on.").format(alert.name))
	until = get_datetime(until)
	if until <= now_datetime():
		frappe.throw(_("Snooze alert {0} until a time in the future.").format(alert.name))
	if not (reason or "").strip():
		frappe.throw(_("Write why alert {0} can wait.").format(alert.name))
	frappe.db.set_value(
		ALERT,
		alert.name,
		{
			"status": "Snoozed",
			"snoozed_until": until,
			"snoozed_by": frappe.session.user,
			"snooze_reason": reason.strip(),
			# if it is still red when the snooze ends, escalation follows then
			"escalate_on": max(get_datetime(alert.escalate_on), until) if alert.escalate_on else None,
		},
		update_modified=False,
	)


def open_alerts_of(reference_doctype: str, reference_name: str) -> list[dict]:
	"""Open alerts of a deal the user may read, rendered in the user's language (for the panel)."""
	rows = frappe.get_list(
		ALERT,
		filters={
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"status": ("in", OPEN_STATUSES),
		},
		fields=[
			"name",
			"alert_type",
			"level",
			"status",
			"recipient",
			"raised_on",
			"message",
			"message_params",
			"action_text",
		],
		order_by="raised_on desc",
	)
	return [
		{
			"name": row.name,
			"alert_type": _(row.alert_type),
			"level": row.level,
			"level_label": _(row.level),
			"status": _(row.status),
			"recipient": row.recipient,
			"raised_on": row.raised_on,
			"message": render(row.message, row.message_params),
			"action_text": row.action_text,
		}
		for row in rows
	]
