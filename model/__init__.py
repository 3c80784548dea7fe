"""The SI model: ResNet50 with an SI head and a landmark head; training, prediction, Grad-CAM."""
