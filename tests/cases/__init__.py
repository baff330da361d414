"""Small cases stated as source rows, with their figures worked by hand."""
