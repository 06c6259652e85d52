"""YAML experiments: safe loading, option schemas, sweeps and the batch runner."""
