"""Site locations set before confirmation existed: who set them is the last editor; a location
last edited by a Sales Manager counts as confirmed, any other waits for a manager."""

import frappe

MANAGER_ROLES = ("Sales Manager", "Sales Process Manager", "System Manager")


def execute():
	from sales_process.setup.install import make_custom_fields

	make_custom_fields()  # after_migrate would add the new fields only after the patches
	address = frappe.qb.DocType("Address")
	rows = (
		frappe.qb.from_(address)
		.select(address.name, address.modified_by)
		.where(
			(address.sp_located_by.isnull() | (address.sp_located_by == ""))
			& ((address.sp_latitude != 0) | (address.sp_longitude != 0))
		)
		.run(as_dict=True)
	)
	for row in rows:
		editor = row.modified_by
		confirmed = editor == "Administrator" or bool(set(frappe.get_roles(editor)) & set(MANAGER_ROLES))
		frappe.db.set_value(
			"Address",
			row.name,
			{
				"sp_located_by": editor,
				"sp_location_confirmed_by": editor if confirmed else None,
				"sp_location_confirmed": int(confirmed),
			},
			update_modified=False,
		)
