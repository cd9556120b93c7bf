"""Platform: accounts and roles, audit trail, API base, jobs, navigation and dashboards."""
