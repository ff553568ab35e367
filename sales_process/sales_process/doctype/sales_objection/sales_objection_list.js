// The objection_type reads in the user's language in the list too.
frappe.listview_settings["Sales Objection"] = {
	formatters: {
		objection_type: (value) => frappe.utils.escape_html(__(value || "")),
	},
};
