import frappe

from sales_process.setup import install
from sales_process.setup.custom_fields import CUSTOM_FIELDS
from sales_process.testing import SalesProcessTestCase, make_opportunity, test_company


def _custom_fields():
	return {
		(doctype, field["fieldname"])
		for doctype, fields in CUSTOM_FIELDS.items()
		for field in fields
		if frappe.db.exists("Custom Field", {"dt": doctype, "fieldname": field["fieldname"]})
	}


class TestInstall(SalesProcessTestCase):
	def test_install_created_fields_roles_and_stage_defaults(self):
		expected = {
			(doctype, field["fieldname"]) for doctype, fields in CUSTOM_FIELDS.items() for field in fields
		}
		self.assertEqual(_custom_fields(), expected)
		self.assertTrue(frappe.db.exists("Role", "Sales Process Manager"))
		self.assertEqual(frappe.db.get_value("Sales Stage", "Proposal/Price Quote", "sp_sequence"), 70)

	def test_uninstall_removes_custom_fields_and_erpnext_keeps_working(self):
		install.before_uninstall()
		try:
			self.assertEqual(_custom_fields(), set())
			self.assertFalse(
				frappe.db.exists("Custom DocPerm", {"parent": "Sales Stage", "role": "Sales User"})
			)
			self.assertFalse(frappe.db.exists("Webhook", "Sales Process Alert to Chat"))
			self.assertFalse(frappe.get_meta("Opportunity").has_field("sp_decision_makers"))
			opportunity = make_opportunity(test_company())
			opportunity.sales_stage = "Qualification"
			opportunity.save()
		finally:
			install.after_migrate()
			# re-creating the custom fields alters tables, which commits the uninstall half-way in
			# MariaDB; commit the restored state too, or the rollback would keep only the uninstall
			frappe.db.commit()
		self.assertTrue(frappe.get_meta("Opportunity").has_field("sp_decision_makers"))
		self.assertTrue(frappe.db.exists("Custom DocPerm", {"parent": "Sales Stage", "role": "Sales User"}))
		self.assertTrue(frappe.db.exists("Webhook", "Sales Process Alert to Chat"))

	def test_migrate_is_idempotent(self):
		install.after_migrate()
		install.after_migrate()
		self.assertEqual(
			frappe.db.count("Custom Field", {"dt": "Opportunity", "fieldname": "sp_decision_makers"}), 1
		)

	def test_migrate_adds_the_indexes_the_reports_need(self):
		from sales_process.setup.indexes import INDEXES

		install.after_migrate()
		for doctype, indexes in INDEXES.items():
			for index in indexes:
				columns, name = index if isinstance(index, tuple) else (index, None)
				rows = frappe.db.sql(
					f"show index from `tab{doctype}` where Column_name = %s and Seq_in_index = 1", columns[0]
				)
				self.assertTrue(rows, f"{doctype}: no index starting with {columns[0]}")
				if name:
					self.assertTrue(frappe.db.has_index(f"tab{doctype}", name), name)

	def test_migrate_gives_the_rollups_covering_indexes_and_drops_what_they_supersede(self):
		# as version 0.10 left an existing site: a (month, rep) index, no covering one
		frappe.db.sql_ddl("alter table `tabSales Strategy Month` drop index if exists report_counts")
		frappe.db.sql_ddl("alter table `tabSales Compliance Month` drop index if exists rep_counts")
		frappe.db.sql_ddl("alter table `tabSales Checkpoint Record` drop index if exists due_counts")
		frappe.db.sql_ddl("alter table `tabSales Deal Fact` drop index if exists won_amounts")
		frappe.db.add_index("Sales Strategy Month", ["month", "rep"])
		install.after_migrate()
		for doctype, index in (
			("Sales Objection Month", "report_counts"),
			("Sales Objection Item Group Month", "report_counts"),
			("Sales Strategy Month", "report_counts"),
			("Sales Deal Month", "history_counts"),
			("Sales Compliance Month", "rep_counts"),
			("Sales Compliance Month", "stage_counts"),
			("Sales Checkpoint Record", "due_counts"),
			("Sales Deal Fact", "won_amounts"),
		):
			self.assertTrue(frappe.db.has_index(f"tab{doctype}", index), f"{doctype}: {index}")
		self.assertFalse(frappe.db.has_index("tabSales Strategy Month", "month_rep_index"))
		# a team's sums come from the index alone, without reading a row
		plan = frappe.db.sql(
			"""explain select strategy, sum(deals_used), sum(deals_won) from `tabSales Strategy Month`
			where month in ('2026-01-01', '2026-02-01') and rep in ('a@example.com', 'b@example.com')
			and company = 'X' group by strategy""",
			as_dict=True,
		)
		self.assertIn("Using index", plan[0].Extra)

	def test_migrate_adds_the_app_doctypes_indexes_on_existing_sites(self):
		frappe.db.sql_ddl("alter table `tabSales Objection` drop index if exists creation_index")
		install.after_migrate()
		self.assertTrue(
			frappe.db.sql("show index from `tabSales Objection` where Key_name = 'creation_index'")
		)
