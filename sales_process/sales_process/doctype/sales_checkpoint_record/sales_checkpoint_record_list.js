// Same traffic-light colours as the checkpoint panel, live (a record past its due time is red even
// before the hourly job stores it); who, for whom and when in the list; the overdue ones one tap away.
frappe.listview_settings["Sales Checkpoint Record"] = {
	add_fields: ["status", "assigned_to", "customer", "due_on", "due_soon_on"],
	hide_name_column: true,
	formatters: {
		// checkpoint names read in the user's language
		checkpoint: (value) => frappe.utils.escape_html(__(value || "")),
	},
	get_indicator(doc) {
		const colours = { Pending: "blue", "Due Soon": "orange", Overdue: "red", Completed: "green", Waived: "gray", Cancelled: "gray" };
		let status = doc.status;
		if (["Pending", "Due Soon"].includes(status) && doc.due_on) {
			const now = frappe.datetime.now_datetime();
			if (doc.due_on < now) status = "Overdue";
			else if (status === "Pending" && doc.due_soon_on && doc.due_soon_on <= now) status = "Due Soon";
		}
		return [__(status), colours[status] || "gray", `status,=,${doc.status}`];
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
