"""The design layer: data and a model specification become design matrices with named
columns, and the analysis set (who is analysed, and why others are not)."""
