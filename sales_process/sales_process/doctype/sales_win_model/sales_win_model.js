// A Sales Win Model is read, never edited: why it is (not) in use, its calibration table and, for
// a Sales Process Manager, a button to train the company's next version now.
frappe.provide("sales_process");

sales_process.can_train_win_model = () => frappe.user.has_role(["Sales Process Manager", "System Manager"]);

sales_process.train_win_model = function (company) {
	const start = (value) =>
		frappe.call({
			method: "sales_process.sales_process.doctype.sales_win_model.sales_win_model.train_now",
			args: { company: value },
			freeze: true,
			callback: ({ message }) => frappe.msgprint({ message, indicator: "blue", title: __("Train Now") }),
		});
	if (company) return start(company);
	frappe.prompt(
		[{ fieldname: "company", fieldtype: "Link", options: "Company", label: __("Company"), reqd: 1, default: frappe.defaults.get_user_default("Company") }],
		(values) => start(values.company),
		__("Train the close probability"),
		__("Train Now")
	);
};

frappe.ui.form.on("Sales Win Model", {
	refresh(frm) {
		const onload = frm.doc.__onload || {};
		const indicator = { Active: "green", "Not Used": "orange", "Not Enough History": "gray", Superseded: "gray" }[frm.doc.status];
		frm.get_field("reason_html").$wrapper.html(
			onload.reason
				? `<div class="small" style="padding: 8px 0"><span class="indicator-pill ${indicator || "gray"}">${frappe.utils.escape_html(
						__(frm.doc.status)
				  )}</span> ${frappe.utils.escape_html(onload.reason)}</div>`
				: ""
		);
		frm.get_field("calibration_html").$wrapper.html(onload.calibration_html || "");
		if (sales_process.can_train_win_model()) {
			frm.add_custom_button(__("Train Now"), () => sales_process.train_win_model(frm.doc.company));
		}
	},
});
