"""The SI model: ResNet50, a regression head and a landmark head; training, prediction, Grad-CAM."""
