"""Comparing: the differ, classification, the project policy, waivers and the gate."""
