"""Analysis: coverage ratios, accessibility, reach, gaps, scenarios, zonal statistics."""
