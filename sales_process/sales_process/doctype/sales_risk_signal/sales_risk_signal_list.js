// The risk_type reads in the user's language in the list too.
frappe.listview_settings["Sales Risk Signal"] = {
	formatters: {
		risk_type: (value) => frappe.utils.escape_html(__(value || "")),
	},
};
