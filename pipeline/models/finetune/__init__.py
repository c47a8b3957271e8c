"""Fine-tuned transformers: the model object, its training loop, distillation and ONNX export."""
