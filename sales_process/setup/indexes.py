"""Indexes the reports need, added on install and on every migrate (`add_index` does nothing
when the index exists).

ERPNext's tables get theirs here. The app's own doctypes declare theirs in
`on_doctype_update`, which Frappe runs only when a doctype is synced; a new index in a new
version would otherwise miss every existing site, so migrate runs them all again. The
indexes on ERPNext's tables stay after an uninstall: they change no behaviour."""

from __future__ import annotations

import frappe

OPEN_DEALS_INDEX = "sp_open_deals_now"
# indexes of earlier versions that a newer one serves (every write pays for every index)
SUPERSEDED = {"Opportunity": ["sp_open_deals_by_stage"]}
INDEXES = {
	# history of a company's deals by creation (Target Back-calculation, Funnel Health)
	"Opportunity": [
		["company", "creation"],
		["company", "status"],
		# Funnel Health's open deals per stage, read from the index alone (73 k open deals of a
		# large org: 0.7 s through the rows), and those that entered their stage lately: a range
		# per status and stage; the outcomes' stamps make "open" the deals' facts' own
		(
			[
				"company",
				"status",
				"sales_stage",
				"sp_stage_entered_on",
				"opportunity_owner",
				"owner",
				"base_opportunity_amount",
				"sp_won_on",
				"sp_lost_on",
			],
			OPEN_DEALS_INDEX,
		),
	],
	# quotations of a deal (Target Back-calculation, purchase-history checks)
	"Quotation": [["opportunity"]],
	# the daily lead re-score finds the leads scored by another rule version
	"Lead": [(["company", "sp_fingerprint"], "sp_company_fingerprint")],
	# the events of a batch of leads (Frappe does not index the reference)
	"Event Participants": [(["reference_doctype", "reference_docname"], "sp_event_participant")],
}


def drop_superseded_index(doctype: str, name: str):
	"""Drop an index that a newer one (starting with the same columns) serves: every write pays
	for every index."""
	table = f"tab{doctype}"
	if frappe.db.has_index(table, name):
		frappe.db.sql_ddl(f"ALTER TABLE `{table}` DROP INDEX `{name}`")


def add_report_indexes():
	for doctype, indexes in INDEXES.items():
		for index in indexes:
			# a list of columns, or (columns, name) where the default name would be too long
			columns, name = index if isinstance(index, tuple) else (index, None)
			frappe.db.add_index(doctype, columns, name)
	for doctype, names in SUPERSEDED.items():
		for name in names:
			drop_superseded_index(doctype, name)
	for doctype in frappe.get_all("DocType", filters={"module": "Sales Process", "istable": 0}, pluck="name"):
		controller = frappe.get_module(
			f"sales_process.sales_process.doctype.{frappe.scrub(doctype)}.{frappe.scrub(doctype)}"
		)
		if hasattr(controller, "on_doctype_update"):
			controller.on_doctype_update()
