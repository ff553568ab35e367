// Per rep: are visits real, and do they move deals within N days?
frappe.query_reports["Visit Effectiveness"] = {
	filters: [
		...sales_process.reports.scope_filters(),
		{
			fieldname: "follow_days",
			label: __("Follow-up Days"),
			fieldtype: "Select",
			// the windows the visit rollup keeps (engine.visits_report.FOLLOW_WINDOWS)
			options: ["1", "2", "3", "5", "7", "10", "14", "21", "30", "45", "60", "90"],
			default: "7",
		},
	],

	formatter(value, row, column, data, default_formatter) {
		const formatted = default_formatter(value, row, column, data);
		if (!data || !data.rep) return formatted;
		const visits = (extra) => visit_list_url(data.rep, extra);
		if (column.fieldname === "rep") {
			return `<a href="${visits({})}" title="${__("Open this rep's visits")}">${frappe.utils.escape_html(data.rep)}</a>`;
		}
		if (column.fieldname === "visits" && value) {
			return `<a href="${visits({})}">${formatted}</a>`;
		}
		if (column.fieldname === "flagged" && value) {
			return `<a href="${visits({ needs_review: 1 })}" style="color: var(--red-600)">${formatted}</a>`;
		}
		if (column.fieldname === "pass_rate" && value !== null && value !== undefined) {
			return coloured(formatted, value >= 90 ? "green" : value >= 75 ? "orange" : "red");
		}
		if (
			(column.fieldname === "moved_nothing_share" || column.fieldname === "inside_moved_nothing_share") &&
			value !== null &&
			value !== undefined
		) {
			return coloured(formatted, value <= 30 ? "green" : value <= 50 ? "orange" : "red");
		}
		return formatted;
	},
};

function coloured(html, colour) {
	return `<span style="color: var(--${colour}-600)">${html}</span>`;
}

function visit_list_url(rep, extra) {
	const period = JSON.stringify([
		"Between",
		[frappe.query_report.get_filter_value("from_date"), frappe.query_report.get_filter_value("to_date")],
	]);
	return `/app/sales-visit-log?${query_string({ rep, check_in_time: period, ...extra })}`;
}

// encodeURIComponent, not URLSearchParams: the desk's router reads "+" as a plus, not a space
function query_string(params) {
	return Object.entries(params)
		.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
		.join("&");
}
