//! CISS binary.
fn main() {}
