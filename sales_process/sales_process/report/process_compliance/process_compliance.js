// Process compliance: completed checkpoints ÷ checkpoints due, per rep × checkpoint, checkpoint, team or month.
(() => {
	// the status each count column stands for, added to the row's own filters when a number is clicked
	const RECORD_COLUMNS = {
		due: { status: JSON.stringify(["not in", ["Waived", "Cancelled"]]) },
		completed: { status: "Completed" },
		on_time: { status: "Completed", on_time: 1 },
		open_overdue: { status: "Overdue" },
		waived: { status: "Waived" },
	};
	const BAND_PILL = { Good: "green", Watch: "orange", Poor: "red" };
	const BAND_TEXT = { Good: "text-success", Watch: "text-warning", Poor: "text-danger" };

	function record_list_url(filters) {
		const params = new URLSearchParams();
		for (const [key, value] of Object.entries(filters)) {
			params.set(key, typeof value === "string" ? value : JSON.stringify(value));
		}
		return `/app/sales-checkpoint-record?${params.toString()}`;
	}

	frappe.query_reports["Process Compliance"] = {
		filters: [
			...sales_process.reports.scope_filters({ checkpoint: true }),
			{
				fieldname: "group_by",
				label: __("Group By"),
				fieldtype: "Select",
				options: [
					{ value: "Rep", label: __("Rep") },
					{ value: "Checkpoint", label: __("Checkpoint") },
					{ value: "Team", label: __("Team") },
					{ value: "Month", label: __("Month") },
				],
				default: "Rep",
			},
		],

		formatter(value, row, column, data, default_formatter) {
			let formatted = default_formatter(value, row, column, data);
			if (!data) return formatted;
			const status = RECORD_COLUMNS[column.fieldname];
			if (status && data.drill && value) {
				const url = record_list_url(Object.assign({}, data.drill, status));
				formatted = `<a href="${url}" title="${__("Open these checkpoint records")}">${formatted}</a>`;
			}
			if (column.fieldname === "band" && BAND_PILL[data.band_key]) {
				formatted = `<span class="indicator-pill ${BAND_PILL[data.band_key]}">${formatted}</span>`;
			}
			if (column.fieldname === "compliance" && BAND_TEXT[data.band_key]) {
				formatted = `<span class="${BAND_TEXT[data.band_key]}">${formatted}</span>`;
			}
			if (column.fieldname === "checkpoint" && column.fieldtype === "Data" && value) {
				// finance reads checkpoints as text, not links: still in the reader's language
				formatted = frappe.utils.escape_html(__(value));
			}
			if (column.fieldname === "sales_person" && data.sales_person === "__no_sales_person__") {
				formatted = frappe.utils.escape_html(data.rep_name || "");
			}
			if (data.is_total) formatted = `<b>${formatted}</b>`;
			return formatted;
		},
	};
})();
