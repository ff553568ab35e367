"""Target Back-calculation reads a rep's history from each deal's facts (Sales Deal Fact) and
their monthly sums (Sales Deal Month): work them out for every deal made before this version."""

import frappe

from sales_process.process import deal_rollup


def execute():
	deal_rollup.rebuild(commit=frappe.db.commit)
