"""The hw2 autograder: Conv1d, Flatten, the scanning-MLP CNNs and the CNN model against torch and literal MLP scans."""
