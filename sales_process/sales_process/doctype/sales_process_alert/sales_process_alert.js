// An alert reads in the reader's language (rendered on the server when the form opens);
// the recipient (or a manager) can snooze it with a reason.
frappe.ui.form.on("Sales Process Alert", {
	refresh(frm) {
		const message = (frm.doc.__onload || {}).message || "";
		const colour = { Reminder: "orange", Alert: "red", Escalation: "red" }[frm.doc.level] || "blue";
		frm.get_field("message_html").$wrapper.html(
			`<div class="alert alert-${colour === "orange" ? "warning" : "danger"}" style="font-size: var(--text-md)">${frappe.utils.escape_html(message)}</div>`
		);
		const mine = frm.doc.recipient === frappe.session.user || frappe.user.has_role("Sales Manager");
		if (["Open", "Snoozed"].includes(frm.doc.status) && mine) {
			frm.add_custom_button(__("Snooze"), () =>
				frappe.prompt(
					[
						{ fieldname: "until", fieldtype: "Datetime", label: __("Until"), reqd: 1, default: frappe.datetime.add_days(frappe.datetime.now_datetime(), 2) },
						{ fieldname: "reason", fieldtype: "Small Text", label: __("Why can it wait?"), reqd: 1 },
					],
					(values) =>
						frappe.call({
							method: "sales_process.api.snooze_alert",
							args: { alert: frm.doc.name, ...values },
							callback: () => frm.reload_doc(),
						}),
					__("Snooze"),
					__("Snooze")
				)
			);
		}
		if (frm.doc.reference_name) {
			frm.add_custom_button(__("Open Deal"), () => frappe.set_route("Form", frm.doc.reference_doctype, frm.doc.reference_name)).addClass("btn-primary");
		}
	},
});
