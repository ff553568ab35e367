"""Scheduled jobs. Each is idempotent and takes its moment from a parameter or
`frappe.flags.current_date`, so tests can set the clock."""

from __future__ import annotations

import frappe

from sales_process.engine.alerts import Level
from sales_process.engine.rules import RecordStatus
from sales_process.process import alert_jobs, stage_log
from sales_process.process.alerts import Directory
from sales_process.process.clock import job_moment
from sales_process.process.records import RECORD, update_deal_compliance
from sales_process.process.settings import get_settings


def hourly(now=None):
	"""Lights, the alerts they raise, stalled deals, snoozes that ended, escalation — in that order."""
	now = job_moment(now)
	directory = Directory()
	refresh_checkpoint_lights(now, directory)
	alert_jobs.stalled_deals(now, directory)
	alert_jobs.wake_snoozed(now)
	alert_jobs.escalate(now, directory)


def refresh_checkpoint_lights(now=None, directory=None):
	"""Turn open records yellow and red as their windows pass, alert on each change, and recount the
	compliance of the deals whose records fell due. Work grows with what changes light, not with
	history (index on status and due times)."""
	now = job_moment(now)
	record = frappe.qb.DocType(RECORD)
	fields = (
		record.name,
		record.checkpoint,
		record.reference_doctype,
		record.reference_name,
		record.assigned_to,
		record.company,
		record.due_on,
	)
	turning_red = record.status.isin([RecordStatus.PENDING, RecordStatus.DUE_SOON]) & (record.due_on < now)
	turning_yellow = (
		(record.status == RecordStatus.PENDING) & (record.due_soon_on <= now) & (record.due_on >= now)
	)
	red = frappe.qb.from_(record).select(*fields).where(turning_red).run(as_dict=True)
	yellow = frappe.qb.from_(record).select(*fields).where(turning_yellow).run(as_dict=True)
	# the lights change no rollup count (engine.compliance.settled_counts treats every open status alike)
	if red:
		frappe.qb.update(record).set(record.status, RecordStatus.OVERDUE).where(
			record.name.isin([r.name for r in red])
		).run()
	if yellow:
		frappe.qb.update(record).set(record.status, RecordStatus.DUE_SOON).where(
			record.name.isin([r.name for r in yellow])
		).run()
	for reference_doctype, reference_name in {(r.reference_doctype, r.reference_name) for r in red}:
		try:
			update_deal_compliance(reference_doctype, reference_name, as_of=now)
		except Exception:
			frappe.log_error(
				title="Sales Process compliance refresh failed",
				reference_doctype=reference_doctype,
				reference_name=reference_name,
			)
	directory = directory or Directory()
	alert_jobs.checkpoint_alerts(yellow, Level.REMINDER, now, directory)
	alert_jobs.checkpoint_alerts(red, Level.ALERT, now, directory)


def daily_digest(now=None):
	alert_jobs.daily_digest(job_moment(now))


def weekly_training_push(now=None):
	alert_jobs.training_push(job_moment(now))


def reconcile_stage_logs(now=None):
	"""Log Opportunity moves no hook saw (e.g. direct database updates), for recently modified deals."""
	settings = get_settings()
	if not settings.enabled or not settings.companies:
		return
	companies = [row.company for row in settings.companies]
	since = frappe.utils.add_days(job_moment(now), -2)
	rows = frappe.get_all(
		"Opportunity",
		filters={"company": ("in", companies), "modified": (">=", since)},
		fields=["name", "sales_stage", "status"],
	)
	for row in rows:
		try:
			stage_log.log_position(
				"Opportunity",
				row.name,
				stage_log.Position(row.sales_stage or None, row.status or None),
				"Reconciliation",
			)
		except Exception:
			frappe.log_error(
				title="Sales Stage Log reconciliation failed",
				reference_doctype="Opportunity",
				reference_name=row.name,
			)


def refresh_strategy_statistics():
	"""Deals are won after their objections were handled: recount each strategy's uses and wins daily."""
	from sales_process.process.objections import refresh_strategy_stats

	for strategy in frappe.get_all("Sales Response Strategy", pluck="name"):
		try:
			refresh_strategy_stats(strategy)
		except Exception:
			frappe.log_error(
				title="Sales Response Strategy statistics failed",
				reference_doctype="Sales Response Strategy",
				reference_name=strategy,
			)


def recompute_lead_scores(now=None):
	"""Daily: re-score the leads whose score can have changed since (decay, an engagement leaving the
	window, a changed rule); the others keep theirs (see process.leads.due_names)."""
	from sales_process.process import leads

	return leads.recompute(job_moment(now))


def first_response_alerts(now=None):
	"""Hourly: pooled leads not contacted in time (reminder to the owner, then alert to the manager)."""
	from sales_process.process import leads

	return leads.first_response_alerts(job_moment(now))


def train_win_models(now=None):
	"""Weekly, on the long queue: each enrolled company's close probability learned again from its
	closed deals (a new Sales Win Model version; see that doctype)."""
	from sales_process.sales_process.doctype.sales_win_model.sales_win_model import train_all

	return train_all(job_moment(now))


def score_open_deals(now=None):
	"""Daily, on the long queue: every open deal of the enrolled companies scored again (a deal's
	facts move without a save: a checkpoint falls overdue, a visit, time in its stage)."""
	from sales_process.process import win_scores

	return win_scores.score_open_deals(job_moment(now))
