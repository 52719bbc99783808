//! Seeded generator of realistic agency feeds with their ground truth.
