"""Dock panels that bring the model into the window: training, runs, comparison and agreement."""
