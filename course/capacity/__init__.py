"""Capacity planning: the Universal Scalability Law, performance laws and growth, capacity costs in money."""
