"""What raises alerts: records falling due, deals waiting in a stage, escalation, visit streaks,
the weekly training push and the managers' daily digest.

Each job reads only what crossed a threshold (indexed columns: the record's
status and due times, the deal's next stall check, the alert's escalation
time), decides in the engine, and catches and logs a failure per subject so
the others go on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.utils import format_datetime, get_datetime

from sales_process.adapters import opportunity
from sales_process.engine.alerts import (
	AlertType,
	Level,
	VisitFact,
	bottom_reps,
	stall_level,
	stall_window,
	visit_streaks,
	weakest_checkpoint,
	working_hours_between,
)
from sales_process.engine.compliance import compliance_table
from sales_process.engine.rules import RecordStatus
from sales_process.process import rule_book
from sales_process.process.alerts import ALERT, AlertSpec, Directory, raise_alert, render, user_language
from sales_process.process.records import RECORD
from sales_process.process.settings import due_soon_share, enrolled_companies, setting


def _log(title: str, doctype: str, name: str):
	frappe.log_error(title=title, reference_doctype=doctype, reference_name=name)


# checkpoint records


def checkpoint_alerts(rows, level: str, now: datetime, directory: Directory) -> int:
	"""Reminder to the rep when a record turns Due Soon; alert to the manager when it turns Overdue."""
	if not setting("alert_checkpoints"):
		return 0
	raised = 0
	for row in rows:
		try:
			action = (
				frappe.get_cached_value("Sales Checkpoint", row.checkpoint, "action_text")
				if level == Level.ALERT
				else None
			)
			raised += len(
				raise_alert(
					AlertSpec(
						alert_type=AlertType.CHECKPOINT,
						level=level,
						subject_doctype=RECORD,
						subject_name=row.name,
						rep=row.assigned_to,
						reference_doctype=row.reference_doctype,
						reference_name=row.reference_name,
						checkpoint=row.checkpoint,
						company=row.company,
						params={
							"checkpoint": row.checkpoint,
							"deal": row.reference_name,
							"rep": frappe.utils.get_fullname(row.assigned_to) if row.assigned_to else "-",
							"due_on": format_datetime(row.due_on, "yyyy-MM-dd HH:mm"),
						},
						action_text=action,
						skip=(row.assigned_to,) if row.assigned_to else (),
					),
					now,
					directory,
				)
			)
		except Exception:
			_log("Sales Process: checkpoint alert failed", RECORD, row.name)
	return raised


# stalled deals


def stage_limits() -> dict[str, tuple[float, str | None]]:
	"""Each stage's stall limit in working hours (the Settings default where the stage has none) and action text."""
	default = setting("default_stall_hours") or 0
	return {
		row.name: (row.sp_stall_hours or default, row.sp_stall_action)
		for row in frappe.get_all("Sales Stage", fields=["name", "sp_stall_hours", "sp_stall_action"])
	}


def next_stall_check(
	stage: str | None, entered_on, company: str | None, now: datetime, limits=None
) -> datetime | None:
	"""When the deal's wait next crosses a threshold still ahead of `now`; None when none is left."""
	if not stage or not entered_on:
		return None
	limit, _action = (limits or stage_limits()).get(stage, (0, None))
	window = stall_window(get_datetime(entered_on), limit, rule_book.holidays(company), due_soon_share())
	for moment in (window.yellow_on, window.red_on):
		if moment is not None and moment > now:
			return moment
	return None


def schedule_stall_check(deal_name: str, now: datetime | None = None):
	"""After a stage move, a status change or a limit change: when to look at the deal next."""
	values = frappe.db.get_value(
		opportunity.DOCTYPE,
		deal_name,
		["sales_stage", "sp_stage_entered_on", "company", "status"],
		as_dict=True,
	)
	if not values:
		return
	next_on = None
	if values.status == "Open" and values.company in enrolled_companies():
		entered = get_datetime(values.sp_stage_entered_on) if values.sp_stage_entered_on else None
		limit, _action = stage_limits().get(values.sales_stage, (0, None))
		window = (
			stall_window(entered, limit, rule_book.holidays(values.company), due_soon_share())
			if entered
			else None
		)
		if window is not None:
			# a threshold already passed is looked at by the next hourly run
			next_on = window.yellow_on or window.red_on
	frappe.db.set_value(opportunity.DOCTYPE, deal_name, "sp_stall_next_on", next_on, update_modified=False)


def stalled_deals(now: datetime, directory: Directory) -> int:
	"""Deals whose next stall check has come: yellow to the rep, red to the manager with the stage's action."""
	deal = frappe.qb.DocType(opportunity.DOCTYPE)
	rows = (
		frappe.qb.from_(deal)
		.select(
			deal.name,
			deal.sales_stage,
			deal.sp_stage_entered_on,
			deal.company,
			deal.status,
			deal.owner,
			deal.opportunity_owner,
		)
		.where(deal.sp_stall_next_on <= now)
		.run(as_dict=True)
	)
	if not rows:
		return 0
	enabled = setting("alert_stalled_deals")
	limits = stage_limits()
	enrolled = enrolled_companies()
	raised = 0
	for row in rows:
		try:
			if enabled and row.status == "Open" and row.company in enrolled and row.sp_stage_entered_on:
				raised += _stall(row, now, limits, directory)
			frappe.db.set_value(
				opportunity.DOCTYPE,
				row.name,
				"sp_stall_next_on",
				next_stall_check(row.sales_stage, row.sp_stage_entered_on, row.company, now, limits)
				if row.status == "Open" and row.company in enrolled
				else None,
				update_modified=False,
			)
		except Exception:
			_log("Sales Process: stalled deal check failed", opportunity.DOCTYPE, row.name)
	return raised


def _stall(row, now: datetime, limits, directory: Directory) -> int:
	entered = get_datetime(row.sp_stage_entered_on)
	limit, action = limits.get(row.sales_stage, (0, None))
	holidays = rule_book.holidays(row.company)
	level = stall_level(stall_window(entered, limit, holidays, due_soon_share()), now)
	if level is None:
		return 0
	rep = opportunity.rep(row)
	params = {
		"deal": row.name,
		"stage": row.sales_stage,
		"rep": frappe.utils.get_fullname(rep),
		"hours": round(working_hours_between(entered, now, holidays)),
		"limit": f"{limit:g}",
	}
	suffix = f"@{row.sales_stage}@{entered:%Y%m%d%H%M%S}"
	raised = 0
	for step in (Level.REMINDER, Level.ALERT):
		if Level.RANK[step] > Level.RANK[level]:
			break
		raised += len(
			raise_alert(
				AlertSpec(
					alert_type=AlertType.STALLED_DEAL,
					level=step,
					subject_doctype=opportunity.DOCTYPE,
					subject_name=row.name,
					rep=rep,
					reference_doctype=opportunity.DOCTYPE,
					reference_name=row.name,
					company=row.company,
					params=params,
					action_text=action if step == Level.ALERT else None,
					key_suffix=suffix,
					skip=(rep,),
				),
				now,
				directory,
			)
		)
	return raised


def refresh_stage_limits(stage: str):
	"""A stage's limit changed: the deals waiting in it are looked at again (in a background job)."""
	for name in frappe.get_all(
		opportunity.DOCTYPE, filters={"sales_stage": stage, "status": "Open"}, pluck="name"
	):
		try:
			schedule_stall_check(name)
		except Exception:
			_log("Sales Process: stall check reschedule failed", opportunity.DOCTYPE, name)


# escalation and snoozes


def escalate(now: datetime, directory: Directory) -> int:
	"""Red alerts nobody acted on by their escalation time go one level up, once."""
	table = frappe.qb.DocType(ALERT)
	rows = (
		frappe.qb.from_(table)
		.select("*")
		.where(
			(table.status == "Open")
			& (table.level == Level.ALERT)
			& (table.escalated == 0)
			& (table.escalate_on <= now)
		)
		.run(as_dict=True)
	)
	raised = 0
	for row in rows:
		try:
			params = frappe.parse_json(row.message_params or "{}")
			params.update(
				manager=frappe.utils.get_fullname(row.recipient) if row.recipient else "-",
				alerted_on=format_datetime(row.raised_on, "yyyy-MM-dd HH:mm"),
			)
			key = row.alert_key
			suffix = key[len(f"{row.subject_doctype}:{row.subject_name}") : key.rfind(":")]
			raised += len(
				raise_alert(
					AlertSpec(
						alert_type=row.alert_type,
						level=Level.ESCALATION,
						subject_doctype=row.subject_doctype,
						subject_name=row.subject_name,
						rep=row.rep,
						reference_doctype=row.reference_doctype,
						reference_name=row.reference_name,
						checkpoint=row.checkpoint,
						params=params,
						action_text=row.action_text,
						key_suffix=suffix,
						skip=(row.rep,) if row.rep else (),
					),
					now,
					directory,
				)
			)
			frappe.db.set_value(ALERT, row.name, "escalated", 1, update_modified=False)
		except Exception:
			_log("Sales Process: escalation failed", ALERT, row.name)
	return raised


def wake_snoozed(now: datetime) -> int:
	table = frappe.qb.DocType(ALERT)
	woken = (
		frappe.qb.from_(table)
		.select(table.name)
		.where((table.status == "Snoozed") & (table.snoozed_until <= now))
		.run(pluck=True)
	)
	if woken:
		frappe.qb.update(table).set(table.status, "Open").where(table.name.isin(woken)).run()
	return len(woken)


# visits that moved nothing


def visit_streak(visit, now: datetime) -> int:
	"""After a check-out: N visits in a row on the deal with no progress raise one reminder to the supervisor."""
	if (
		not setting("alert_visit_streaks")
		or visit.reference_doctype != opportunity.DOCTYPE
		or not visit.reference_name
	):
		return 0
	company = frappe.db.get_value(opportunity.DOCTYPE, visit.reference_name, "company")
	if company not in enrolled_companies():
		return 0
	visits = [
		VisitFact(v.name, v.check_in_time, v.check_out_time, v.stage_before, v.stage_after)
		for v in frappe.get_all(
			"Sales Visit Log",
			filters={
				"reference_doctype": opportunity.DOCTYPE,
				"reference_name": visit.reference_name,
				"check_in_time": ("is", "set"),
			},
			fields=["name", "check_in_time", "check_out_time", "stage_before", "stage_after"],
		)
	]
	order = rule_book.stage_order()
	progress = _progress_times(visit.reference_name, order)
	minimum = max(int(setting("visit_streak_count") or 2), 1)
	raised = 0
	directory = Directory()
	for streak in visit_streaks(visits, progress, order, minimum):
		if visit.name not in streak:
			continue
		manager = directory.recipients(Level.ALERT, visit.rep, skip=(visit.rep,))
		raised += len(
			raise_alert(
				AlertSpec(
					alert_type=AlertType.VISIT_STREAK,
					level=Level.REMINDER,
					subject_doctype="Sales Visit Log",
					subject_name=streak[0],
					rep=visit.rep,
					reference_doctype=opportunity.DOCTYPE,
					reference_name=visit.reference_name,
					company=company,
					params={
						"count": len(streak),
						"rep": frappe.utils.get_fullname(visit.rep),
						"deal": visit.reference_name,
					},
					recipients=manager,
					with_todo=False,
				),
				now,
				directory,
			)
		)
	return raised


def _progress_times(deal: str, order) -> list:
	"""Stage advances and completed checkpoints of the deal."""
	log = frappe.qb.DocType("Sales Stage Log")
	moves = (
		frappe.qb.from_(log)
		.select(log.from_stage, log.to_stage, log.changed_on)
		.where((log.reference_doctype == opportunity.DOCTYPE) & (log.reference_name == deal))
		.run(as_dict=True)
	)
	times = [
		move.changed_on
		for move in moves
		if order.get(move.from_stage or "") is not None
		and order.get(move.to_stage or "") is not None
		and order[move.to_stage] > order[move.from_stage]
	]
	times += frappe.get_all(
		RECORD,
		filters={
			"reference_doctype": opportunity.DOCTYPE,
			"reference_name": deal,
			"status": RecordStatus.COMPLETED,
		},
		pluck="completed_on",
	)
	return [get_datetime(t) for t in times if t]


# the weekly training push


def compliance_by_rep(now: datetime, days: int = 30, reps: list[str] | None = None):
	"""(due, completed) per rep and per rep × checkpoint over the last `days`, from records that fell due then."""
	import pandas as pd

	record = frappe.qb.DocType(RECORD)
	query = (
		frappe.qb.from_(record)
		.select(
			record.assigned_to,
			record.checkpoint,
			record.status,
			record.due_on,
			record.completed_on,
			record.on_time,
		)
		.where(
			(record.due_on >= now - timedelta(days=days))
			& (record.due_on <= now)
			& record.company.isin(list(enrolled_companies()) or [""])
		)
	)
	if reps is not None:
		query = query.where(record.assigned_to.isin(reps or [""]))
	# plain lists: frappe's row dicts answer every attribute, which pandas mistakes for an array
	rows = [list(row) for row in query.run()]
	frame = pd.DataFrame(
		rows, columns=["assigned_to", "checkpoint", "status", "due_on", "completed_on", "on_time"]
	)
	if frame.empty:
		return {}, {}
	by_rep = compliance_table(frame, ["assigned_to"], now)
	by_checkpoint = compliance_table(frame, ["assigned_to", "checkpoint"], now)
	reps_rates = {row.assigned_to: (int(row.due), int(row.completed)) for row in by_rep.itertuples()}
	per_checkpoint: dict[str, dict[str, tuple[int, int]]] = {}
	for row in by_checkpoint.itertuples():
		per_checkpoint.setdefault(row.assigned_to, {})[row.checkpoint] = (int(row.due), int(row.completed))
	return reps_rates, per_checkpoint


def training_push(now: datetime) -> int:
	if not setting("training_push"):
		return 0
	rates, per_checkpoint = compliance_by_rep(now)
	share = (setting("training_share") or 20) / 100.0
	minimum = setting("training_min_due") or 5
	year, week, _day = now.isocalendar()
	raised = 0
	for rep in bottom_reps(rates, share, minimum):
		try:
			checkpoint = weakest_checkpoint(per_checkpoint.get(rep, {}))
			training = (
				frappe.get_cached_value(
					"Sales Checkpoint", checkpoint, ["training_url", "training_note"], as_dict=True
				)
				if checkpoint
				else None
			)
			action = "\n".join(
				filter(None, [training and training.training_note, training and training.training_url])
			)
			due, completed = rates[rep]
			raised += len(
				raise_alert(
					AlertSpec(
						alert_type=AlertType.TRAINING,
						level=Level.REMINDER,
						subject_doctype="User",
						subject_name=rep,
						rep=rep,
						checkpoint=checkpoint,
						params={
							"compliance": round(100.0 * completed / due, 1),
							"checkpoint": checkpoint or "-",
						},
						action_text=action or None,
						key_suffix=f"@{year}-W{week:02d}",
						recipients=[rep],
						with_todo=True,
					),
					now,
				)
			)
		except Exception:
			_log("Sales Process: training push failed", "User", rep)
	return raised


# the managers' daily digest


def daily_digest(now: datetime) -> int:
	"""One email per manager, in the manager's language: what turned red, what escalated, who is at the bottom."""
	if not setting("daily_digest"):
		return 0
	since = now - timedelta(days=1)
	alerts = frappe.get_all(
		ALERT,
		filters={
			"raised_on": (">=", since),
			"level": ("in", [Level.ALERT, Level.ESCALATION]),
			"recipient": ("is", "set"),
		},
		fields=["name", "recipient", "level", "message", "message_params"],
		order_by="raised_on asc",
	)
	by_manager: dict[str, list] = {}
	for alert in alerts:
		by_manager.setdefault(alert.recipient, []).append(alert)
	from sales_process.permissions import team_members

	sent = 0
	for manager, items in by_manager.items():
		try:
			lang = user_language(manager)
			team = [member for member in team_members(manager) if member != manager]
			rates, _per = compliance_by_rep(now, reps=team) if team else ({}, {})
			bottom = bottom_reps(rates, 0.2, setting("training_min_due") or 5)
			frappe.sendmail(
				recipients=[frappe.db.get_value("User", manager, "email") or manager],
				subject=_("Sales process digest: {0} red, {1} escalated", lang=lang).format(
					sum(1 for a in items if a.level == Level.ALERT),
					sum(1 for a in items if a.level == Level.ESCALATION),
				),
				message=_digest_html(items, bottom, rates, lang),
				reference_doctype="User",
				reference_name=manager,
				now=False,
			)
			sent += 1
		except Exception:
			_log("Sales Process: daily digest failed", "User", manager)
	return sent


def _digest_html(items, bottom, rates, lang: str) -> str:
	def section(title, lines):
		if not lines:
			return ""
		return f"<h4>{title}</h4><ul>" + "".join(f"<li>{line}</li>" for line in lines) + "</ul>"

	red = [render(a.message, a.message_params, lang) for a in items if a.level == Level.ALERT]
	escalated = [render(a.message, a.message_params, lang) for a in items if a.level == Level.ESCALATION]
	low = [
		f"{frappe.utils.get_fullname(rep)}: {round(100.0 * rates[rep][1] / rates[rep][0], 1)}%"
		for rep in bottom
	]
	return (
		section(_("Turned red", lang=lang), red)
		+ section(_("Escalated", lang=lang), escalated)
		+ section(_("Lowest process compliance in your team (last 30 days)", lang=lang), low)
	)
