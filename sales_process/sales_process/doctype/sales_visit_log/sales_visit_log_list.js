// Flagged visits stand out for the manager; otherwise the visit's progress.
frappe.listview_settings["Sales Visit Log"] = {
	add_fields: ["status", "needs_review", "geofence_result"],
	get_indicator(doc) {
		if (doc.needs_review) return [__("Flagged for Manager"), "orange", "needs_review,=,1"];
		const colours = { Planned: "gray", "Checked In": "blue", "Checked Out": "green" };
		return [__(doc.status), colours[doc.status] || "gray", `status,=,${doc.status}`];
	},
};
