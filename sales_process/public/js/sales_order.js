// Contract Terms Consensus and other checkpoints started by this Sales Order.
sales_process.setup_selling_form("Sales Order");
