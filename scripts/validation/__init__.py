"""punctum's validation against the literature (scripts/validate) and its sensitivity study
(scripts/sensitivity_study). The cases' published values, tolerances and sources live in
data/validation/cases.csv; this package computes the model's side of each case."""
