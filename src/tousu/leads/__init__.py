"""Leads for authorities: product-defect leads (缺陷线索) for the defect authority, case leads on
illegal platforms (案件线索) for the police, and fraud tips (反诈) with a public lookup."""
