"""The HW2P1 autograder: Conv1d, Flatten, the scanning-MLP CNNs and the CNN model of a
hand-in against torch float64 and literal MLP scans."""
