// Complete or waive a record from its own form, with the same dialog as the deal's panel.
frappe.ui.form.on("Sales Checkpoint Record", {
	refresh(frm) {
		if (!sales_process.OPEN.includes(frm.doc.status)) return;
		frappe.call({
			method: "sales_process.api.get_checkpoint_panel",
			args: { reference_doctype: frm.doc.reference_doctype, reference_name: frm.doc.reference_name },
			callback: ({ message }) => {
				const row = (message.records || []).find((r) => r.name === frm.doc.name);
				if (!row) return;
				const deal = { doctype: frm.doc.reference_doctype, name: frm.doc.reference_name };
				frm.add_custom_button(__("Complete"), () => sales_process.complete(frm, row, deal)).addClass("btn-primary");
				if (row.can_waive) frm.add_custom_button(__("Waive"), () => sales_process.waive_dialog(frm, row));
			},
		});
	},
});
