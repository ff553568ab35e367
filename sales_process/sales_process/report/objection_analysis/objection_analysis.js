// What customers object to, what is at stake, and which answers win.
frappe.query_reports["Objection Analysis"] = {
	filters: [
		...sales_process.reports.scope_filters(),
		{
			fieldname: "view",
			label: __("View"),
			fieldtype: "Select",
			options: ["Top Types", "Trend by Month", "By Stage", "By Item Group", "Strategies"].map((value) => ({
				value,
				label: __(value),
			})),
			default: "Top Types",
		},
		{ fieldname: "top_n", label: __("Top N"), fieldtype: "Int", default: 10 },
	],

	formatter(value, row, column, data, default_formatter) {
		const formatted = default_formatter(value, row, column, data);
		if (!data) return formatted;
		if (column.fieldname === "objection_type") {
			if (data.unclassified) return frappe.utils.escape_html(value || "");
			// the type's name in the reader's language, the link to its objections by the stored name
			return `<a href="${objection_list_url({ objection_type: value })}">${frappe.utils.escape_html(__(value))}</a>`;
		}
		if (column.fieldname === "item_group" && data.objection_type && !data.item_group_is_set) {
			return frappe.utils.escape_html(value || "");
		}
		if (column.fieldname === "objections" && value && data.rank_by_count && !data.unclassified) {
			const filters = { objection_type: data.objection_type };
			return `<a href="${objection_list_url(filters)}">${formatted}</a>`;
		}
		if (column.fieldname === "deals_used" && value && data.strategy) {
			return `<a href="${objection_list_url({ strategy: data.strategy })}">${formatted}</a>`;
		}
		if (column.fieldname === "lost_share" && value !== null && value !== undefined) {
			return `<span style="color: var(--${value >= 30 ? "red" : value >= 15 ? "orange" : "green"}-600)">${formatted}</span>`;
		}
		return formatted;
	},
};

function objection_list_url(extra) {
	const period = JSON.stringify([
		"Between",
		[frappe.query_report.get_filter_value("from_date"), frappe.query_report.get_filter_value("to_date")],
	]);
	return `/app/sales-objection?${query_string({ ...extra, creation: period })}`;
}

// encodeURIComponent, not URLSearchParams: the desk's router reads "+" as a plus, not a space
function query_string(params) {
	return Object.entries(params)
		.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
		.join("&");
}
