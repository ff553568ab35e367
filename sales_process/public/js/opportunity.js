// The checkpoint panel lives in the Opportunity's "Sales Process" section. The stage picker
// lists stages in process order; a stage the gates refuse is put back at once, with the reason.
frappe.ui.form.on("Opportunity", {
	setup(frm) {
		frm.set_query("sales_stage", () => ({ query: "sales_process.api.stage_query" }));
	},

	onload_post_render(frm) {
		// was anything besides the stage changed before a refused pick? (then the form stays "Not Saved")
		frm.fields_dict.sales_stage &&
			frm.fields_dict.sales_stage.$input.on("focus", () => (frm.sp_dirty_before_stage = frm.is_dirty()));
	},

	onload(frm) {
		if (frm.is_new()) sales_process.stage_probability(frm);
	},

	refresh(frm) {
		frm.sp_saved_stage = frm.doc.sales_stage;
		frm.sp_loaded_probability = frm.doc.probability;
		frm.sp_dirty_before_stage = false;
		const field = frm.get_field("sp_checkpoint_panel");
		if (!field) return;
		field.$wrapper.empty();
		sales_process.fetch_panel(frm, (panel) => sales_process.draw_panel(frm, field.$wrapper, panel));
	},

	sales_stage(frm) {
		if (frm.is_new()) {
			sales_process.stage_probability(frm);
			return;
		}
		if (frm.doc.sales_stage === frm.sp_saved_stage) return;
		sales_process.check_stage(frm).then((allowed) => {
			if (allowed) sales_process.stage_probability(frm);
		});
	},

	validate(frm) {
		// the server refuses too; checking here keeps the refused stage off the screen
		if (frm.is_new() || frm.doc.sales_stage === frm.sp_saved_stage) return;
		return sales_process.check_stage(frm).then((allowed) => {
			if (!allowed) frappe.validated = false;
		});
	},
});

// One check per picked stage: the field's change and a quick Save share it, and say it once.
sales_process.check_stage = function (frm) {
	const stage = frm.doc.sales_stage || null;
	if (frm.sp_stage_check && frm.sp_stage_check.stage === stage) return frm.sp_stage_check.promise;
	const was_dirty = frm.sp_dirty_before_stage;
	const promise = frappe
		.xcall("sales_process.api.check_stage_move", { opportunity_name: frm.doc.name, stage })
		.then((result) => {
			if (result.allowed) return true;
			frm.doc.sales_stage = result.saved_stage || frm.sp_saved_stage || "";
			frm.refresh_field("sales_stage");
			if (!was_dirty) {
				// nothing else was changed: the form is as saved again
				frm.doc.__unsaved = 0;
				frm.toolbar && frm.toolbar.refresh();
			}
			// shown after the save cycle, which would otherwise clear the message
			setTimeout(
				() => frappe.msgprint({ title: __("Sales Process Checkpoint"), message: result.message, indicator: "orange" }),
				150
			);
			return false;
		})
		.finally(() => setTimeout(() => (frm.sp_stage_check = null), 500));
	frm.sp_stage_check = { stage, promise };
	return promise;
};

// ERPNext starts every deal at 100 %; the stage's default probability is the better first guess.
// A probability the rep typed is kept (the server applies the same rule on save).
sales_process.stage_probability = function (frm) {
	if (!frm.doc.sales_stage) return;
	// the desk may hold the default as text ("100")
	const probability = Number(frm.doc.probability || 0);
	const untouched = frm.is_new()
		? [0, 100, Number(frm.sp_stage_probability)].includes(probability)
		: probability === Number(frm.sp_loaded_probability);
	if (!untouched) return;
	frappe.db.get_value("Sales Stage", frm.doc.sales_stage, "sp_probability").then(({ message }) => {
		if (!message || !message.sp_probability) return;
		frm.sp_stage_probability = message.sp_probability;
		frm.set_value("probability", message.sp_probability);
	});
};
