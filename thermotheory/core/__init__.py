"""The linear-Gaussian engine: models, moments and closed forms. Knows no neuroscience."""
