"""The experts' preparation: what a person reviewing the reports should look at first."""
