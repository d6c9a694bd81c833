"""Customers and deals: what turns the trade floor's requests and quotes into suppliers' leads."""
