frappe.listview_settings["Sales Win Model"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const color = { Active: "green", "Not Used": "orange", "Not Enough History": "gray", Superseded: "gray" }[doc.status];
		return [__(doc.status), color || "gray", `status,=,${doc.status}`];
	},
	onload(listview) {
		const can_train = frappe.user.has_role(["Sales Process Manager", "System Manager"]);
		if (!can_train) return;
		listview.page.add_inner_button(__("Train Now"), () => {
			frappe.prompt(
				[{ fieldname: "company", fieldtype: "Link", options: "Company", label: __("Company"), reqd: 1, default: frappe.defaults.get_user_default("Company") }],
				(values) =>
					frappe.call({
						method: "sales_process.sales_process.doctype.sales_win_model.sales_win_model.train_now",
						args: { company: values.company },
						freeze: true,
						callback: ({ message }) => frappe.msgprint({ message, indicator: "blue", title: __("Train Now") }),
					}),
				__("Train the close probability"),
				__("Train Now")
			);
		});
	},
};
