"""The org tree (district → street → community → grid → micro-grid), polygons and routing."""
