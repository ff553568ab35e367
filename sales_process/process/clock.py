"""The moment a scheduled job runs for: its parameter, else `frappe.flags.current_date` (tests set
the clock with it), else now."""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe.utils import get_datetime, now_datetime


def job_moment(moment=None) -> datetime:
	if moment:
		return get_datetime(moment)
	if frappe.flags.current_date:
		return get_datetime(frappe.flags.current_date)
	return now_datetime()
