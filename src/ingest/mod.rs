//! Ingest: read agency feeds through their mappings, validate every record,
//! quarantine the bad ones with a precise reason and store the rest in batches.

pub mod mapping;
