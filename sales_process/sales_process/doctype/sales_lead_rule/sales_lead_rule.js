// Sales Lead Rule: the Lead field of each criterion is picked from the Lead's fields (custom ones included).
const SP_NO_VALUE = ["Section Break", "Column Break", "Tab Break", "HTML", "Table", "Table MultiSelect", "Button", "Image", "Fold", "Heading"];
const SP_DEFAULT_ACTIVITY = [
	["Email Received", 5],
	["Reply Sent", 3],
	["Call", 10],
	["Meeting", 15],
	["Visit", 20],
];

frappe.ui.form.on("Sales Lead Rule", {
	setup(frm) {
		frappe.model.with_doctype("Lead", () => {
			const options = frappe
				.get_meta("Lead")
				.fields.filter((df) => !SP_NO_VALUE.includes(df.fieldtype) && !df.fieldname.startsWith("sp_"))
				.map((df) => ({ value: df.fieldname, label: `${__(df.label || df.fieldname)} (${df.fieldname})` }))
				.sort((a, b) => a.label.localeCompare(b.label));
			frm.fields_dict.criteria.grid.update_docfield_property("lead_field", "options", options);
		});
	},
	onload(frm) {
		if (frm.is_new() && !(frm.doc.activity || []).length) {
			for (const [kind, points] of SP_DEFAULT_ACTIVITY) {
				frm.add_child("activity", { engagement_kind: kind, points });
			}
			frm.refresh_field("activity");
		}
	},
	refresh(frm) {
		if (!frm.is_new()) {
			frm.add_custom_button(__("Scored Leads"), () =>
				frappe.set_route("List", "Lead", { sp_lead_rule: frm.doc.name })
			);
		}
	},
});
