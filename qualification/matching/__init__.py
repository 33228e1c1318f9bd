"""Lead-to-account matching: one function, `match_companies`, for the form, the JSON intake,
the CSV import and the admin; the decisions it stores; the match review's one service."""
