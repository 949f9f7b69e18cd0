"""Understanding what people write: normalisation, the tokenizer, and scenario identification."""
