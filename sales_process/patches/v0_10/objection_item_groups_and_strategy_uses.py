"""Objection Analysis by item group and by strategy read rollups from this version: stamp every
objection with its deal's item groups (then both objection rollups are rebuilt), and work out
every deal's strategy uses and their monthly sums."""

import frappe

from sales_process.process import objection_rollup, strategy_rollup


def execute():
	objection_rollup.restamp_all(commit=frappe.db.commit)
	strategy_rollup.rebuild(commit=frappe.db.commit)
