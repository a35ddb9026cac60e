"""The checks as the grader prepares them: one module per part (inputs drawn from the hidden data,
the reference's side of each verdict), ``check.Check``, and ``registry.CHECKS``, the list."""
