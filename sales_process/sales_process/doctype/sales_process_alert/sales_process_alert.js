// An alert on a phone: the message first, in the reader's language (rendered on the server when the
// form opens), then what to do and big buttons — open the deal, snooze with a reason.
frappe.ui.form.on("Sales Process Alert", {
	refresh(frm) {
		const esc = frappe.utils.escape_html;
		const message = (frm.doc.__onload || {}).message || "";
		const red = frm.doc.level !== "Reminder";
		const $wrapper = frm.get_field("message_html").$wrapper.empty();
		$(`<div class="alert ${red ? "alert-danger" : "alert-warning"}" style="font-size: var(--text-md); margin-bottom: var(--margin-sm)">
			${esc(message)}</div>`).appendTo($wrapper);
		const $bar = $('<div style="display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: var(--margin-md)"></div>').appendTo($wrapper);
		const button = (label, style, action) =>
			$(`<button class="btn ${style}" style="min-height: 44px; flex: 1 1 140px">${label}</button>`).appendTo($bar).on("click", action);
		if (frm.doc.reference_name) {
			button(__("Open Deal"), "btn-primary", () => frappe.set_route("Form", frm.doc.reference_doctype, frm.doc.reference_name));
		}
		const mine = frm.doc.recipient === frappe.session.user || frappe.user.has_role("Sales Manager");
		if (["Open", "Snoozed"].includes(frm.doc.status) && mine) {
			button(__("Snooze"), "btn-default", () => sales_process_alert.snooze(frm));
		}
		if (frm.doc.status === "Acted On") {
			$(`<div class="small text-muted">${esc(__("Acted on by {0}: {1}", [frm.doc.acted_by || "", __(frm.doc.acted_how || "")]))}</div>`).appendTo($wrapper);
		}
	},
});

const sales_process_alert = {
	snooze(frm) {
		frappe.prompt(
			[
				{
					fieldname: "until",
					fieldtype: "Datetime",
					label: __("Until"),
					reqd: 1,
					default: frappe.datetime.add_days(frappe.datetime.now_datetime(), 2),
				},
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
		);
	},
};
