// Lead Source Quality 渠道监控: per source and campaign, how many leads enter the pool, are answered fast and are won.
frappe.query_reports["Lead Source Quality"] = {
	filters: [
		...sales_process.reports.scope_filters({ customer_group: false }),
		{ fieldname: "source", label: __("Source"), fieldtype: "Link", options: "Lead Source" },
		{ fieldname: "campaign", label: __("Campaign"), fieldtype: "Link", options: "Campaign" },
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "Source", label: __("Source") },
				{ value: "Campaign", label: __("Campaign") },
				{ value: "Source and Campaign", label: __("Source and Campaign") },
			],
			default: "Source",
		},
	],

	formatter(value, row, column, data, default_formatter) {
		const formatted = default_formatter(value, row, column, data);
		if (!data) return formatted;
		if ((column.fieldname === "source" || column.fieldname === "campaign") && !value) {
			return `<span class="text-muted">${__("Not Set")}</span>`;
		}
		if (column.fieldname === "leads" && value) {
			return `<a href="${lead_list_url(data)}">${formatted}</a>`;
		}
		return formatted;
	},
};

function lead_list_url(data) {
	const filters = {
		creation: JSON.stringify([
			"Between",
			[frappe.query_report.get_filter_value("from_date"), frappe.query_report.get_filter_value("to_date")],
		]),
	};
	if ("source" in data) filters.source = data.source ? data.source : JSON.stringify(["is", "not set"]);
	if ("campaign" in data) filters.campaign_name = data.campaign ? data.campaign : JSON.stringify(["is", "not set"]);
	const company = frappe.query_report.get_filter_value("company");
	if (company) filters.company = company;
	return `/app/lead?${Object.entries(filters)
		.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
		.join("&")}`;
}
