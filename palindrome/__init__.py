"""Palindromes (the Recurrent Models exercise): a vanilla RNN and an LSTM built from
parameters and matrix products, trained to recall the first digit; accuracy vs length."""
