// ERPNext's Sales Stage list: the stages in process order (the app's Order) and in the user's language.
frappe.listview_settings["Sales Stage"] = Object.assign(frappe.listview_settings["Sales Stage"] || {}, {
	add_fields: ["sp_sequence"],
	formatters: { name: (value) => frappe.utils.escape_html(__(value || "")) },
});
