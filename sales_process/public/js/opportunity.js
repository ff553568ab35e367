// The checkpoint panel lives in the Opportunity's "Sales Process" section.
frappe.ui.form.on("Opportunity", {
	refresh(frm) {
		const field = frm.get_field("sp_checkpoint_panel");
		if (!field) return;
		field.$wrapper.empty();
		sales_process.fetch_panel(frm, (panel) => sales_process.draw_panel(frm, field.$wrapper, panel));
	},
});
