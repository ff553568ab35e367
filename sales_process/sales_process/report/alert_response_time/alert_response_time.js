// How fast managers act on red alerts, per manager and month.
frappe.query_reports["Alert Response Time"] = {
	filters: [
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_months(frappe.datetime.month_start(), -5) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "manager", label: __("Manager"), fieldtype: "Link", options: "User" },
		{
			fieldname: "alert_type",
			label: __("Alert Type"),
			fieldtype: "Select",
			options: ["", "Checkpoint", "Stalled Deal", "Visits Without Progress"].map((value) => ({ value, label: __(value) })),
		},
	],
};
