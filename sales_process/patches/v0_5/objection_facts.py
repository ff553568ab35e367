"""Sales Objection gained what Objection Analysis counts (company, stage when raised, the deal's
firsts, lost, value at stake): stamp the objections raised before, then count them into the new
rollup (Sales Objection Month)."""

import frappe

from sales_process.process import objection_rollup
from sales_process.setup.install import make_custom_fields


def execute():
	make_custom_fields()  # the Opportunity's outcome fields, which the facts read
	objection_rollup.stamp_stages_when_raised()
	objection_rollup.restamp_all(commit=frappe.db.commit)  # a batch of deals per transaction
