// Same traffic-light colours as the checkpoint panel.
frappe.listview_settings["Sales Checkpoint Record"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colours = { Pending: "blue", "Due Soon": "orange", Overdue: "red", Completed: "green", Waived: "gray", Cancelled: "gray" };
		return [__(doc.status), colours[doc.status] || "gray", `status,=,${doc.status}`];
	},
};
