"""The compliance rollup is now kept by every record write and holds every month, not only the
ended ones refreshed by the hourly job: count all records once, and drop the old job's watermark."""

import frappe

from sales_process.process import compliance_rollup


def execute():
	frappe.db.set_global("sales_process_compliance_synced_until", None)
	compliance_rollup.rebuild()
