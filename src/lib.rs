//! CISS: a criminal-justice information sharing service.
//!
//! Agency records flow through the pipeline stages, one module each:
//! [`ingest`] reads and validates feeds through per-source mappings,
//! [`normalize`] turns raw values into canonical newtypes, [`resolve`] groups
//! records about one person into entities, [`graph`] stores records and the
//! derived graph, [`search`] answers status questions, [`review`] keeps reviewers' decisions on
//! resolution, and [`api`] serves them
//! over GraphQL. [`generate`] writes realistic synthetic feeds.

// The falkordb client's futures nest deeper than the default limit allows.
#![recursion_limit = "256"]

pub mod api;
pub mod cli;
pub mod config;
mod file_lock;
pub mod generate;
pub mod graph;
pub mod ingest;
pub mod model;
pub mod normalize;
pub mod resolve;
pub mod review;
pub mod search;
pub mod startup;
