"""Rates and exports: 响应率, 办结率, 按时办结率, 满意率 and more, per scope, grid, department, category."""
