// Red for alerts and escalations, orange for reminders, grey once acted on; "mine" one tap away.
frappe.listview_settings["Sales Process Alert"] = {
	add_fields: ["level", "status", "recipient", "reference_name"],
	get_indicator(doc) {
		if (doc.status === "Acted On") return [__("Acted On"), "green", "status,=,Acted On"];
		if (doc.status === "Snoozed") return [__("Snoozed"), "gray", "status,=,Snoozed"];
		const colour = { Reminder: "orange", Alert: "red", Escalation: "red" }[doc.level] || "blue";
		return [__(doc.level), colour, `level,=,${doc.level}`];
	},
	onload(listview) {
		listview.page.add_inner_button(__("Sent to Me"), () => {
			listview.filter_area.remove("recipient");
			listview.filter_area.add([[listview.doctype, "recipient", "=", frappe.session.user]]);
		});
		listview.page.add_inner_button(__("Open"), () => {
			listview.filter_area.remove("status");
			listview.filter_area.add([[listview.doctype, "status", "=", "Open"]]);
		});
	},
};
