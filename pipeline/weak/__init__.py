"""Weak supervision and the label stage: labeling functions, labelers, the LF report."""
