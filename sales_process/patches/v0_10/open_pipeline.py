"""Target Back-calculation weighs the open pipeline from Sales Open Pipeline: each deal's fact row
gains its stage, amount and probabilities while open; work them out again for every deal."""

import frappe

from sales_process.process import deal_rollup


def execute():
	deal_rollup.rebuild(commit=frappe.db.commit)
