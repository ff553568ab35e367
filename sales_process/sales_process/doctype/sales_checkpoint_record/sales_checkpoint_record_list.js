// Same traffic-light colours as the checkpoint panel; who, for whom and when in the list;
// the overdue records one tap away.
frappe.listview_settings["Sales Checkpoint Record"] = {
	add_fields: ["status", "assigned_to", "customer", "due_on"],
	get_indicator(doc) {
		const colours = { Pending: "blue", "Due Soon": "orange", Overdue: "red", Completed: "green", Waived: "gray", Cancelled: "gray" };
		return [__(doc.status), colours[doc.status] || "gray", `status,=,${doc.status}`];
	},
	onload(listview) {
		const show = (status) => {
			listview.filter_area.remove("status");
			if (status) listview.filter_area.add([[listview.doctype, "status", "=", status]]);
		};
		listview.page.add_inner_button(__("Overdue"), () => show("Overdue"));
		listview.page.add_inner_button(__("Due Soon"), () => show("Due Soon"));
		listview.page.add_inner_button(__("All"), () => show(null));
	},
};
