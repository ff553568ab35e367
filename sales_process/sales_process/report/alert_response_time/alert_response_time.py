"""Alert Response Time: how fast managers act on red alerts, per manager and month (seed 003:
3.7 days → 8.2 h). The maths is engine.alerts.response_summary; reading goes through the
alert's row rules (a manager sees their team's alerts)."""

import frappe
import pandas as pd
from frappe import _
from frappe.utils import add_months, get_first_day, getdate, today

from sales_process.engine.alerts import Level, percentile, response_summary
from sales_process.process.report_scope import decimal_text

MANAGER_LEVELS = (Level.ALERT, Level.ESCALATION)


def execute(filters=None):
	filters = frappe._dict(filters or {})
	from_date = getdate(filters.from_date or get_first_day(add_months(today(), -5)))
	to_date = getdate(filters.to_date or today())
	conditions = {
		"raised_on": ("between", [f"{from_date} 00:00:00", f"{to_date} 23:59:59"]),
		"level": ("in", MANAGER_LEVELS),
		"recipient": ("is", "set"),
	}
	if filters.manager:
		conditions["recipient"] = filters.manager
	if filters.alert_type:
		conditions["alert_type"] = filters.alert_type
	rows = frappe.get_list(
		"Sales Process Alert",
		filters=conditions,
		fields=["name", "recipient", "raised_on", "response_seconds", "status", "level", "escalated"],
		limit=0,
	)
	frame = pd.DataFrame(
		[
			{
				"manager": row.recipient,
				"month": row.raised_on.strftime("%Y-%m"),
				"response_seconds": row.response_seconds if row.status == "Acted On" else None,
				"is_open": row.status != "Acted On",
				"escalated": bool(row.escalated),
			}
			for row in rows
		],
		columns=["manager", "month", "response_seconds", "is_open", "escalated"],
	)
	table = response_summary(frame, ["manager", "month"])
	data = [
		{**record, "manager_name": frappe.utils.get_fullname(record["manager"])}
		for record in table.where(pd.notna(table), None).to_dict("records")
	]
	return columns(), data, message(), chart(frame), summary(frame)


def columns():
	return [
		{"fieldname": "manager", "label": _("Manager"), "fieldtype": "Link", "options": "User", "width": 200},
		{"fieldname": "manager_name", "label": _("Name"), "fieldtype": "Data", "width": 140},
		{"fieldname": "month", "label": _("Month"), "fieldtype": "Data", "width": 90},
		{"fieldname": "alerts", "label": _("Alerts"), "fieldtype": "Int", "width": 80},
		{"fieldname": "acted", "label": _("Acted On"), "fieldtype": "Int", "width": 90},
		{"fieldname": "still_open", "label": _("Still Open"), "fieldtype": "Int", "width": 90},
		{"fieldname": "escalated", "label": _("Escalated"), "fieldtype": "Int", "width": 90},
		{
			"fieldname": "median_hours",
			"label": _("Median Response (h)"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 150,
		},
		{
			"fieldname": "p90_hours",
			"label": _("p90 Response (h)"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 130,
		},
	]


def message():
	return _(
		"Red alerts and escalations sent to managers. Response time runs from the alert to the first of: its To Do closed, a comment or a visit on the deal by the manager, the checkpoint completed or waived, the deal moved. Open alerts have no response time yet; reminders to reps are not counted."
	)


def chart(frame: pd.DataFrame):
	if frame.empty:
		return None
	months = sorted(frame["month"].unique())
	hours = pd.to_numeric(frame["response_seconds"], errors="coerce") / 3600.0
	medians = [percentile(hours[frame["month"] == month].dropna().tolist(), 0.5) for month in months]
	return {
		"data": {
			"labels": months,
			"datasets": [
				{
					"name": _("Median Response (h)"),
					"values": [round(m, 1) if m is not None else 0 for m in medians],
				}
			],
		},
		"title": _("Median response time (hours) per month; a month without an answered alert shows 0"),
		"type": "bar",
		"colors": ["#2490ef"],
	}


def summary(frame: pd.DataFrame):
	hours = (pd.to_numeric(frame["response_seconds"], errors="coerce") / 3600.0).dropna().tolist()
	median, p90 = percentile(hours, 0.5), percentile(hours, 0.9)
	return [
		{"value": len(frame), "label": _("Alerts"), "datatype": "Int", "indicator": "blue"},
		{
			"value": decimal_text(median, 1),
			"label": _("Median Response (h)"),
			"datatype": "Data",
			"indicator": "green" if median is not None and median <= 24 else "orange",
		},
		{"value": decimal_text(p90, 1), "label": _("p90 Response (h)"), "datatype": "Data"},
		{
			"value": int(frame["is_open"].sum()) if len(frame) else 0,
			"label": _("Still Open"),
			"datatype": "Int",
			"indicator": "red",
		},
		{
			"value": int(frame["escalated"].sum()) if len(frame) else 0,
			"label": _("Escalated"),
			"datatype": "Int",
			"indicator": "orange",
		},
	]
