// Funnel health: per stage where deals wait and leak; or the rep × checkpoint completion matrix.
(() => {
	const BAND_PILL = { Good: "green", Watch: "orange", Poor: "red" };
	const BAND_TEXT = { Good: "text-success", Watch: "text-warning", Poor: "text-danger" };
	const OPEN = JSON.stringify(["not in", ["Lost", "Closed", "Converted"]]);

	function list_url(route, filters) {
		const params = new URLSearchParams();
		for (const [key, value] of Object.entries(filters)) {
			params.set(key, typeof value === "string" ? value : JSON.stringify(value));
		}
		return `/app/${route}?${params.toString()}`;
	}

	function link(url, formatted, title) {
		return `<a href="${url}" title="${title}">${formatted}</a>`;
	}

	function period(report) {
		return ["Between", [report.get_filter_value("from_date"), report.get_filter_value("to_date")]];
	}

	// Stages view: which documents stand behind each number of a stage
	function stage_link(column, data, formatted) {
		const stage = data.stage;
		const deals = Object.assign({}, data.drill || {}, { sales_stage: stage, status: OPEN });
		const between = period(frappe.query_report);
		switch (column.fieldname) {
			case "open_deals":
				return link(list_url("opportunity", deals), formatted, __("Open these deals"));
			case "stalled":
				if (!data.stalled_before) return formatted;
				deals.sp_stage_entered_on = ["<", data.stalled_before];
				return link(list_url("opportunity", deals), formatted, __("Open these deals"));
			case "entered":
				return link(
					list_url("sales-stage-log", { to_stage: stage, changed_on: between }),
					formatted,
					__("Open the stage log")
				);
			case "exits":
				return link(
					list_url("sales-stage-log", { from_stage: stage, changed_on: between }),
					formatted,
					__("Open the stage log")
				);
			case "checkpoints_due":
				return link(
					list_url(
						"sales-checkpoint-record",
						Object.assign({}, data.record_drill || {}, {
							stage,
							status: JSON.stringify(["not in", ["Waived", "Cancelled"]]),
						})
					),
					formatted,
					__("Open these checkpoint records")
				);
			default:
				return formatted;
		}
	}

	frappe.query_reports["Funnel Health"] = {
		filters: [
			...sales_process.reports.scope_filters({ checkpoint: true }),
			{
				fieldname: "view",
				label: __("View"),
				fieldtype: "Select",
				options: [
					{ value: "Stages", label: __("Stages") },
					{ value: "Rep × Checkpoint", label: __("Rep × Checkpoint") },
				],
				default: "Stages",
			},
		],

		formatter(value, row, column, data, default_formatter) {
			let formatted = default_formatter(value, row, column, data);
			if (!data) return formatted;
			const field = column.fieldname;

			if (data.stage !== undefined && value) formatted = stage_link(column, data, formatted);
			if (field === "checkpoint_compliance" && BAND_TEXT[data.checkpoint_band_key]) {
				formatted = `<span class="${BAND_TEXT[data.checkpoint_band_key]}">${formatted}</span>`;
			}
			if (field === "checkpoint_band" && BAND_PILL[data.checkpoint_band_key]) {
				formatted = `<span class="indicator-pill ${BAND_PILL[data.checkpoint_band_key]}">${formatted}</span>`;
			}

			// Rep × Checkpoint: each cell coloured by its band and opening the rep's records of it
			const band = field.startsWith("cp_") ? data[`${field}_band`] : field === "total_compliance" ? data.total_band : null;
			if (BAND_PILL[band]) {
				formatted = `<span class="indicator-pill ${BAND_PILL[band]}">${formatted}</span>`;
			}
			const drill = field.startsWith("cp_") ? data[`${field}_drill`] : field === "total_compliance" ? data.total_drill : null;
			if (drill && value !== null && value !== undefined) {
				formatted = link(list_url("sales-checkpoint-record", drill), formatted, __("Open these checkpoint records"));
			}
			if (data.is_total) formatted = `<b>${formatted}</b>`;
			return formatted;
		},
	};
})();
