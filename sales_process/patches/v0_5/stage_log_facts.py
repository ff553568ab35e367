"""Sales Stage Log rows gained what Funnel Health counts (rep, company, first entry, advance, won,
stay) and the Opportunity its outcome moments: fill both for the history written before, then
count every row into the new rollup (Sales Stage Month)."""

import frappe

from sales_process.process import outcomes, stage_rollup
from sales_process.setup.install import make_custom_fields


def execute():
	make_custom_fields()  # the Opportunity's outcome fields; migrate makes the rest after the patches
	outcomes.backfill()
	stage_rollup.restamp_all(commit=frappe.db.commit)  # a batch of deals per transaction
