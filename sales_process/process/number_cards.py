"""Numbers for the Sales Process workspace that a plain count cannot give.

Each reads through the same scope as the reports (a rep sees their own figures, a
manager their team's, Sales Manager everyone's) and returns the value with the route a
click on the card opens.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder.functions import Count
from frappe.utils import get_first_day, now_datetime, today

from sales_process.adapters import opportunity
from sales_process.engine.alerts import AlertType, Level
from sales_process.engine.compliance import band
from sales_process.process.compliance_rollup import compliance_counts
from sales_process.process.report_scope import report_scope, restrict

RECORD = "Sales Checkpoint Record"
ALERT = "Sales Process Alert"


@frappe.whitelist()
def compliance_this_month(filters: str | dict | None = None) -> dict:
	"""Completed ÷ due of the records falling due this month, as the Process Compliance report counts."""
	month_start = get_first_day(today())
	scope = report_scope({"from_date": month_start, "to_date": today()})
	# the report's own counts (the compliance rollup less what is not yet due): one figure everywhere
	counts = compliance_counts(scope, now_datetime(), by=["company"])
	due, done = int(counts["due"].sum()), int(counts["completed"].sum())
	value = round(100.0 * done / due, 1) if due else None
	return {
		"value": value if value is not None else 0,
		"fieldtype": "Percent",
		"route": ["query-report", "Process Compliance"],
		"route_options": {"from_date": str(month_start), "to_date": today()},
		"band": band(value),
	}


@frappe.whitelist()
def stalled_deals(filters: str | dict | None = None) -> dict:
	"""Open deals red for waiting in their stage (an open Stalled Deal alert), counted once per
	deal: a deal lost or won since its alert waits for nothing."""
	scope = report_scope({})
	alert = frappe.qb.DocType(ALERT)
	deal = frappe.qb.DocType(opportunity.DOCTYPE)
	query = (
		frappe.qb.from_(alert)
		.join(deal)
		.on((alert.reference_doctype == opportunity.DOCTYPE) & (deal.name == alert.reference_name))
		.select(Count(alert.reference_name).distinct().as_("deals"))
		.where(alert.alert_type == AlertType.STALLED_DEAL)
		.where(alert.level.isin([Level.ALERT, Level.ESCALATION]))
		.where(alert.status != "Acted On")
		.where(opportunity.open_deal_condition(deal))
	)
	query = restrict(query, scope, rep=alert.rep)
	deals = 0 if scope.sees_nothing else int(query.run()[0][0] or 0)
	return {
		"value": deals,
		"fieldtype": "Int",
		"route": ["List", ALERT],
		"route_options": {"alert_type": AlertType.STALLED_DEAL, "status": ["!=", "Acted On"]},
		"label": _("Stalled Deals"),
	}
