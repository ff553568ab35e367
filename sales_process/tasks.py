"""Scheduled jobs. Each is idempotent and takes its moment from a parameter or
`frappe.flags.current_date`, so tests can set the clock."""

from __future__ import annotations

import frappe
from frappe.utils import get_datetime, now_datetime

from sales_process.engine.rules import RecordStatus
from sales_process.process import stage_log
from sales_process.process.records import RECORD, update_deal_compliance
from sales_process.process.settings import get_settings


def _now(now=None):
	if now:
		return get_datetime(now)
	if frappe.flags.current_date:
		return get_datetime(frappe.flags.current_date)
	return now_datetime()


def refresh_checkpoint_lights(now=None):
	"""Turn open records yellow and red as their windows pass, and recount the compliance of the deals
	whose records just fell due. Work grows with what is due, not with history (index on status, due_on)."""
	now = _now(now)
	record = frappe.qb.DocType(RECORD)
	turning_red = (record.status.isin([RecordStatus.PENDING, RecordStatus.DUE_SOON])) & (record.due_on < now)
	deals = (
		frappe.qb.from_(record)
		.select(record.reference_doctype, record.reference_name)
		.distinct()
		.where(turning_red)
		.run()
	)
	frappe.qb.update(record).set(record.status, RecordStatus.OVERDUE).where(turning_red).run()
	(
		frappe.qb.update(record)
		.set(record.status, RecordStatus.DUE_SOON)
		.where((record.status == RecordStatus.PENDING) & (record.due_soon_on <= now))
		.run()
	)
	for reference_doctype, reference_name in deals:
		try:
			update_deal_compliance(reference_doctype, reference_name, as_of=now)
		except Exception:
			frappe.log_error(
				title="Sales Process compliance refresh failed",
				reference_doctype=reference_doctype,
				reference_name=reference_name,
			)


def reconcile_stage_logs(now=None):
	"""Log Opportunity moves no hook saw (e.g. direct database updates), for recently modified deals."""
	settings = get_settings()
	if not settings.enabled or not settings.companies:
		return
	companies = [row.company for row in settings.companies]
	since = frappe.utils.add_days(_now(now), -2)
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
