"""Theory the course draws on: information (entropy, channels), coding (error-correcting codes), graphs."""
